"""Which pools a chain's trades in flight may change, so no gap is paid for twice.

A trade changes the pools of its route, and also the pool it borrows from when that is a pool
outside the route (a V2 pair's loan is repaid with a fee, which moves its reserves). Another
trade priced on any of those pools before the first one's effect is in the decider's state would
be priced on a state the chain no longer has. So a trade's pools are held from the moment it is
sent until the decider has seen the state of the block the trade landed in: releasing them at
the receipt is too early, because the state stage may not have synced that block yet.
"""

from __future__ import annotations

from omniarb.types import Decision

__all__ = ["InFlightPools"]


def _pools_of(decision: Decision) -> tuple[str, ...]:
    pools = [pool.lower() for pool in decision.opportunity.route.pools]
    if decision.flash_pool is not None:
        pools.append(decision.flash_pool.pool.lower())
    return tuple(pools)


class InFlightPools:
    """The held pools of one chain's pipeline (one decider task; not shared across tasks of
    other chains)."""

    def __init__(self) -> None:
        self._holds: dict[str, int] = {}
        # (block the decider must have seen, pools to release then), for settled trades.
        self._landed: list[tuple[int, tuple[str, ...]]] = []

    def busy(self, decision: Decision) -> bool:
        """Whether a pool `decision`'s trade would change is held by a trade in flight."""
        return any(pool in self._holds for pool in _pools_of(decision))

    def holds(self, pool: str) -> bool:
        """Whether a trade in flight may change `pool` (its address or state key)."""
        return pool.lower() in self._holds

    def hold(self, decision: Decision) -> None:
        """Hold the pools of `decision`, whose trade was just sent."""
        for pool in _pools_of(decision):
            self._holds[pool] = self._holds.get(pool, 0) + 1

    def settled(self, decision: Decision, landed_in: int | None) -> None:
        """`decision`'s trade settled in block `landed_in` (None: it never landed, so it
        changed nothing): its pools are released once the decider has seen that block."""
        if landed_in is None:
            self._release(_pools_of(decision))
        else:
            self._landed.append((landed_in, _pools_of(decision)))

    def seen(self, block_number: int) -> None:
        """The decider is about to decide on the state after `block_number`."""
        if not self._landed:
            return
        due = [pools for block, pools in self._landed if block <= block_number]
        self._landed = [entry for entry in self._landed if entry[0] > block_number]
        for pools in due:
            self._release(pools)

    def _release(self, pools: tuple[str, ...]) -> None:
        for pool in pools:
            left = self._holds.get(pool, 0) - 1
            if left <= 0:
                self._holds.pop(pool, None)
            else:
                self._holds[pool] = left

    @property
    def empty(self) -> bool:
        """Whether no pool is held."""
        return not self._holds and not self._landed
