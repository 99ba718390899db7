"""The state stage for Uniswap V3: pool states kept exact block by block from pool logs.

`V3StateSync` is a `BlockSync` (which follows the chain: heads, gaps, reorgs, late logs and
resyncs) whose logs are `Swap`, `Mint`, `Burn`, `Initialize` and `PoolCreated`. They are applied
in log order (`apply_v3_logs`), and every state carries the block of its last change.

V3 logs carry deltas (a `Mint` adds liquidity to two ticks), so unlike V2's `Sync` a log applied
twice or missed leaves the state wrong for good. Hence every repair re-reads pools through the
lens rather than replaying logs on top of what we have:
- a reorg: every pool the dropped blocks touched is re-read at the new head, and the new
  branch's logs are applied to the others;
- a log that cannot be applied (a burn of more than a tick holds) or that turns up after its
  block was applied: the pools of that block are re-read at our head.
Every `check_every_blocks` blocks a `V3ConsistencyCheck` compares a sample of pools with the
chain, logs any drift as an error, and replaces drifted pools with the chain's state.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from omniarb.collect.heads import ChainEvent, ChainLog, NewHead
from omniarb.dex.uniswap_v3.pool import V3PoolState
from omniarb.errors import RetryableError, RevertError
from omniarb.state.block_sync import BlockSync, PoolChanges
from omniarb.state.v3_check import V3ConsistencyCheck
from omniarb.state.v3_discovery import V3Discovery
from omniarb.state.v3_logs import (
    POOL_CREATED_TOPIC,
    V3_TOPICS,
    V3LogReader,
    apply_v3_logs,
    decode_pool_created,
)
from omniarb.state.v3_update import V3SyncCounters, V3SyncSettings
from omniarb.types import PoolUpdate

__all__ = ["V3StateSync"]

log = logging.getLogger(__name__)


class V3StateSync(BlockSync[V3PoolState]):
    """V3 pool states of the discovery's factories on one chain, kept exact from pool logs and
    checked against the chain every `check_every_blocks` blocks."""

    discovery: V3Discovery
    settings: V3SyncSettings
    counters: V3SyncCounters
    _noun = "V3 pools"
    _topics = V3_TOPICS

    def __init__(self, *, discovery: V3Discovery, settings: V3SyncSettings | None = None) -> None:
        super().__init__(discovery, settings or V3SyncSettings(), V3SyncCounters(), V3LogReader)
        self._factories = {address.lower(): dex for address, dex in discovery.factories.items()}
        sample = max(self.settings.check_sample, 1)
        self._check = V3ConsistencyCheck(discovery=discovery, sample=sample)
        self._last_check = 0

    async def bootstrap(self, block_number: int | None = None) -> PoolUpdate:
        """Discover every pool (default: at the latest block); all of them are new."""
        update = await super().bootstrap(block_number)
        self._last_check = update.block_number
        return update

    # --- logs to pools ------------------------------------------------------------------------

    async def _changes(
        self, head: NewHead, logs: Sequence[ChainLog], stale: Sequence[str]
    ) -> PoolChanges[V3PoolState]:
        # A pool a log broke is re-read like a stale one.
        result = apply_v3_logs(self._pools, logs, factories=self._factories, chain_id=self.chain_id)
        changed = result.changed
        keys = [*stale, *(k for k in result.broken if k not in stale)]
        removed: list[str] = []
        if keys:
            spacings = {
                k: (self._pools.get(k) or changed[k]).tick_spacing
                for k in keys
                if k in self._pools or k in changed
            }
            fresh = await self.discovery.read_pools(spacings, head)
            self.counters.reread_pools += len(fresh)
            for key, state in fresh.items():
                if state is None:
                    removed.append(key)  # created in a dropped block and not again
                    changed.pop(key, None)
                else:
                    changed[key] = state
            if result.broken:
                log.error(
                    "chain %d: V3 logs could not be applied to %d pools at block %d; re-read",
                    self.chain_id,
                    len(result.broken),
                    head.number,
                )
        return PoolChanges(changed=changed, removed=tuple(removed), created=tuple(result.created))

    async def _replay(
        self, block_number: int, block_logs: Sequence[ChainLog], head: NewHead
    ) -> PoolChanges[V3PoolState]:
        # Deltas cannot be slotted in after the fact: every pool the block touched is re-read.
        touched: dict[str, int | None] = {}
        created: list[str] = []
        for item in block_logs:
            if item.topics and item.topics[0] == POOL_CREATED_TOPIC:
                if item.address in self._factories:
                    pool = decode_pool_created(item)
                    touched[pool.pool] = pool.tick_spacing
                    if pool.pool not in self._pools:
                        created.append(pool.pool)
            elif item.address in self._pools:
                touched[item.address] = self._pools[item.address].tick_spacing
        fresh = await self.discovery.read_pools(touched, head)
        changed = {k: s for k, s in fresh.items() if s is not None}
        self.counters.reread_pools += len(changed)
        return PoolChanges(changed=changed, created=tuple(k for k in created if k in changed))

    def _differs(self, old: V3PoolState, new: V3PoolState) -> bool:
        return (old.sqrt_price_x96, old.tick, old.liquidity, old.unlocked, old.ticks) != (
            new.sqrt_price_x96,
            new.tick,
            new.liquidity,
            new.unlocked,
            new.ticks,
        )

    # --- consistency check --------------------------------------------------------------------

    async def process(self, event: ChainEvent) -> list[PoolUpdate]:
        """Apply one collector event; returns the updates it caused (usually zero or one), with
        the pools a due consistency check replaced."""
        updates = await super().process(event)
        every = self.settings.check_every_blocks
        due = every > 0 and bool(self._pools) and self._current().number - self._last_check >= every
        return [await self._checked(updates[0])] if updates and due else updates

    async def check_consistency(self) -> dict[str, V3PoolState | None]:
        """Compare the next sample of pools with the chain at our head; drifted pools are
        logged as errors and replaced by the chain's state. Returns them (None: gone)."""
        head = self._current()
        self._last_check = head.number
        report = await self._check.check(self._pools, head)
        self.counters.checks += 1
        self.counters.checked_pools += report.checked
        self.counters.drifts += len(report.drifted)
        for key, state in report.drifted.items():
            if state is None:
                self._pools.pop(key, None)
            else:
                self._pools[key] = state
        return dict(report.drifted)

    async def _checked(self, update: PoolUpdate) -> PoolUpdate:
        """`update` plus the pools a due consistency check replaced. A failed read is counted
        and logged, never fatal: the head is applied already."""
        try:
            drifted = await self.check_consistency()
        except (RetryableError, RevertError) as exc:
            self.counters.errors += 1
            log.warning("chain %d: V3 consistency check failed: %s", self.chain_id, exc)
            return update
        if not drifted:
            return update
        fixed = [s for s in drifted.values() if s is not None]
        keep = [
            p
            for p in update.pools
            if isinstance(p, V3PoolState) and p.address.lower() not in drifted
        ]
        return self._update(self._current(), [*keep, *fixed], list(update.new_pools))
