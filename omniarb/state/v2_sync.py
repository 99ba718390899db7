"""The state stage for Uniswap V2: pair states kept current block by block.

`V2StateSync` is a `BlockSync` (which follows the chain: heads, gaps, reorgs, late logs and
resyncs) whose logs are `Sync` and `PairCreated`. They are applied in log order, so the last
`Sync` of a pair in a block wins, and every state carries the block its value belongs to. A
`Sync` holds a pair's whole reserves, not a delta, so replaying a block whose log came late
rebuilds its pairs from the logs alone; after a reorg, the pairs the dropped blocks touched have
their reserves re-read through the lens at the new head, and a pair read as absent was created
in a dropped block and is gone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from omniarb.collect.heads import ChainLog, NewHead
from omniarb.dex.uniswap_v2.pool import V2PoolState
from omniarb.state.block_sync import BlockSync, PoolChanges, SyncCounters, SyncSettings
from omniarb.state.v2_discovery import V2Discovery
from omniarb.state.v2_log_reader import V2LogReader
from omniarb.state.v2_logs import PAIR_CREATED_TOPIC, SYNC_TOPIC, FactoryInfo, apply_v2_logs

__all__ = ["SyncCounters", "SyncSettings", "V2StateSync"]


class V2StateSync(BlockSync[V2PoolState]):
    """Pair states of the discovery's factories on one chain, kept current from logs."""

    discovery: V2Discovery
    settings: SyncSettings
    counters: SyncCounters
    _noun = "pairs"
    _topics = (SYNC_TOPIC, PAIR_CREATED_TOPIC)

    def __init__(self, *, discovery: V2Discovery, settings: SyncSettings | None = None) -> None:
        super().__init__(discovery, settings or SyncSettings(), SyncCounters(), V2LogReader)
        self._factories = {
            address.lower(): FactoryInfo(address=address, dex=dex, fee_bps=fee_bps)
            for address, (dex, fee_bps) in discovery.factories.items()
        }

    async def _changes(
        self, head: NewHead, logs: Sequence[ChainLog], stale: Sequence[str]
    ) -> PoolChanges[V2PoolState]:
        targets = [self._pools[key] for key in stale]
        reserves = (
            await self.discovery.read_reserves([s.address for s in targets], head)
            if targets
            else {}
        )
        result = apply_v2_logs(self._pools, logs, factories=self._factories, chain_id=self.chain_id)
        changed = result.changed
        removed: list[str] = []
        # The re-read values win over anything the dropped blocks left behind.
        for state in targets:
            read = reserves[state.address]
            key = state.address.lower()
            if read is None:
                removed.append(key)  # created in a dropped block and not again
                changed.pop(key, None)
                continue
            base = changed.get(key, state)
            changed[key] = replace(
                base, reserve0=read[0], reserve1=read[1], block_number=head.number
            )
        return PoolChanges(changed=changed, removed=tuple(removed), created=tuple(result.created))

    async def _replay(
        self, block_number: int, block_logs: Sequence[ChainLog], head: NewHead
    ) -> PoolChanges[V2PoolState]:
        result = apply_v2_logs(
            self._pools, block_logs, factories=self._factories, chain_id=self.chain_id
        )
        # Pools changed in a later block keep their later value.
        changed = {
            key: state
            for key, state in result.changed.items()
            if key not in self._pools or self._pools[key].block_number <= block_number
        }
        return PoolChanges(changed=changed, created=tuple(result.created))

    def _differs(self, old: V2PoolState, new: V2PoolState) -> bool:
        return (old.reserve0, old.reserve1) != (new.reserve0, new.reserve1)
