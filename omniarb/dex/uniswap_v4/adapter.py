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
# seasoned pools, swaps crossing no tick): with flash accounting a V4 hop is one
# `PoolManager.swap` and no token transfer of its own, so it costs far less than a V2 hop. V2 →
# V4 used 180,115–180,647 gas and V4 → V2 160,960–171,781 (60,000 base + 89,000 for the V2
# hop leaves 31,647 at most for the V4 hop with the `unlock`, its `sync`/`settle` and `take`);
# a second V4 hop after one (V2 → V4 → V4, 211,497–212,503) added up to 31,856; V4 → V2 → V4
# used up to 212,683. Priced 35,000 a hop and 5,000 once a route (the `unlock`), which
# covers each of those with 8,000–11,500 to spare. A tick crossed and an extra step of the
# swap loop are v4-core's `Pool.swap`, the same loop as v3-core's: V3's figures.
HOP_GAS = HopGas(hop_gas=35_000, route_gas=5_000, crossing_gas=65_000, step_gas=9_000)

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
