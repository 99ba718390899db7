"""The inlined swap loop against a literal port of `UniswapV3Pool.swap` built from the ported
libraries, on random pools and swaps; and the loop's contract-level behaviour (reverts, price
limits, tick crossings) on a small hand-built pool."""

from __future__ import annotations

from dataclasses import replace

import pytest
from _v3_reference import Position, pool_state, pools, reference_swap
from hypothesis import example, given, settings
from hypothesis import strategies as st

from omniarb.dex.uniswap_v3.errors import V3RevertError
from omniarb.dex.uniswap_v3.pool import V3PoolState
from omniarb.dex.uniswap_v3.tick_math import (
    MAX_SQRT_RATIO,
    MIN_SQRT_RATIO,
    get_sqrt_ratio_at_tick,
    get_tick_at_sqrt_ratio,
)

E18 = 10**18
amounts = st.one_of(
    st.integers(min_value=1, max_value=1000),
    st.integers(min_value=1, max_value=2**64),
    st.integers(min_value=1, max_value=2**130),
    st.integers(min_value=1, max_value=2**255 - 1),
)


def outcome(function, *args):
    try:
        return function(*args)
    except V3RevertError as exc:
        return ("revert", exc.reason)


def ours(state: V3PoolState, zero_for_one: bool, amount: int, limit: int | None):
    result = state.swap(
        zero_for_one=zero_for_one, amount_specified=amount, sqrt_price_limit_x96=limit
    )
    return (
        result.amount0,
        result.amount1,
        result.sqrt_price_x96,
        result.tick,
        result.liquidity,
        result.initialized_ticks_crossed,
        result.steps,
    )


@st.composite
def limits(draw: st.DrawFn, state: V3PoolState, zero_for_one: bool) -> int | None:
    kind = draw(st.sampled_from(["none", "between", "tick", "next", "wrong"]))
    price = state.sqrt_price_x96
    if kind == "none":
        return None
    if kind == "tick" and len(state.ticks):
        return get_sqrt_ratio_at_tick(draw(st.sampled_from(list(state.ticks))))
    if kind == "next":
        return price - 1 if zero_for_one else price + 1
    if kind == "wrong":
        return draw(st.sampled_from([price, MIN_SQRT_RATIO, MAX_SQRT_RATIO, price + 7, price - 7]))
    low, high = (MIN_SQRT_RATIO + 1, price - 1) if zero_for_one else (price + 1, MAX_SQRT_RATIO - 1)
    return draw(st.integers(min_value=min(low, high), max_value=max(low, high)))


@settings(max_examples=600, deadline=None)
@given(
    data=st.data(),
    state=pools(),
    zero_for_one=st.booleans(),
    amount=amounts,
    exact_in=st.booleans(),
)
def test_inlined_loop_equals_the_literal_port(data, state, zero_for_one, amount, exact_in) -> None:
    limit = data.draw(limits(state, zero_for_one))
    specified = amount if exact_in else -amount
    expected = outcome(reference_swap, state, zero_for_one, specified, limit)
    assert outcome(ours, state, zero_for_one, specified, limit) == expected


# A pool at tick 0 (price 1) with spacing 60: a wide position, a narrow one around the price
# and one above it, so swaps cross ticks, leave liquidity gaps and reach empty ranges.
POSITIONS = [
    Position(-6000, 6000, 10 * E18),
    Position(-120, 120, 50 * E18),
    Position(600, 1200, 30 * E18),
]


def small_pool(**overrides) -> V3PoolState:
    return pool_state(
        tick_spacing=60, fee_pips=3000, positions=POSITIONS, sqrt_price_x96=2**96, **overrides
    )


def test_pool_reverts_like_the_contract() -> None:
    state = small_pool()
    cases = [
        (dict(zero_for_one=True, amount_specified=0), "AS"),
        (dict(zero_for_one=True, amount_specified=1, sqrt_price_limit_x96=2**96), "SPL"),
        (dict(zero_for_one=True, amount_specified=1, sqrt_price_limit_x96=MIN_SQRT_RATIO), "SPL"),
        (dict(zero_for_one=False, amount_specified=1, sqrt_price_limit_x96=2**96 - 1), "SPL"),
        (dict(zero_for_one=False, amount_specified=1, sqrt_price_limit_x96=MAX_SQRT_RATIO), "SPL"),
    ]
    for kwargs, reason in cases:
        with pytest.raises(V3RevertError) as info:
            state.swap(**kwargs)
        assert info.value.reason == reason
    with pytest.raises(V3RevertError) as info:
        replace(state, unlocked=False).swap(zero_for_one=True, amount_specified=1)
    assert info.value.reason == "LOK"


