"""Uniswap V3 pools kept exact block by block from pool logs: the kind's `PoolBook`.

The state stage's `BlockSync` follows the chain (heads, gaps, reorgs, late logs, resyncs) and
asks this book what `Swap`, `Mint`, `Burn`, `Initialize` and `PoolCreated` logs do to the pools.
They are applied in log order (`apply_v3_logs`), and every state carries the block of its last
change.

V3 logs carry deltas (a `Mint` adds liquidity to two ticks), so unlike V2's `Sync` a log applied
twice or missed leaves the state wrong for good. Hence every repair re-reads pools through the
lens rather than replaying logs on top of what we have:
- a reorg: every pool the dropped blocks touched is re-read at the new head, and the new
  branch's logs are applied to the others;
- a log that cannot be applied (a burn of more than a tick holds) or that turns up after its
  block was applied: the pools of that block are re-read at our head.
Every `check_every_blocks` blocks the audit (`V3ConsistencyCheck`) compares a sample of pools
with the chain, logs any drift as an error, and hands drifted pools back with the chain's state.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from omniarb.chain_events import ChainLog, NewHead
from omniarb.chains.rpc import RpcClient
from omniarb.dex.base import PoolChanges
from omniarb.dex.rereads import reread_into
from omniarb.dex.uniswap_v3.check import V3ConsistencyCheck
from omniarb.dex.uniswap_v3.discovery import V3Discovery
from omniarb.dex.uniswap_v3.logs import POOL_CREATED_TOPIC, apply_v3_logs, decode_pool_created
from omniarb.dex.uniswap_v3.pool import V3PoolState

__all__ = ["UniswapV3Book", "V3BookCounters"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class V3BookCounters:
    """The pools re-read after a late or unappliable log, and the consistency checks' figures
    (the block bookkeeping's own are `BlockSync.counters`)."""

    reread_pools: int = 0
    checks: int = 0
    checked_pools: int = 0
    drifts: int = 0
    discarded_checks: int = 0


class UniswapV3Book:
    """The V3 pools of the discovery's factories on one chain, as a `PoolBook`; every
    `check_every_blocks` blocks (0: never) `check_sample` pools are compared with the chain.
    The pools are of the discovery's flavour (v3-core's, or a fork's such as PancakeSwap V3)."""

    def __init__(
        self, discovery: V3Discovery, *, check_every_blocks: int = 20, check_sample: int = 8
    ) -> None:
        self.discovery = discovery
        self.rpc: RpcClient = discovery.rpc
        self.chain_id: int = discovery.chain_id
        self.flavour = discovery.flavour
        self.kind: str = self.flavour.kind
        self.noun: str = self.flavour.noun
        self.topics: tuple[str, ...] = self.flavour.topics
        self.check_every_blocks = check_every_blocks
        self.counters = V3BookCounters()
        self._factories = {address.lower(): dex for address, dex in discovery.factories.items()}
        self._check = V3ConsistencyCheck(discovery=discovery, sample=max(check_sample, 1))
        self._last_check = 0

    async def head(self, block: int | str = "latest") -> NewHead:
        return await self.discovery.head(block)

    async def discover_at(self, head: NewHead) -> tuple[V3PoolState, ...]:
        snapshot = await self.discovery.discover_at(head)
        self._last_check = head.number  # a fresh read needs no check for a while
        return snapshot.pools

    async def read(self, pools: Sequence[str], head: NewHead) -> dict[str, V3PoolState | None]:
        fresh = await self.discovery.read_pools(dict.fromkeys(pools), head)
        return {key.lower(): state for key, state in fresh.items()}

    async def changes(
        self,
        pools: Mapping[str, V3PoolState],
        head: NewHead,
        logs: Sequence[ChainLog],
        stale: Sequence[str],
    ) -> PoolChanges[V3PoolState]:
        # A pool a log broke is re-read like a stale one.
        result = apply_v3_logs(
            pools, logs, factories=self._factories, chain_id=self.chain_id, flavour=self.flavour
        )
        changed = result.changed
        step = await reread_into(
            changed,
            stale=stale,
            broken=list(result.broken),
            created=result.created,
            read=lambda keys: self.discovery.read_pools(
                {
                    k: (pools.get(k) or changed[k]).tick_spacing
                    if k in pools or k in changed
                    else None
                    for k in keys
                },
                head,
            ),
            chain_id=self.chain_id,
            block_number=head.number,
            noun="V3",
        )
        self.counters.reread_pools += step.reread
        return step.changes

    async def replay(
        self,
        pools: Mapping[str, V3PoolState],
        block_number: int,
        block_logs: Sequence[ChainLog],
        head: NewHead,
    ) -> PoolChanges[V3PoolState]:
        # Deltas cannot be slotted in after the fact: every pool the block touched is re-read.
        touched: dict[str, int | None] = {}
        created: list[str] = []
        for item in block_logs:
            if item.topics and item.topics[0] == POOL_CREATED_TOPIC:
                if item.address in self._factories:
                    pool = decode_pool_created(item)
                    touched[pool.pool] = pool.tick_spacing
                    if pool.pool not in pools:
                        created.append(pool.pool)
            elif item.address in pools:
                touched[item.address] = pools[item.address].tick_spacing
        fresh = await self.discovery.read_pools(touched, head)
        changed = {k: s for k, s in fresh.items() if s is not None}
        self.counters.reread_pools += len(changed)
        return PoolChanges(changed=changed, created=tuple(k for k in created if k in changed))

    def differs(self, old: V3PoolState, new: V3PoolState) -> bool:
        return (old.sqrt_price_x96, old.tick, old.liquidity, old.unlocked, old.ticks) != (
            new.sqrt_price_x96,
            new.tick,
            new.liquidity,
            new.unlocked,
            new.ticks,
        )

    async def audit(
        self, pools: Mapping[str, V3PoolState], head: NewHead, *, force: bool = False
    ) -> Mapping[str, V3PoolState | None]:
        """When a check is due (or `force`d), the next sample of pools compared with the chain
        at `head`: the drifted ones (logged as errors by the check) with the chain's state."""
        every = self.check_every_blocks
        due = every > 0 and head.number - self._last_check >= every
        if not pools or not (due or force):
            return {}
        self._last_check = head.number
        report = await self._check.check(pools, head)
        self.counters.checks += 1
        self.counters.checked_pools += report.checked
        self.counters.drifts += len(report.drifted)
        self.counters.discarded_checks += report.discarded
        return report.drifted
