"""Uniswap V2 and its forks as an adapter (`omniarb.dex.base.DexAdapter`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import UNISWAP_V2_INIT_CODE_HASH
from omniarb.dex.base import DexDeployment, HopGas
from omniarb.dex.uniswap_v2 import events
from omniarb.dex.uniswap_v2.book import UniswapV2Book
from omniarb.dex.uniswap_v2.discovery import V2Discovery
from omniarb.types import FlashLoan

__all__ = ["ADAPTER", "HOP_GAS", "UniswapV2Adapter"]


# 87,122 gas a hop measured through the executor (benchmarks/execute.py: 178,906 for two
# hops and 266,028 for three, 4,662 + 87,122 per hop), rounded up to 88,000, plus 1,000: live
# trades on the devnet used up to 978 (two hops) and 1,309 (three hops) gas more than the
# measured figures gave (tests/integration/engine/test_mixed_cycle_lenders.py under load), so
# a hop's cost varies with pool state beyond what the benchmark's routes show.
HOP_GAS = HopGas(hop_gas=89_000)


@dataclass(frozen=True, slots=True)
class UniswapV2Adapter:
    kind: str = UniswapV2Book.kind
    hop_kind: int = 0  # KIND_UNISWAP_V2
    pool_loan: FlashLoan = FlashLoan.V2_PAIR
    # v2-core 1.0.1's UniswapV2Pair (UniswapV2Library.pairFor's constant).
    reference_init_code_hash: str = UNISWAP_V2_INIT_CODE_HASH
    state_topics: frozenset[str] = events.STATE_TOPICS
    hop_gas: HopGas = HOP_GAS
    locked_lenders: frozenset[FlashLoan] = frozenset()
    flash_swap_hop: bool = True  # `swap` pays out, then calls `uniswapV2Call`, then checks K
    fee_per_pool: bool = False

    def book(
        self, *, rpc: RpcClient, chain_id: int, dexes: Sequence[DexDeployment]
    ) -> UniswapV2Book:
        factories: dict[str, tuple[str, int]] = {}
        for dex in dexes:
            if dex.fee_bps is None:
                raise ValueError(f"V2 DEX {dex.name} has no fee: every pair of a V2 DEX has one")
            factories[dex.factory] = (dex.name, dex.fee_bps)
        return UniswapV2Book(V2Discovery(rpc=rpc, chain_id=chain_id, factories=factories))


ADAPTER = UniswapV2Adapter()
