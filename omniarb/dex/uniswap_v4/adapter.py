"""Uniswap V4 as an adapter (`omniarb.dex.base.DexAdapter`), and how the executor's plan names a
V4 pool.

The executor runs every V4 hop of a route inside one `unlock` of the PoolManager and settles
with flash accounting; the manager lends anything it holds within `unlock` for no fee, so a
route that opens with a V4 hop borrows its input from the swap itself (`flash_swap_hop`, as a
V2 pair's flash swap), and any route may borrow its start token from a PoolManager
(`FlashLoan.V4_POOL_MANAGER`, plan source 4).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import UNISWAP_V4_POOL_MANAGER_MARK
from omniarb.dex.base import DexDeployment, HopGas
from omniarb.dex.uniswap_v4.book import UniswapV4Book
from omniarb.dex.uniswap_v4.events import STATE_TOPICS
from omniarb.dex.uniswap_v4.pool import KIND
from omniarb.types import FlashLoan

__all__ = ["ADAPTER", "HOP_GAS", "POOL_FIELD_ID_BYTES", "UniswapV4Adapter", "plan_pool_field"]

# Measured through the executor on the devnet (the conformance execution test's routes on
# seasoned pools, each trade the executor's first in its start token), with the contract's
# fixed cost (`wiring.EXECUTOR_GAS.base_gas`, 6,000) and the other kinds' hops (V2 89,000; V3
# 89,000 + 26,000 once) taken out: V2 → V4 left at most 85,647 gas for the V4 hop, V4 → V2
# 76,781, V4 → V3 63,675, V2 → V2 → V4 52,462 (the first V4 hop of a route pays the `unlock`
# and a `sync`/`settle` and `take` around the manager); a further V4 hop added up to 31,856
# (V2 → V4 → V4, V4 → V2 → V4: 117,683 for two), a V4 swap moving no tokens of its own. Priced
# 54,000 once a route and 33,000 a hop, plus 18,000 a hop for the fee-growth slot that a pool's
# first swap in a direction writes from zero (17,100 more than a rewrite), as the devnet's
# pools that never traded have. A tick crossed and an extra step of the swap loop are v4-core's
# `Pool.swap`, the same loop as v3-core's: V3's figures. A hop of a pool of the native coin
# (traded as the wrapped native token) costs more than the same hop of a pool of the wrapped
# token with the same liquidity (benchmarks/execute.py, the devnet's ETH/USDC pool against a
# WETH/USDC twin, the same swaps): WETH9 `withdraw` and `settle` with value in place of a
# `sync`/transfer/`settle` (+7,315 gas after a V2 pair, +20,410 / +34,431 after or before a V4
# hop, whose WETH credit must then leave the manager), or `take` and `deposit` in place of a
# `take` (+10,004 / +15,346 beside a V2 pair, +23,091 / +37,077 beside a V4 hop, whose WETH
# must go back in); priced 38,000.
HOP_GAS = HopGas(
    hop_gas=51_000, route_gas=54_000, crossing_gas=65_000, step_gas=9_000, native_gas=38_000
)

# A V4 hop's pool field in the plan: the pool id's leading 17 bytes, then its tick spacing.
POOL_FIELD_ID_BYTES = 17


def plan_pool_field(pool: str, tick_spacing: int) -> bytes:
    """The 20 bytes a V4 hop puts in the plan's pool field (OmniArbExecutor's notes): the
    leading 17 bytes of the pool id (its address here is the id's leading 20) and the key's
    tick spacing as an int24, from which the executor builds the hookless key."""
    raw = bytes.fromhex(pool.removeprefix("0x"))
    if len(raw) != 20:
        raise ValueError(f"not a V4 pool name: {pool!r}")
    return raw[:POOL_FIELD_ID_BYTES] + tick_spacing.to_bytes(3, "big", signed=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class UniswapV4Adapter:
    kind: str = KIND
    hop_kind: int = 3  # KIND_UNISWAP_V4
    pool_loan: FlashLoan = FlashLoan.V4_POOL_MANAGER
    # V4 pools have no creation code: the executor's registry holds the PoolManager with this
    # mark (`chains.spec.UNISWAP_V4_POOL_MANAGER_MARK`).
    reference_init_code_hash: str = UNISWAP_V4_POOL_MANAGER_MARK
    state_topics: frozenset[str] = STATE_TOPICS
    hop_gas: HopGas = HOP_GAS
    # Inside `unlock` a V4 swap pays out before it is paid: the opening hop lends the input.
    flash_swap_hop: bool = True
    fee_per_pool: bool = True

    def book(
        self, *, rpc: RpcClient, chain_id: int, dexes: Sequence[DexDeployment]
    ) -> UniswapV4Book:
        return UniswapV4Book(rpc=rpc, chain_id=chain_id, dexes=dexes)


ADAPTER = UniswapV4Adapter()
