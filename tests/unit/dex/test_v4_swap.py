"""v4's swap: the inlined loop against the literal port on random pools with random LP and
protocol fees, v4's sign convention and reverts, the 100% fee edge, and the one claim that
lets v4 reuse v3's tick-range pieces: for a fee below 100% a v4 swap takes and pays exactly
what v3's swap with the same combined fee does (only the signs and the errors differ)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from _v3_reference import Position, pool_state, pools
from _v4_reference import lp_fees, protocol_fees, reference_swap, v4_of
from hypothesis import given, settings
from hypothesis import strategies as st

from omniarb.dex.uniswap_v3.errors import V3RevertError
from omniarb.dex.uniswap_v3.tick_math import MAX_SQRT_RATIO, MIN_SQRT_RATIO, get_sqrt_ratio_at_tick
from omniarb.dex.uniswap_v4 import V4PoolState, V4RevertError, swap_fee

E18 = 10**18
amounts = st.one_of(
    st.integers(min_value=1, max_value=1000),
    st.integers(min_value=1, max_value=2**64),
    st.integers(min_value=1, max_value=2**126),
    st.integers(min_value=1, max_value=2**200),
)


def outcome(function, *args):
    try:
        return function(*args)
    except V4RevertError as exc:
        return ("revert", exc.reason)


def ours(state: V4PoolState, zero_for_one: bool, amount: int, limit: int | None):
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
def cases(draw: st.DrawFn):
    state = v4_of(draw(pools()), lp_fee=draw(lp_fees), protocol_fee=draw(protocol_fees))
    zero_for_one = draw(st.booleans())
    amount = draw(amounts) * draw(st.sampled_from([-1, 1]))
    price = state.sqrt_price_x96
    kind = draw(st.sampled_from(["none", "none", "near", "tick", "wrong"]))
    limit: int | None = None
    if kind == "near":
        limit = (
            price - draw(st.integers(1, 2**90))
            if zero_for_one
            else price + draw(st.integers(1, 2**90))
        )
        limit = min(max(limit, MIN_SQRT_RATIO + 1), MAX_SQRT_RATIO - 1)
    elif kind == "tick" and state.ticks:
        limit = draw(st.sampled_from(state.ticks.sqrt_prices))
    elif kind == "wrong":
        limit = draw(st.sampled_from([price, MIN_SQRT_RATIO, MAX_SQRT_RATIO, 0]))
    return state, zero_for_one, amount, limit


@settings(max_examples=600, deadline=None)
@given(cases())
def test_inlined_loop_equals_the_literal_port(case) -> None:
    state, zero_for_one, amount, limit = case
    assert outcome(ours, state, zero_for_one, amount, limit) == outcome(
        reference_swap, state, zero_for_one, amount, limit
    )


@settings(max_examples=400, deadline=None)
@given(cases())
def test_v4_amounts_equal_v3_with_the_combined_fee(case) -> None:
    """The basis of reusing v3's pieces (`segments`): below a 100% fee, a v4 swap of
    `amount_specified` moves the pool exactly as v3's swap of `-amount_specified` with v4's
    combined swap fee, and its balance delta is v3's pool delta negated."""
    state, zero_for_one, amount, limit = case
    fee = swap_fee(state.protocol_fee, state.fee_pips, zero_for_one)
    if fee >= 1_000_000 or (limit is not None and limit in (0, MIN_SQRT_RATIO, MAX_SQRT_RATIO)):
        return
    v3 = replace(
        pool_state(
            tick_spacing=state.tick_spacing, fee_pips=fee, positions=[], sqrt_price_x96=2**96
        ),
        sqrt_price_x96=state.sqrt_price_x96,
        tick=state.tick,
        liquidity=state.liquidity,
        ticks=state.ticks,
    )
    try:
        theirs = v3.swap(
            zero_for_one=zero_for_one, amount_specified=-amount, sqrt_price_limit_x96=limit
        )
    except V3RevertError:
        with pytest.raises(V4RevertError):
            ours(state, zero_for_one, amount, limit)
        return
    mine = outcome(ours, state, zero_for_one, amount, limit)
    if mine[0] == "revert":
        assert mine[1] == "SafeCastOverflow"  # v4 casts the deltas to int128, v3 does not
        assert max(abs(theirs.amount0), abs(theirs.amount1)) >= 2**127
        return
    assert mine == (
        -theirs.amount0,
        -theirs.amount1,
        theirs.sqrt_price_x96,
        theirs.tick,
        theirs.liquidity,
        theirs.initialized_ticks_crossed,
        theirs.steps,
    )


