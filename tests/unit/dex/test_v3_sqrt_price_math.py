"""`SqrtPriceMath` against the vectors of v3-core's SqrtPriceMath.spec, and its rounding
directions as properties."""

from __future__ import annotations

from fractions import Fraction

import pytest
from _v3_vectors import encode_price_sqrt, expand_to_18_decimals
from hypothesis import given, settings
from hypothesis import strategies as st

from omniarb.dex.uniswap_v3.errors import V3RevertError
from omniarb.dex.uniswap_v3.sqrt_price_math import (
    MAX_UINT160,
    Q96,
    get_amount0_delta,
    get_amount0_delta_signed,
    get_amount1_delta,
    get_amount1_delta_signed,
    get_next_sqrt_price_from_input,
    get_next_sqrt_price_from_output,
)
from omniarb.dex.uniswap_v3.tick_math import MAX_SQRT_RATIO, MIN_SQRT_RATIO

MAX_UINT128 = 2**128 - 1
MAX_UINT256 = 2**256 - 1
ONE = expand_to_18_decimals(1)
PRICE_1 = encode_price_sqrt(1, 1)
SMALL_PRICE = 20282409603651670423947251286016  # 2**104: virtual reserves 4 and 262144 at L=1024


def test_encode_price_sqrt_matches_the_suite() -> None:
    assert PRICE_1 == Q96
    assert encode_price_sqrt(121, 100) == 87150978765690771352898345369


