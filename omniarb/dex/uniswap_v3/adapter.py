"""Uniswap V3 as an adapter (`omniarb.dex.base.DexAdapter`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import UNISWAP_V3_INIT_CODE_HASH
from omniarb.dex.base import DexDeployment
from omniarb.dex.uniswap_v3 import events
from omniarb.dex.uniswap_v3.book import UniswapV3Book
from omniarb.dex.uniswap_v3.discovery import V3Discovery
from omniarb.types import FlashLoan

__all__ = ["ADAPTER", "UniswapV3Adapter"]


@dataclass(frozen=True, slots=True)
class UniswapV3Adapter:
    kind: str = UniswapV3Book.kind
    hop_kind: int = 1  # KIND_UNISWAP_V3
    pool_loan: FlashLoan = FlashLoan.V3_POOL
    # v3-core 1.0.1's UniswapV3Pool (v3-periphery PoolAddress.POOL_INIT_CODE_HASH).
    reference_init_code_hash: str = UNISWAP_V3_INIT_CODE_HASH
    state_topics: frozenset[str] = events.STATE_TOPICS
    flash_swap_hop: bool = False  # the executor borrows from V3 pools only through `flash`
    fee_per_pool: bool = True

    def book(
        self, *, rpc: RpcClient, chain_id: int, dexes: Sequence[DexDeployment]
    ) -> UniswapV3Book:
        factories = {dex.factory: dex.name for dex in dexes}
        return UniswapV3Book(V3Discovery(rpc=rpc, chain_id=chain_id, factories=factories))


ADAPTER = UniswapV3Adapter()
