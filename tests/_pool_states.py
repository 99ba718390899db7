"""A devnet chain's pool states read by the protocol adapters' own books, for tests that feed
the cross-chain detector what the state stage would."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from omniarb.chains.blocks import read_head
from omniarb.chains.rpc import RpcClient
from omniarb.dex.base import PoolBook, PoolState
from omniarb.dex.deployments import traded_deployments
from omniarb.dex.registry import adapter
from omniarb.network import ChainManifest


async def pool_states(
    rpc: RpcClient, chain: ChainManifest, kinds: Collection[str]
) -> tuple[int, list[PoolState]]:
    """The chain's head and the states after it of its pools of `kinds`."""
    head = await read_head(rpc, chain.chain_id)
    found: list[PoolState] = []
    for kind, dexes in traded_deployments(chain).items():
        if kind in kinds:
            book: PoolBook[Any] = adapter(kind).book(rpc=rpc, chain_id=chain.chain_id, dexes=dexes)
            found += await book.discover_at(head)
    return head.number, found