@pytest.mark.parametrize(
    "function", [get_next_sqrt_price_from_input, get_next_sqrt_price_from_output]
)
@pytest.mark.parametrize(("price", "liquidity"), [(0, 0), (1, 0), (0, 1)])
def test_next_price_reverts_for_zero_price_or_liquidity(function, price, liquidity) -> None:
    with pytest.raises(V3RevertError):
        function(price, liquidity, ONE // 10, False)


def test_next_price_from_input_vectors() -> None:
    with pytest.raises(V3RevertError):  # the input overflows the price
        get_next_sqrt_price_from_input(2**160 - 1, 1024, 1024, False)
    assert get_next_sqrt_price_from_input(1, 1, 2**255, True) == 1
    assert get_next_sqrt_price_from_input(PRICE_1, ONE // 10, 0, True) == PRICE_1
    assert get_next_sqrt_price_from_input(PRICE_1, ONE // 10, 0, False) == PRICE_1
    assert (
        get_next_sqrt_price_from_input(PRICE_1, ONE, ONE // 10, False)
        == 87150978765690771352898345369
    )
    assert (
        get_next_sqrt_price_from_input(PRICE_1, ONE, ONE // 10, True)
        == 72025602285694852357767227579
    )
    assert (
        get_next_sqrt_price_from_input(PRICE_1, expand_to_18_decimals(10), 2**100, True)
        == 624999999995069620
    )
    assert get_next_sqrt_price_from_input(PRICE_1, 1, MAX_UINT256 // 2, True) == 1


def test_next_price_from_input_returns_the_minimum_price_for_max_inputs() -> None:
    price = 2**160 - 1
    liquidity = MAX_UINT128
    max_amount_no_overflow = MAX_UINT256 - (liquidity << 96) // price
    assert get_next_sqrt_price_from_input(price, liquidity, max_amount_no_overflow, True) == 1


def test_next_price_from_output_vectors() -> None:
    # Exactly, or more than, the virtual reserves of token0 (4) or token1 (262144).
    for amount_out, zero_for_one in ((4, False), (5, False), (262144, True), (262145, True)):
        with pytest.raises(V3RevertError):
            get_next_sqrt_price_from_output(SMALL_PRICE, 1024, amount_out, zero_for_one)
    assert get_next_sqrt_price_from_output(SMALL_PRICE, 1024, 262143, True) == (
        77371252455336267181195264
    )
    assert get_next_sqrt_price_from_output(PRICE_1, ONE // 10, 0, True) == PRICE_1
    assert get_next_sqrt_price_from_output(PRICE_1, ONE // 10, 0, False) == PRICE_1
    assert (
        get_next_sqrt_price_from_output(PRICE_1, ONE, ONE // 10, False)
        == 88031291682515930659493278152
    )
    assert (
        get_next_sqrt_price_from_output(PRICE_1, ONE, ONE // 10, True)
        == 71305346262837903834189555302
    )
    for zero_for_one in (True, False):
        with pytest.raises(V3RevertError):
            get_next_sqrt_price_from_output(PRICE_1, 1, MAX_UINT256, zero_for_one)


def test_amount0_delta_vectors() -> None:
    assert get_amount0_delta(encode_price_sqrt(2, 1), PRICE_1, 0, True) == 0
    assert get_amount0_delta(PRICE_1, PRICE_1, 0, True) == 0
    price_121 = encode_price_sqrt(121, 100)
    assert get_amount0_delta(price_121, PRICE_1, ONE, True) == 90909090909090910
    assert get_amount0_delta(price_121, PRICE_1, ONE, False) == 90909090909090909
    high, low = encode_price_sqrt(2**96, 1), encode_price_sqrt(2**90, 1)
    assert get_amount0_delta(high, low, ONE, True) == get_amount0_delta(high, low, ONE, False) + 1
    with pytest.raises(V3RevertError):
        get_amount0_delta(0, PRICE_1, ONE, True)


def test_amount1_delta_vectors() -> None:
    assert get_amount1_delta(PRICE_1, encode_price_sqrt(2, 1), 0, True) == 0
    price_121 = encode_price_sqrt(121, 100)
    assert get_amount1_delta(PRICE_1, price_121, ONE, True) == 100000000000000000
    assert get_amount1_delta(PRICE_1, price_121, ONE, False) == 99999999999999999


def test_swap_computation_where_the_price_product_overflows() -> None:
    sqrt_p = 1025574284609383690408304870162715216695788925244
    liquidity = 50015962439936049619261659728067971248
    sqrt_q = get_next_sqrt_price_from_input(sqrt_p, liquidity, 406, True)
    assert sqrt_q == 1025574284609383582644711336373707553698163132913
    assert get_amount0_delta(sqrt_p, sqrt_q, liquidity, True) == 406


def test_signed_deltas_round_against_the_position_holder() -> None:
    price_121 = encode_price_sqrt(121, 100)
    assert get_amount0_delta_signed(price_121, PRICE_1, ONE) == 90909090909090910
    assert get_amount0_delta_signed(price_121, PRICE_1, -ONE) == -90909090909090909
    assert get_amount1_delta_signed(PRICE_1, price_121, ONE) == 100000000000000000
    assert get_amount1_delta_signed(PRICE_1, price_121, -ONE) == -99999999999999999


sqrt_prices = st.integers(min_value=MIN_SQRT_RATIO, max_value=MAX_SQRT_RATIO)
liquidities = st.integers(min_value=1, max_value=MAX_UINT128)


@settings(max_examples=400, deadline=None)
@given(a=sqrt_prices, b=sqrt_prices, liquidity=st.integers(0, MAX_UINT128))
def test_deltas_bracket_the_exact_amounts(a: int, b: int, liquidity: int) -> None:
    low, high = min(a, b), max(a, b)
    exact0 = Fraction(liquidity * Q96 * (high - low), high * low)
    exact1 = Fraction(liquidity * (high - low), Q96)
    down0, up0 = get_amount0_delta(a, b, liquidity, False), get_amount0_delta(a, b, liquidity, True)
    down1, up1 = get_amount1_delta(a, b, liquidity, False), get_amount1_delta(a, b, liquidity, True)
    assert down0 <= exact0 <= up0 <= down0 + 1
    assert down1 <= exact1 <= up1 <= down1 + 1


@settings(max_examples=400, deadline=None)
@given(
    price=sqrt_prices,
    liquidity=liquidities,
    amount_in=st.integers(min_value=0, max_value=2**200),
    zero_for_one=st.booleans(),
)
def test_input_never_moves_the_price_past_what_it_pays_for(
    price: int, liquidity: int, amount_in: int, zero_for_one: bool
) -> None:
    """The echidna invariant of getNextSqrtPriceFromInput: the price moves the right way and
    the amount needed to move it there is at most the input."""
    try:
        next_price = get_next_sqrt_price_from_input(price, liquidity, amount_in, zero_for_one)
    except V3RevertError:
        assert not zero_for_one  # only adding token1 can push the price past uint160
        return
    assert next_price <= MAX_UINT160
    if zero_for_one:
        assert next_price <= price
        assert amount_in >= get_amount0_delta(next_price, price, liquidity, True)
    else:
        assert next_price >= price
        assert amount_in >= get_amount1_delta(price, next_price, liquidity, True)


@settings(max_examples=400, deadline=None)
@given(
    price=sqrt_prices,
    liquidity=liquidities,
    amount_out=st.integers(min_value=0, max_value=2**200),
    zero_for_one=st.booleans(),
)
def test_output_always_moves_the_price_far_enough_to_pay_it(
    price: int, liquidity: int, amount_out: int, zero_for_one: bool
) -> None:
    try:
        next_price = get_next_sqrt_price_from_output(price, liquidity, amount_out, zero_for_one)
    except V3RevertError:
        return  # the pool does not hold that much
    if zero_for_one:
        assert next_price <= price
        assert amount_out <= get_amount1_delta(next_price, price, liquidity, False)
    else:
        assert next_price >= price
        assert amount_out <= get_amount0_delta(price, next_price, liquidity, False)
