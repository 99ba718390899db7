"""Uniswap V2 pairs kept current block by block: the kind's `PoolBook`.

The state stage's `BlockSync` follows the chain (heads, gaps, reorgs, late logs, resyncs) and
asks this book what `Sync` and `PairCreated` logs do to the pairs. They are applied in log
order, so the last `Sync` of a pair in a block wins, and every state carries the block its
value belongs to. A `Sync` holds a pair's whole reserves, not a delta, so replaying a block
whose log came late rebuilds its pairs from the logs alone; after a reorg, the pairs the dropped
blocks touched have their reserves re-read through the lens at the new head, and a pair read as
absent was created in a dropped block and is gone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from omniarb.chain_events import ChainLog, NewHead
from omniarb.chains.rpc import RpcClient
from omniarb.dex.base import PoolChanges
from omniarb.dex.uniswap_v2.discovery import V2Discovery
from omniarb.dex.uniswap_v2.logs import PAIR_CREATED_TOPIC, SYNC_TOPIC, FactoryInfo, apply_v2_logs
from omniarb.dex.uniswap_v2.pool import KIND, V2PoolState

__all__ = ["UniswapV2Book"]


class UniswapV2Book:
    """The pairs of the discovery's factories on one chain, as a `PoolBook`."""

    kind = KIND
    noun = "pairs"
    topics = (SYNC_TOPIC, PAIR_CREATED_TOPIC)

    def __init__(self, discovery: V2Discovery) -> None:
        self.discovery = discovery
        self.rpc: RpcClient = discovery.rpc
        self.chain_id: int = discovery.chain_id
        self._factories = {
            address.lower(): FactoryInfo(address=address, dex=dex, fee_bps=fee_bps)
            for address, (dex, fee_bps) in discovery.factories.items()
        }

    async def head(self, block: int | str = "latest") -> NewHead:
        return await self.discovery.head(block)

    async def discover_at(self, head: NewHead) -> tuple[V2PoolState, ...]:
        return (await self.discovery.discover_at(head)).pools

    async def read(self, pools: Sequence[str], head: NewHead) -> dict[str, V2PoolState | None]:
        return await self.discovery.read_pairs(pools, head)

    async def changes(
        self,
        pools: Mapping[str, V2PoolState],
        head: NewHead,
        logs: Sequence[ChainLog],
        stale: Sequence[str],
    ) -> PoolChanges[V2PoolState]:
        targets = [pools[key] for key in stale]
        reserves = (
            await self.discovery.read_reserves([s.address for s in targets], head)
            if targets
            else {}
        )
        result = apply_v2_logs(pools, logs, factories=self._factories, chain_id=self.chain_id)
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

    async def replay(
        self,
        pools: Mapping[str, V2PoolState],
        block_number: int,
        block_logs: Sequence[ChainLog],
        head: NewHead,
    ) -> PoolChanges[V2PoolState]:
        result = apply_v2_logs(pools, block_logs, factories=self._factories, chain_id=self.chain_id)
        # Pools changed in a later block keep their later value.
        changed = {
            key: state
            for key, state in result.changed.items()
            if key not in pools or pools[key].block_number <= block_number
        }
        return PoolChanges(changed=changed, created=tuple(result.created))

    def differs(self, old: V2PoolState, new: V2PoolState) -> bool:
        return (old.reserve0, old.reserve1) != (new.reserve0, new.reserve1)

    async def audit(
        self, pools: Mapping[str, V2PoolState], head: NewHead, *, force: bool = False
    ) -> Mapping[str, V2PoolState | None]:
        # A `Sync` carries a pair's whole reserves, so the next one repairs any drift.
        return {}
