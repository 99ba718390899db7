"""Algebra Integral as an adapter (`omniarb.dex.base.DexAdapter`).

The executor swaps through an Integral pool with v3-core's call (`swap(address,bool,int256,
uint160,bytes)`, selector 0x128acb08) and pays it in `algebraSwapCallback`, after proving the
pool is CREATE2(pool deployer, keccak256(abi.encode(token0, token1)), init code hash): its own
hop byte (`KIND_ALGEBRA`, 2), since no fee enters the salt. A pool lends through `flash`
(v3-core's call too, from a lender record of kind 0x82), at the protocol's fixed flash fee.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from omniarb.chains.rpc import RpcClient
from omniarb.dex.algebra.address import POOL_INIT_CODE_HASH
from omniarb.dex.algebra.book import AlgebraBook
from omniarb.dex.algebra.discovery import AlgebraDiscovery
from omniarb.dex.algebra.events import STATE_TOPICS
from omniarb.dex.algebra.pool import KIND
from omniarb.dex.base import DexDeployment, HopGas
from omniarb.dex.uniswap_v3.adapter import HOP_GAS as UNISWAP_V3_HOP_GAS
from omniarb.types import FlashLoan

__all__ = ["ADAPTER", "HOP_GAS", "AlgebraAdapter"]

# Measured through the executor on seasoned devnet pools (the conformance execution test's
# routes on Polygon and Arbitrum): V2 -> Algebra used 177,398 gas where V2 -> Uniswap V3 through
# the same V2 pair used 175,051 (2,347 more); three-hop routes with an Algebra hop used
# 241,790-246,320 where their Uniswap V3 twins used 236,863-243,022 (-1,232 to +1,344). So a hop
# is priced 3,000 over Uniswap V3's, with V3's route gas (the same callback path). An
# initialized tick crossed cost 45,189 and 47,677 each over the same route without crossings
# (a tick crossed for the first time writes both its outer fee growths), below V3's 65,000:
# 52,000. Integral's tick tree finds the next tick in one step, so a swap takes no extra steps
# (`AlgebraCurve` reports none); V3's step gas stays as a bound.
HOP_GAS = HopGas(
    hop_gas=UNISWAP_V3_HOP_GAS.hop_gas + 3_000,
    route_gas=UNISWAP_V3_HOP_GAS.route_gas,
    crossing_gas=52_000,
    step_gas=UNISWAP_V3_HOP_GAS.step_gas,
)


@dataclass(frozen=True, slots=True)
class AlgebraAdapter:
    kind: str = KIND
    hop_kind: int = 2  # KIND_ALGEBRA
    pool_loan: FlashLoan = FlashLoan.ALGEBRA_POOL
    # @cryptoalgebra/integral-core 1.2.10's AlgebraPool.
    reference_init_code_hash: str = POOL_INIT_CODE_HASH
    state_topics: frozenset[str] = STATE_TOPICS
    hop_gas: HopGas = HOP_GAS
    locked_lenders: frozenset[FlashLoan] = frozenset()
    flash_swap_hop: bool = False  # the executor borrows from Algebra pools only through `flash`
    fee_per_pool: bool = True

    def book(self, *, rpc: RpcClient, chain_id: int, dexes: Sequence[DexDeployment]) -> AlgebraBook:
        factories = {dex.factory: dex.name for dex in dexes}
        return AlgebraBook(AlgebraDiscovery(rpc=rpc, chain_id=chain_id, factories=factories))


ADAPTER = AlgebraAdapter()
