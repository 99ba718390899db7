"""`mixed_hops`: the exact outcome of V2 and V3 hops, and the least input buying an amount."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from omniarb.detect.mixed_hops import (
    cheapest_input,
    hop_amount_out,
    mixed_route_amount_out,
    mixed_route_amounts,
    route_work,
)
from omniarb.detect.sizing import HopReserves
from omniarb.dex.uniswap_v2.math import get_amount_out
from omniarb.dex.uniswap_v3.curve import V3Curve

from ._mixed_world import USDC, V3_A, V3_GAP, V3_THIN, WETH, usd

WIDE, GAP, THIN = V3_A, V3_GAP, V3_THIN


def test_hops_pay_what_the_pools_pay() -> None:
    v2 = HopReserves(reserve_in=10**21, reserve_out=3 * 10**12, fee_bps=25)
    assert hop_amount_out(v2, 10**18) == get_amount_out(10**18, 10**21, 3 * 10**12, 25)
    v3 = V3Curve(state=WIDE, zero_for_one=WIDE.token0 == WETH)
    swap = WIDE.swap_exact_input(zero_for_one=v3.zero_for_one, amount_in=10**18)
    assert hop_amount_out(v3, 10**18) == swap.amount_out
    back = V3Curve(state=GAP, zero_for_one=not v3.zero_for_one)
    assert mixed_route_amounts(10**18, [v3, back]) == [
        10**18,
        swap.amount_out,
        GAP.swap_exact_input(zero_for_one=back.zero_for_one, amount_in=swap.amount_out).amount_out,
    ]


def test_route_work_counts_crossings_and_the_other_extra_steps() -> None:
    v3 = V3Curve(state=WIDE, zero_for_one=WIDE.token0 == WETH)
    back = V3Curve(state=GAP, zero_for_one=not v3.zero_for_one)

    def swap(hop: V3Curve, amount: int) -> Any:
        return hop.state.swap(
            zero_for_one=hop.zero_for_one,
            amount_specified=amount,
            sqrt_price_limit_x96=hop.sqrt_price_limit_x96,
        )

    seen_extra = 0
    for amount in (10**15, 10**18, 10**20, 10**21):
        first = swap(v3, amount)
        second = swap(back, first.amount_out)
        crossed = first.initialized_ticks_crossed + second.initialized_ticks_crossed
        extra = sum(max(0, r.steps - 1 - r.initialized_ticks_crossed) for r in (first, second))
        work = route_work(amount, [v3, back])
        assert (sum(c for c, _ in work), sum(s for _, s in work)) == (crossed, extra)
        seen_extra += extra
    assert seen_extra > 0  # the sizes reach past a word edge somewhere
    v2 = HopReserves(reserve_in=10**21, reserve_out=3 * 10**12, fee_bps=25)
    assert route_work(10**18, [v2]) == [(0, 0)]


def test_a_hop_fails_without_input_or_when_a_pool_runs_dry() -> None:
    v3 = V3Curve(state=THIN, zero_for_one=False)
    assert hop_amount_out(v3, 0) is None
    assert mixed_route_amount_out(0, [v3]) == 0
    dry = usd(USDC, 5e6)
    assert THIN.swap_exact_input(zero_for_one=False, amount_in=dry).amount_in < dry
    assert hop_amount_out(v3, dry) is None
    assert mixed_route_amounts(dry, [v3]) is None
    assert cheapest_input(v3, usd(WETH, 5e6)) is None


@settings(max_examples=40, deadline=None)
@given(
    amount_usd=st.floats(min_value=1e-3, max_value=2e6),
    zero_for_one=st.booleans(),
    pool_index=st.sampled_from([0, 1, 2]),
)
def test_cheapest_input_is_the_least_input_paying_the_amount(
    amount_usd: float, zero_for_one: bool, pool_index: int
) -> None:
    state = (WIDE, GAP, THIN)[pool_index]
    hop = V3Curve(state=state, zero_for_one=zero_for_one)
    token_out = state.token1 if zero_for_one else state.token0
    wanted = max(usd(token_out, amount_usd), 1)
    least = cheapest_input(hop, wanted)
    if least is None:  # only when the pool cannot pay that much at any price
        quote = state.swap_exact_output(zero_for_one=zero_for_one, amount_out=wanted)
        assert quote.amount_out < wanted
        return
    paid = hop_amount_out(hop, least)
    assert paid is not None
    assert paid >= wanted
    below = hop_amount_out(hop, least - 1) if least > 1 else None
    assert below is None or below < wanted


@settings(max_examples=40, deadline=None)
@given(amount_out=st.integers(min_value=1, max_value=10**12 - 1))
def test_cheapest_input_of_a_v2_pair_is_exact(amount_out: int) -> None:
    hop = HopReserves(reserve_in=10**21, reserve_out=10**12, fee_bps=30)
    least = cheapest_input(hop, amount_out)
    assert least is not None
    assert get_amount_out(least, 10**21, 10**12) >= amount_out
    assert least == 1 or get_amount_out(least - 1, 10**21, 10**12) < amount_out


@settings(max_examples=60, deadline=None)
@given(
    amount_usd=st.floats(min_value=1e-4, max_value=3e7),
    zero_for_one=st.booleans(),
    pool_index=st.sampled_from([0, 1, 2]),
)
def test_the_liquidity_edge_limit_changes_no_outcome(
    amount_usd: float, zero_for_one: bool, pool_index: int
) -> None:
    """The hop's swap stops at the last initialized tick; the unlimited swap agrees."""
    state = (WIDE, GAP, THIN)[pool_index]
    hop = V3Curve(state=state, zero_for_one=zero_for_one)
    assert hop.sqrt_price_limit_x96 == state.ticks.sqrt_prices[0 if zero_for_one else -1]
    amount = max(usd(state.token0 if zero_for_one else state.token1, amount_usd), 1)
    unlimited = state.swap_exact_input(zero_for_one=zero_for_one, amount_in=amount)
    fits = unlimited.amount_in == amount and unlimited.amount_out > 0
    assert hop_amount_out(hop, amount) == (unlimited.amount_out if fits else None)
