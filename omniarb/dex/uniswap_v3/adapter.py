"""Uniswap V3 as an adapter (`omniarb.dex.base.DexAdapter`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import UNISWAP_V3_INIT_CODE_HASH
from omniarb.dex.base import DexDeployment, HopGas
from omniarb.dex.uniswap_v3.book import UniswapV3Book
from omniarb.dex.uniswap_v3.discovery import V3Discovery
from omniarb.dex.uniswap_v3.flavour import UNISWAP_V3_FLAVOUR, V3Flavour
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


@dataclass(frozen=True, slots=True, kw_only=True)
class UniswapV3Adapter:
    """Uniswap V3, or a fork of its pool of another `flavour` (with its own init code hash
    and gas): the executor swaps and borrows through any of them the same way (`hop_kind` 1,
    `FlashLoan.V3_POOL`), the fork's callbacks being aliases of v3-core's."""

    flavour: V3Flavour = UNISWAP_V3_FLAVOUR
    hop_kind: int = 1  # KIND_UNISWAP_V3
    pool_loan: FlashLoan = FlashLoan.V3_POOL
    # v3-core 1.0.1's UniswapV3Pool (v3-periphery PoolAddress.POOL_INIT_CODE_HASH).
    reference_init_code_hash: str = UNISWAP_V3_INIT_CODE_HASH
    hop_gas: HopGas = HOP_GAS
    locked_lenders: frozenset[FlashLoan] = frozenset()
    flash_swap_hop: bool = False  # the executor borrows from V3 pools only through `flash`
    fee_per_pool: bool = True

    @property
    def kind(self) -> str:
        return self.flavour.kind

    @property
    def state_topics(self) -> frozenset[str]:
        return self.flavour.state_topics

    def book(
        self, *, rpc: RpcClient, chain_id: int, dexes: Sequence[DexDeployment]
    ) -> UniswapV3Book:
        factories = {dex.factory: dex.name for dex in dexes}
        discovery = V3Discovery(
            rpc=rpc, chain_id=chain_id, factories=factories, flavour=self.flavour
        )
        return UniswapV3Book(discovery)


ADAPTER = UniswapV3Adapter()
