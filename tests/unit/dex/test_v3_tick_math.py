"""`TickMath` against v3-core's TickMath.spec boundary vectors, plus its fuzzed invariants:
`getTickAtSqrtRatio` is the greatest tick whose ratio is <= the price, and the round trip
tick -> ratio -> tick is the identity. `fast_tick_at_sqrt_ratio` must agree everywhere."""

from __future__ import annotations

from decimal import Decimal, localcontext

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from omniarb.dex.uniswap_v3.errors import V3RevertError
from omniarb.dex.uniswap_v3.tick_math import (
    MAX_SQRT_RATIO,
    MAX_TICK,
    MIN_SQRT_RATIO,
    MIN_TICK,
    fast_tick_at_sqrt_ratio,
    get_sqrt_ratio_at_tick,
    get_tick_at_sqrt_ratio,
)

ticks = st.integers(min_value=MIN_TICK, max_value=MAX_TICK)
prices = st.integers(min_value=MIN_SQRT_RATIO, max_value=MAX_SQRT_RATIO - 1)


def test_constants_are_the_boundary_ratios() -> None:
    assert get_sqrt_ratio_at_tick(MIN_TICK) == MIN_SQRT_RATIO == 4295128739
    assert (
        get_sqrt_ratio_at_tick(MAX_TICK)
        == MAX_SQRT_RATIO
        == 1461446703485210103287273052203988822378723970342
    )


def test_sqrt_ratio_vectors() -> None:
    assert get_sqrt_ratio_at_tick(MIN_TICK + 1) == 4295343490
    assert get_sqrt_ratio_at_tick(MAX_TICK - 1) == 1461373636630004318706518188784493106690254656249
    assert get_sqrt_ratio_at_tick(0) == 2**96


@pytest.mark.parametrize("tick", [MIN_TICK - 1, MAX_TICK + 1])
def test_sqrt_ratio_reverts_t_outside_the_tick_range(tick: int) -> None:
    with pytest.raises(V3RevertError) as info:
        get_sqrt_ratio_at_tick(tick)
    assert info.value.reason == "T"


@pytest.mark.parametrize("function", [get_tick_at_sqrt_ratio, fast_tick_at_sqrt_ratio])
@pytest.mark.parametrize("price", [MIN_SQRT_RATIO - 1, MAX_SQRT_RATIO, 0])
def test_tick_reverts_r_outside_the_price_range(function, price: int) -> None:
    with pytest.raises(V3RevertError) as info:
        function(price)
    assert info.value.reason == "R"


@pytest.mark.parametrize("function", [get_tick_at_sqrt_ratio, fast_tick_at_sqrt_ratio])
def test_tick_vectors(function) -> None:
    assert function(MIN_SQRT_RATIO) == MIN_TICK
    assert function(4295343490) == MIN_TICK + 1
    assert function(1461373636630004318706518188784493106690254656249) == MAX_TICK - 1
    assert function(MAX_SQRT_RATIO - 1) == MAX_TICK - 1
    assert function(2**96) == 0
    assert function(2**96 - 1) == -1


@settings(max_examples=500, deadline=None)
@given(tick=ticks)
@example(tick=MIN_TICK)
@example(tick=MAX_TICK - 1)
def test_round_trip_and_monotonic(tick: int) -> None:
    ratio = get_sqrt_ratio_at_tick(tick)
    if tick < MAX_TICK:
        assert get_tick_at_sqrt_ratio(ratio) == tick
        assert ratio < get_sqrt_ratio_at_tick(tick + 1)
    if tick > MIN_TICK:
        assert get_sqrt_ratio_at_tick(tick - 1) < ratio


@settings(max_examples=500, deadline=None)
@given(price=prices)
@example(price=MIN_SQRT_RATIO)
@example(price=MAX_SQRT_RATIO - 1)
def test_tick_is_the_greatest_whose_ratio_is_at_most_the_price(price: int) -> None:
    tick = get_tick_at_sqrt_ratio(price)
    assert MIN_TICK <= tick < MAX_TICK
    assert get_sqrt_ratio_at_tick(tick) <= price < get_sqrt_ratio_at_tick(tick + 1)
    assert fast_tick_at_sqrt_ratio(price) == tick


@settings(max_examples=1000, deadline=None)
@given(tick=st.integers(min_value=MIN_TICK + 1, max_value=MAX_TICK - 1), offset=st.integers(-2, 2))
def test_fast_tick_agrees_at_and_around_every_boundary(tick: int, offset: int) -> None:
    """Right at a tick's ratio is where the floating-point estimate is least sure."""
    price = get_sqrt_ratio_at_tick(tick) + offset
    assert fast_tick_at_sqrt_ratio(price) == get_tick_at_sqrt_ratio(price)


@given(exponent=st.floats(min_value=32.01, max_value=159.99))
def test_fast_tick_agrees_for_log_uniform_prices(exponent: float) -> None:
    price = min(max(int(2**exponent), MIN_SQRT_RATIO), MAX_SQRT_RATIO - 1)
    assert fast_tick_at_sqrt_ratio(price) == get_tick_at_sqrt_ratio(price)


@settings(max_examples=200, deadline=None)
@given(tick=ticks)
def test_ratio_is_within_a_hundredth_of_a_bip_of_the_real_value(tick: int) -> None:
    """The fixed-point product stays within 1e-6 of sqrt(1.0001**tick) * 2**96."""
    with localcontext() as context:
        context.prec = 80
        exact = (Decimal("1.0001") ** tick).sqrt() * (Decimal(2) ** 96)
        assert abs(Decimal(get_sqrt_ratio_at_tick(tick)) - exact) <= exact * Decimal("1e-6") + 1