def small_pool(*, lp_fee: int = 3000, protocol_fee: int = 0) -> V4PoolState:
    positions = [
        Position(-600, 600, 10 * E18),
        Position(-120, 60, 5 * E18),
        Position(1200, 2400, 3 * E18),
    ]
    v3 = pool_state(
        tick_spacing=60, fee_pips=3000, positions=positions, sqrt_price_x96=2**96 + 12345
    )
    return v4_of(v3, lp_fee=lp_fee, protocol_fee=protocol_fee)


def test_negative_amount_is_exact_input_and_deltas_are_the_callers() -> None:
    state = small_pool()
    exact_in = state.swap(zero_for_one=True, amount_specified=-(10**15))
    assert exact_in.amount0 == -(10**15)  # the caller pays all of it
    assert exact_in.amount1 > 0  # and is paid
    assert exact_in.amount_in == 10**15
    exact_out = state.swap(zero_for_one=True, amount_specified=exact_in.amount1)
    assert exact_out.amount1 == exact_in.amount1
    assert 0 < exact_out.amount_in <= 10**15


@pytest.mark.parametrize(
    ("zero_for_one", "limit", "reason"),
    [
        (True, 2**96 + 12345, "PriceLimitAlreadyExceeded"),
        (True, 2**97, "PriceLimitAlreadyExceeded"),
        (True, MIN_SQRT_RATIO, "PriceLimitOutOfBounds"),
        (False, 2**96, "PriceLimitAlreadyExceeded"),
        (False, MAX_SQRT_RATIO, "PriceLimitOutOfBounds"),
    ],
)
def test_price_limit_reverts(zero_for_one: bool, limit: int, reason: str) -> None:
    with pytest.raises(V4RevertError) as raised:
        small_pool().swap(
            zero_for_one=zero_for_one, amount_specified=-1000, sqrt_price_limit_x96=limit
        )
    assert raised.value.reason == reason


def test_zero_amount_reverts_in_the_pool_manager() -> None:
    with pytest.raises(V4RevertError) as raised:
        small_pool().swap(
            zero_for_one=True, amount_specified=0, sqrt_price_limit_x96=MAX_SQRT_RATIO
        )
    assert raised.value.reason == "SwapAmountCannotBeZero"  # checked before anything else


def test_full_fee_takes_all_input_pays_nothing_and_refuses_exact_output() -> None:
    state = small_pool(lp_fee=1_000_000)
    result = state.swap(zero_for_one=False, amount_specified=-(10**18))
    assert (result.amount0, result.amount1) == (0, -(10**18))
    assert result.sqrt_price_x96 == state.sqrt_price_x96
    with pytest.raises(V4RevertError) as raised:
        state.swap(zero_for_one=False, amount_specified=1)
    assert raised.value.reason == "InvalidFeeForExactOut"


def test_full_fee_moves_the_price_free_through_empty_ranges() -> None:
    """With no liquidity before the next tick a 100% fee step reaches it taking nothing
    (`feeAmount = amountIn = 0`); in the first range with liquidity the fee then eats the
    whole input and the price stays on that range's edge."""
    v3 = pool_state(
        tick_spacing=60,
        fee_pips=3000,
        positions=[Position(1200, 2400, 3 * E18)],
        sqrt_price_x96=2**96,
    )
    state = v4_of(v3, lp_fee=1_000_000, protocol_fee=0)
    assert state.liquidity == 0
    result = state.swap(zero_for_one=False, amount_specified=-(10**18))
    assert (result.amount0, result.amount1) == (0, -(10**18))
    assert result.sqrt_price_x96 == get_sqrt_ratio_at_tick(1200)
    assert (result.tick, result.liquidity, result.initialized_ticks_crossed) == (1200, 3 * E18, 1)


def test_protocol_fee_raises_the_swap_fee_per_direction() -> None:
    state = small_pool(lp_fee=3000, protocol_fee=1000 | (0 << 12))
    assert state.swap_fee_pips(True) == 3997
    assert state.swap_fee_pips(False) == 3000
    charged = state.swap(zero_for_one=True, amount_specified=-(10**15))
    plain = small_pool(lp_fee=3997).swap(zero_for_one=True, amount_specified=-(10**15))
    assert charged == plain


def test_int128_overflow_of_the_delta_reverts() -> None:
    state = small_pool(lp_fee=0)
    # Without a fee, through a range this deep, the input taken exceeds int128.
    huge = v4_of(
        pool_state(
            tick_spacing=60,
            fee_pips=0,
            positions=[Position(-887220, 887220, 2**126)],
            sqrt_price_x96=2**96,
        ),
        lp_fee=0,
        protocol_fee=0,
    )
    with pytest.raises(V4RevertError) as raised:
        huge.swap(zero_for_one=True, amount_specified=-(2**200))
    assert raised.value.reason == "SafeCastOverflow"
    assert state.swap(zero_for_one=True, amount_specified=-(10**15)).amount0 == -(10**15)
