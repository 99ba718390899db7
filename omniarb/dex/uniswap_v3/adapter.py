"""Uniswap V3 as an adapter (`omniarb.dex.base.DexAdapter`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import UNISWAP_V3_INIT_CODE_HASH
from omniarb.dex.base import DexDeployment, HopGas
from omniarb.dex.uniswap_v3 import events
from omniarb.dex.uniswap_v3.book import UniswapV3Book
from omniarb.dex.uniswap_v3.discovery import V3Discovery
from omniarb.types import FlashLoan

__all__ = ["ADAPTER", "HOP_GAS", "UniswapV3Adapter"]


# Measured through the executor (benchmarks/execute.py) and rounded up: the V3 hops of a
# route at most 25,943 over as many V2 hops (a V3 hop alone up to 113,065, a second one
# about a V2 hop); an initialized tick crossed up to 64,154 (a fresh tick; ~30k once
# crossed before). A step that stops at a bitmap-word edge without crossing a tick is one
# more iteration of the pool's loop (another bitmap word read, the edge's price, the step's
# math): 7,237 gas in the benchmark's seasoned pool, 8,167 on a pool swapped for the first
# time in that direction; without it, trades that ran past such edges used up to 1,359 gas
# more than estimated. A hop carries the same 1,000 over its measured cost as a V2 hop
# (`omniarb.dex.uniswap_v2.adapter.HOP_GAS`: live trades ran up to 1,309 over the measured
# figures).
HOP_GAS = HopGas(hop_gas=89_000, route_gas=26_000, crossing_gas=65_000, step_gas=9_000)


@dataclass(frozen=True, slots=True)
class UniswapV3Adapter:
    kind: str = UniswapV3Book.kind
    hop_kind: int = 1  # KIND_UNISWAP_V3
    pool_loan: FlashLoan = FlashLoan.V3_POOL
    # v3-core 1.0.1's UniswapV3Pool (v3-periphery PoolAddress.POOL_INIT_CODE_HASH).
    reference_init_code_hash: str = UNISWAP_V3_INIT_CODE_HASH
    state_topics: frozenset[str] = events.STATE_TOPICS
    hop_gas: HopGas = HOP_GAS
    flash_swap_hop: bool = False  # the executor borrows from V3 pools only through `flash`
    fee_per_pool: bool = True

    def book(
        self, *, rpc: RpcClient, chain_id: int, dexes: Sequence[DexDeployment]
    ) -> UniswapV3Book:
        factories = {dex.factory: dex.name for dex in dexes}
        return UniswapV3Book(V3Discovery(rpc=rpc, chain_id=chain_id, factories=factories))


ADAPTER = UniswapV3Adapter()
