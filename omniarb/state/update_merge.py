"""One `PoolUpdate` for two: how the engine folds updates that queued up while it was deciding,
and how the combined state stage folds the V2 and V3 stages' updates of one event.

    update = merge_updates(update, queue.get_nowait())
"""

from __future__ import annotations

from dataclasses import replace

from omniarb.types import PoolUpdate

__all__ = ["merge_updates"]


def merge_updates(older: PoolUpdate, newer: PoolUpdate) -> PoolUpdate:
    """`newer`'s block, every pool changed in either (the state in `newer` wins), every new pool
    of either, and the earliest arrival time, so latency counts from the first block.

    The later update wins for a pool even when its state carries a lower block number: after a
    reorg to a shorter branch the re-read state is the right one, whatever its number.
    """
    pools = {state.state_key: state for state in older.pools}
    pools.update((state.state_key, state) for state in newer.pools)
    arrivals = [ns for ns in (older.received_ns, newer.received_ns) if ns]
    return replace(
        newer,
        pools=tuple(pools.values()),
        new_pools=tuple(dict.fromkeys((*older.new_pools, *newer.new_pools))),
        received_ns=min(arrivals, default=0),
        times=older.times.merged(newer.times),
    )