def test_small_swap_stays_in_range_and_pays_less_than_spot() -> None:
    state = small_pool()
    result = state.swap_exact_input(zero_for_one=True, amount_in=10**15)
    assert result.amount0 == 10**15
    assert 0 < result.amount_out < 10**15 * 997 // 1000
    assert result.initialized_ticks_crossed == 0
    assert result.liquidity == state.liquidity == 60 * E18
    assert result.tick == get_tick_at_sqrt_ratio(result.sqrt_price_x96) == -1


def test_large_swap_crosses_ticks_and_changes_liquidity() -> None:
    state = small_pool()
    result = state.swap_exact_input(zero_for_one=False, amount_in=E18)
    # Up through 120 (narrow position ends) into the gap, then 600 (the upper position).
    assert result.initialized_ticks_crossed == 2
    assert result.tick >= 600
    assert result.liquidity == 40 * E18


def test_a_step_ends_at_each_bitmap_word_edge_without_crossing_a_tick() -> None:
    # No initialized tick between the price and far below it: the loop still stops at every
    # word edge (256 spacings), as `nextInitializedTickWithinOneWord` does, and each such step
    # costs gas on chain.
    state = pool_state(
        tick_spacing=1,
        fee_pips=500,
        positions=[Position(tick_lower=-887272, tick_upper=887272, liquidity=100 * E18)],
        sqrt_price_x96=get_sqrt_ratio_at_tick(100),
    )
    inside = state.swap_exact_input(
        zero_for_one=True, amount_in=E18, sqrt_price_limit_x96=get_sqrt_ratio_at_tick(10)
    )
    assert (inside.steps, inside.initialized_ticks_crossed) == (1, 0)
    # From tick 100 down to -300: edges at 0 and at -256, then the limit.
    across = state.swap_exact_input(
        zero_for_one=True, amount_in=100 * E18, sqrt_price_limit_x96=get_sqrt_ratio_at_tick(-300)
    )
    assert (across.tick, across.steps, across.initialized_ticks_crossed) == (-300, 3, 0)


def test_swap_to_a_tick_price_limit_stops_on_the_tick() -> None:
    state = small_pool()
    limit = get_sqrt_ratio_at_tick(-120)
    down = state.swap_exact_input(
        zero_for_one=True, amount_in=100 * E18, sqrt_price_limit_x96=limit
    )
    assert down.sqrt_price_x96 == limit
    # The pool crosses -120 and records the tick below it, as the contract does.
    assert (down.tick, down.liquidity, down.initialized_ticks_crossed) == (-121, 10 * E18, 1)
    assert down.amount0 < 100 * E18  # stopped early: only part of the input was taken


def test_exhausting_liquidity_runs_to_the_limit_of_the_price_range() -> None:
    state = small_pool()
    result = state.swap_exact_input(zero_for_one=True, amount_in=2**200)
    assert result.sqrt_price_x96 == MIN_SQRT_RATIO + 1
    assert result.liquidity == 0
    assert result.initialized_ticks_crossed == 2


@settings(max_examples=200, deadline=None)
@given(state=pools(), zero_for_one=st.booleans(), amount=st.integers(1, 2**100))
@example(state=small_pool(), zero_for_one=True, amount=E18)
@example(
    state=replace(small_pool(), sqrt_price_x96=MIN_SQRT_RATIO, tick=-887272),
    zero_for_one=True,
    amount=1,
)
def test_swaps_never_pay_more_than_the_spot_price_less_the_fee(state, zero_for_one, amount) -> None:
    """Every step rounds in the pool's favour, so the average price is at most the starting
    price less the fee, whether the input or the output is exact."""
    keep = 10**6 - state.fee_pips
    spot = state.sqrt_price_x96**2  # token1 per token0, times 2**192
    # A pool resting on the edge of the price range cannot move further that way: the default
    # limit (one past the edge) is then on the wrong side and the contract reverts with SPL.
    at_edge = (
        state.sqrt_price_x96 <= MIN_SQRT_RATIO + 1
        if zero_for_one
        else (state.sqrt_price_x96 >= MAX_SQRT_RATIO - 1)
    )
    if at_edge:
        with pytest.raises(V3RevertError, match="SPL"):
            state.swap(zero_for_one=zero_for_one, amount_specified=amount)
        return
    for specified in (amount, -amount):
        result = state.swap(zero_for_one=zero_for_one, amount_specified=specified)
        if zero_for_one:
            assert result.amount_out * 2**192 * 10**6 <= result.amount_in * keep * spot
        else:
            assert result.amount_out * spot * 10**6 <= result.amount_in * keep * 2**192
        if specified < 0 and result.sqrt_price_x96 not in (MIN_SQRT_RATIO + 1, MAX_SQRT_RATIO - 1):
            assert result.amount_out == amount  # paid in full unless liquidity ran out
