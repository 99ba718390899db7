"""The detect stage over V2 and V3 pools together: mixed cycles, a planted V3 gap sized exactly,
incremental re-evaluation, and the V2-only path unchanged."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from omniarb.detect.detector import CycleDetector
from omniarb.dex.uniswap_v2.pool import V2PoolState
from omniarb.dex.uniswap_v3.pool import V3PoolState
from omniarb.gas import GasModel
from omniarb.types import Opportunity, PoolUpdate

from ._mixed_world import (
    CHAIN,
    DAI,
    DECIMALS,
    PRICE_USD,
    USDC,
    USDT,
    WETH,
    Band,
    Leg,
    Pool,
    brute_force,
    profit_of,
    simulate,
    v2_pool,
    v3_pool,
)

BASE_FEE_WEI = 20 * 10**9
NARROW = [Band(400, 3e6), Band(40, 5e6), Band(2, 2e6), Band(0, 2e6, shift=2)]


def detector() -> CycleDetector:
    return CycleDetector(
        chain_id=CHAIN,
        base_tokens=[WETH, USDC, USDT, DAI],
        wrapped_native=WETH,
        stablecoin_decimals={USDC: 6, USDT: 6, DAI: 18},
        gas_model=GasModel(),
        priority_fee_wei=10**9,
    )


def v2_world() -> list[V2PoolState]:
    return [
        v2_pool(0, WETH, USDC, 5e6),
        v2_pool(1, USDC, DAI, 2e6),
        v2_pool(2, WETH, DAI, 1e6),
        v2_pool(3, WETH, USDT, 1e6),
        v2_pool(4, USDC, USDT, 1e6),
    ]


def v3_world() -> list[V3PoolState]:
    return [
        v3_pool(0, WETH, USDC, fee_pips=500, bands=NARROW, full_range_usd=1e6),
        v3_pool(1, WETH, USDC, fee_pips=3000, bands=NARROW, full_range_usd=1e6),
        v3_pool(2, USDC, DAI, fee_pips=100, bands=[Band(5, 2e6), Band(50, 2e6)]),
    ]


def whale(state: V3PoolState, token_in: str, amount_usd: float) -> V3PoolState:
    """The pool after someone swaps `amount_usd` of `token_in` through it."""
    amount = int(amount_usd / PRICE_USD[token_in] * 10 ** DECIMALS[token_in])
    result = state.swap_exact_input(zero_for_one=token_in == state.token0, amount_in=amount)
    return state.after_swap(result, block_number=state.block_number + 1)


def legs_of(opportunity: Opportunity, states: dict[str, Pool]) -> list[Leg]:
    return [(states[hop.pool], hop.token_in) for hop in opportunity.route.hops]


def check_exact(opportunity: Opportunity, states: dict[str, Pool]) -> None:
    legs = legs_of(opportunity, states)
    assert opportunity.amount_out == simulate(opportunity.amount_in, legs)
    assert opportunity.gross_profit == opportunity.amount_out - opportunity.amount_in


def test_cycles_mix_v2_and_v3_pools_with_their_kind_and_fee() -> None:
    d = detector()
    pools: Sequence[Pool] = [*v2_world(), *v3_world()]
    d.apply(pools)
    kinds = {frozenset(h.kind for h in c.route.hops) for c in d.graph.cycles}
    assert kinds == {
        frozenset({"uniswap-v2"}),
        frozenset({"uniswap-v3"}),
        frozenset({"uniswap-v2", "uniswap-v3"}),
    }
    fees = {p.address: p.fee_pips if isinstance(p, V3PoolState) else 3000 for p in pools}
    for cycle in d.graph.cycles:
        for hop in cycle.route.hops:
            assert hop.fee_pips == fees[hop.pool]
    # V2↔V3 and V3↔V3 two-hop cycles over WETH/USDC, both directions.
    weth_usdc = {p.address for p in pools if {p.token0, p.token1} == {WETH, USDC}}
    two_hop = {
        (c.route.pools, c.zero_for_one)
        for c in d.graph.cycles
        if len(c.route.hops) == 2 and set(c.route.pools) <= weth_usdc
    }
    assert len(two_hop) == 6  # 3 pools: 3 pairs × 2 directions
    assert d.graph.pool(v3_world()[0].address).kind == "uniswap-v3"


def test_a_cycle_opens_with_a_v2_pair_from_a_base_token_when_it_can() -> None:
    # That pair lends the start token for free; any other opening needs an outside lender.
    d = detector()
    d.apply([*v2_world(), *v3_world()])
    rank = {token: i for i, token in enumerate([WETH, USDC, USDT, DAI])}
    v2_opened = 0
    for cycle in d.graph.cycles:
        hops = cycle.route.hops
        v2_from_base = [h for h in hops if h.kind == "uniswap-v2" and h.token_in in rank]
        if v2_from_base:
            assert hops[0].kind == "uniswap-v2"
            assert hops[0].token_in == min((h.token_in for h in v2_from_base), key=rank.__getitem__)
            v2_opened += any(h.kind == "uniswap-v3" for h in hops)
        else:
            bases = [h.token_in for h in hops if h.token_in in rank]
            assert cycle.start_token == min(bases, key=rank.__getitem__)
    assert v2_opened > 0  # mixed cycles turned to open with their V2 pair


async def test_fair_pools_have_no_opportunity() -> None:
    d = detector()
    assert d.detect_states([*v2_world(), *v3_world()], block_number=1, base_fee_wei=0) == []
    update = PoolUpdate(
        chain_id=CHAIN, block_number=2, block_hash="0x" + "00" * 32, base_fee_wei=0, pools=()
    )
    assert await d.process(update) == []


def test_a_whale_in_a_v3_pool_opens_mixed_cycles_sized_exactly() -> None:
    d = detector()
    v3 = v3_world()
    d.apply([*v2_world(), *v3])
    moved = whale(v3[0], WETH, 300_000)  # WETH gets cheap in the 0.05% pool
    pools: list[Pool] = [*v2_world(), moved, *v3[1:]]
    states = {p.address: p for p in pools}
    found = d.detect_states([moved], block_number=2, base_fee_wei=BASE_FEE_WEI)
    assert found
    assert all(moved.address in o.route.pools for o in found)
    kinds = {frozenset(h.kind for h in o.route.hops) for o in found}
    assert frozenset({"uniswap-v2", "uniswap-v3"}) in kinds
    assert frozenset({"uniswap-v3"}) in kinds
    for opportunity in found:
        check_exact(opportunity, states)
    # The best is within 0.1% of a brute force over the exact pool math.
    best = max(found, key=lambda o: o.net_profit_usd)
    legs = legs_of(best, states)
    start = best.route.token_in
    high = int(3e6 / PRICE_USD[start] * 10 ** DECIMALS[start])
    assert best.gross_profit >= brute_force(profit_of(legs), high) * 999 // 1000
    assert best.route.hops[0].token_in == best.route.hops[-1].token_out


async def test_the_stage_takes_an_update_of_v3_states() -> None:
    v3 = v3_world()
    moved = whale(v3[0], USDC, 300_000)
    by_update, by_states = detector(), detector()
    for d in (by_update, by_states):
        d.apply([*v2_world(), *v3])
    update = PoolUpdate(
        chain_id=CHAIN,
        block_number=2,
        block_hash="0x" + "02" * 32,
        base_fee_wei=BASE_FEE_WEI,
        pools=(moved,),
    )
    found = await by_update.process(update)
    assert found
    expected = by_states.detect_states([moved], block_number=2, base_fee_wei=BASE_FEE_WEI)
    assert [(o.id, o.amount_in) for o in found] == [(o.id, o.amount_in) for o in expected]


def test_an_update_re_evaluates_only_the_cycles_through_the_changed_v3_pool() -> None:
    d = detector()
    v3 = v3_world()
    d.apply([*v2_world(), *v3])
    before = d.counters.cycles_screened
    moved = whale(v3[1], USDC, 100_000)
    d.detect_states([moved], block_number=2, base_fee_wei=BASE_FEE_WEI)
    through = d.graph.cycles_of(d.graph.pool_id(moved.address))
    assert d.counters.cycles_screened - before == len(through)
    assert d.pool_state(moved.address) is moved


def test_v2_cycles_size_as_before_beside_v3_pools() -> None:
    """A V2 gap: the V2-only cycles are found as by a V2-only detector, as exactly and as
    profitably (the V3 cycles sharing the gap's pool may take the full search's turn)."""
    skewed = v2_pool(0, WETH, USDC, 5e6, skew=1.02)
    v2_only, mixed = detector(), detector()
    v2_only.apply(v2_world())
    mixed.apply([*v2_world(), *v3_world()])
    alone = v2_only.detect_states([skewed], block_number=2, base_fee_wei=BASE_FEE_WEI)
    beside = mixed.detect_states([skewed], block_number=2, base_fee_wei=BASE_FEE_WEI)
    assert alone
    pools: list[Pool] = [*v2_world(), *v3_world(), skewed]
    states = {p.address: p for p in pools}
    v2_cycles = {
        o.route.pools: o for o in beside if all(h.kind == "uniswap-v2" for h in o.route.hops)
    }
    assert set(v2_cycles) == {o.route.pools for o in alone}
    for opportunity in alone:
        twin = v2_cycles[opportunity.route.pools]
        check_exact(twin, states)
        assert twin.gross_profit >= opportunity.gross_profit * 999 // 1000
    assert len(beside) > len(alone)  # and the V3 pools offer more


def test_a_v3_pool_priced_inside_an_empty_range_still_trades() -> None:
    """No liquidity at the price: the screen's stand-in keeps the pool's price and depth."""
    d = detector()
    gap = v3_pool(
        7, WETH, USDC, fee_pips=500, bands=[Band(3, 4e6, shift=-6), Band(3, 4e6, shift=6)]
    )
    assert gap.liquidity == 0
    d.apply([*v2_world(), gap])
    found = d.detect_states(
        [v2_pool(0, WETH, USDC, 5e6, skew=1.03)], block_number=2, base_fee_wei=BASE_FEE_WEI
    )
    through_gap = [o for o in found if gap.address in o.route.pools]
    assert through_gap
    pools: list[Pool] = [*v2_world(), gap]
    states = {p.address: p for p in pools}
    states[v2_world()[0].address] = v2_pool(0, WETH, USDC, 5e6, skew=1.03)
    for opportunity in through_gap:
        check_exact(opportunity, states)


def test_state_accessors_serve_every_kind_and_the_pricer_constant_product_pools() -> None:
    d = detector()
    v3 = v3_world()
    d.apply([*v2_world(), *v3])
    assert d.pool_state(v2_world()[0].address) == v2_world()[0]
    assert d.pool_state(v3[0].address) == v3[0]
    # The pricer's book: constant-product pools only (reserve ratios), so no V3 pool.
    assert d.pair_states(WETH, USDC) == [v2_world()[0]]
    with pytest.raises(ValueError, match="cannot change kind"):
        d.apply([_as_v2(v3[0])])
    assert d.pool_state(v3[0].address) == v3[0]


def _as_v2(state: V3PoolState) -> V2PoolState:
    """A V2 state at a V3 pool's address (a malformed update)."""
    return V2PoolState(
        chain_id=state.chain_id,
        address=state.address,
        dex=state.dex,
        factory=state.factory,
        token0=state.token0,
        token1=state.token1,
        reserve0=10**18,
        reserve1=10**18,
        fee_bps=30,
        block_number=2,
    )
