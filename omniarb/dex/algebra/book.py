"""Algebra Integral pools kept exact block by block from pool logs: the kind's `PoolBook`.

The state stage's `BlockSync` follows the chain (heads, gaps, reorgs, late logs, resyncs) and
asks this book what the pools' logs (`Swap`, `Mint`, `Burn`, `Initialize`, `Fee`,
`TickSpacing`, `CommunityFee`, `Plugin`, `PluginConfig`) and the factories' `Pool` logs do to
the pools; `apply_algebra_logs` applies them in log order. Integral 1.2.10's `Swap`, `Mint`,
`Burn` and `Initialize` have Uniswap V3's topics, so the stage hands this book the logs of
every V3-like pool too: logs of pools the book does not hold are passed over, by address.

A pool whose plugin may override the fee (`fee_may_be_overridden`) is priced at the fee in
force, `lastFee`, and re-priced when its plugin rewrites it (`Fee`, a state topic); a swap the
plugin prices otherwise is caught by the executor's profit check, never paid for.

Like V3's, the logs carry deltas (a `Mint` adds liquidity to two ticks), so every repair
re-reads pools rather than replaying logs over what we have: a reorg's touched pools are
re-read at the new head, and a block whose log came late has its pools re-read at our head.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from omniarb.chain_events import ChainLog, NewHead
from omniarb.chains.rpc import RpcClient
from omniarb.dex.algebra.discovery import AlgebraDiscovery
from omniarb.dex.algebra.events import POOL_TOPIC
from omniarb.dex.algebra.logs import ALGEBRA_TOPICS, apply_algebra_logs, decode_pool_created
from omniarb.dex.algebra.pool import KIND, AlgebraPoolState
from omniarb.dex.base import PoolChanges
from omniarb.dex.rereads import reread_into

__all__ = ["AlgebraBook"]

log = logging.getLogger(__name__)


class AlgebraBook:
    """The Algebra Integral pools of the discovery's factories on one chain, as a `PoolBook`.

    `reread_pools` counts the pools re-read after a late or unappliable log."""

    kind = KIND
    noun = "Algebra pools"
    topics = ALGEBRA_TOPICS

    def __init__(self, discovery: AlgebraDiscovery) -> None:
        self.discovery = discovery
        self.rpc: RpcClient = discovery.rpc
        self.chain_id: int = discovery.chain_id
        self.reread_pools = 0
        self._factories = {address.lower(): dex for address, dex in discovery.factories.items()}

    async def head(self, block: int | str = "latest") -> NewHead:
        return await self.discovery.head(block)

    async def discover_at(self, head: NewHead) -> tuple[AlgebraPoolState, ...]:
        return await self.discovery.discover_at(head)

    async def read(self, pools: Sequence[str], head: NewHead) -> dict[str, AlgebraPoolState | None]:
        return await self.discovery.read_pools(pools, head)

    async def changes(
        self,
        pools: Mapping[str, AlgebraPoolState],
        head: NewHead,
        logs: Sequence[ChainLog],
        stale: Sequence[str],
    ) -> PoolChanges[AlgebraPoolState]:
        # A pool a log broke is re-read like a stale one.
        result = apply_algebra_logs(pools, logs, factories=self._factories, chain_id=self.chain_id)
        changed = result.changed
        step = await reread_into(
            changed,
            stale=stale,
            broken=list(result.broken),
            created=result.created,
            read=lambda keys: self.discovery.read_pools(keys, head),
            chain_id=self.chain_id,
            block_number=head.number,
            noun="Algebra",
        )
        self.reread_pools += step.reread
        return step.changes

    async def replay(
        self,
        pools: Mapping[str, AlgebraPoolState],
        block_number: int,
        block_logs: Sequence[ChainLog],
        head: NewHead,
    ) -> PoolChanges[AlgebraPoolState]:
        # Deltas cannot be slotted in after the fact: every pool the block touched is re-read.
        touched: list[str] = []
        created: list[str] = []
        for item in block_logs:
            if item.topics and item.topics[0] == POOL_TOPIC:
                if item.address in self._factories:
                    pool = decode_pool_created(item).pool
                    touched.append(pool)
                    if pool not in pools:
                        created.append(pool)
            elif item.address in pools:
                touched.append(item.address)
        fresh = await self.discovery.read_pools(touched, head)
        changed = {key: state for key, state in fresh.items() if state is not None}
        self.reread_pools += len(changed)
        return PoolChanges(changed=changed, created=tuple(k for k in created if k in changed))

    def differs(self, old: AlgebraPoolState, new: AlgebraPoolState) -> bool:
        return _swap_inputs(old) != _swap_inputs(new)

    async def audit(
        self, pools: Mapping[str, AlgebraPoolState], head: NewHead, *, force: bool = False
    ) -> Mapping[str, AlgebraPoolState | None]:
        # No periodic check yet: drift is repaired by reorg and late-log re-reads and resyncs.
        return {}


def _swap_inputs(state: AlgebraPoolState) -> tuple[object, ...]:
    """What a swap reads of a pool (and whether it may run at all)."""
    return (
        state.sqrt_price_x96,
        state.tick,
        state.liquidity,
        state.fee_pips,
        state.plugin_config,
        state.unlocked,
        state.ticks,
    )
