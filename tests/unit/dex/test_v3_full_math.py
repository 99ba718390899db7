"""`FullMath` and `UnsafeMath` against v3-core's FullMath.spec vectors and exact arithmetic."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omniarb.dex.uniswap_v3.errors import V3RevertError
from omniarb.dex.uniswap_v3.full_math import (
    MAX_UINT256,
    div_rounding_up,
    mul_div,
    mul_div_rounding_up,
)

Q128 = 2**128
uint256 = st.integers(min_value=0, max_value=MAX_UINT256)


@pytest.mark.parametrize("function", [mul_div, mul_div_rounding_up])
def test_reverts_on_a_zero_denominator(function) -> None:
    with pytest.raises(V3RevertError):
        function(Q128, 5, 0)
    with pytest.raises(V3RevertError):
        function(Q128, Q128, 0)


@pytest.mark.parametrize("function", [mul_div, mul_div_rounding_up])
def test_reverts_when_the_result_overflows(function) -> None:
    with pytest.raises(V3RevertError):
        function(Q128, Q128, 1)
    with pytest.raises(V3RevertError):
        function(MAX_UINT256, MAX_UINT256, MAX_UINT256 - 1)


def test_mul_div_vectors() -> None:
    assert mul_div(MAX_UINT256, MAX_UINT256, MAX_UINT256) == MAX_UINT256
    assert mul_div(Q128, 50 * Q128 // 100, 150 * Q128 // 100) == Q128 // 3
    assert mul_div(Q128, 35 * Q128, 8 * Q128) == 4375 * Q128 // 1000
    assert mul_div(Q128, 1000 * Q128, 3000 * Q128) == Q128 // 3


def test_mul_div_rounding_up_vectors() -> None:
    assert mul_div_rounding_up(MAX_UINT256, MAX_UINT256, MAX_UINT256) == MAX_UINT256
    assert mul_div_rounding_up(Q128, 50 * Q128 // 100, 150 * Q128 // 100) == Q128 // 3 + 1
    assert mul_div_rounding_up(Q128, 35 * Q128, 8 * Q128) == 4375 * Q128 // 1000
    assert mul_div_rounding_up(Q128, 1000 * Q128, 3000 * Q128) == Q128 // 3 + 1


def test_mul_div_rounding_up_reverts_when_rounding_up_overflows() -> None:
    # Both products divide to exactly MAX_UINT256 with a remainder (FullMath.spec).
    with pytest.raises(V3RevertError):
        mul_div_rounding_up(
            535006138814359, 432862656469423142931042426214547535783388063929571229938474969, 2
        )
    with pytest.raises(V3RevertError):
        mul_div_rounding_up(
            115792089237316195423570985008687907853269984659341747863450311749907997002549,
            115792089237316195423570985008687907853269984659341747863450311749907997002550,
            115792089237316195423570985008687907853269984653042931687443039491902864365164,
        )


@settings(max_examples=300, deadline=None)
@given(a=uint256, b=uint256, denominator=st.integers(min_value=1, max_value=MAX_UINT256))
def test_results_are_the_floor_and_ceiling_of_the_exact_quotient(a, b, denominator) -> None:
    exact = Fraction(a * b, denominator)
    if exact > MAX_UINT256:
        with pytest.raises(V3RevertError):
            mul_div(a, b, denominator)
        return
    floor = mul_div(a, b, denominator)
    assert floor <= exact < floor + 1
    if exact.denominator == 1 or floor < MAX_UINT256:
        ceiling = mul_div_rounding_up(a, b, denominator)
        assert ceiling - 1 < exact <= ceiling


def test_div_rounding_up_is_the_ceiling_and_zero_for_a_zero_divisor() -> None:
    assert div_rounding_up(10, 5) == 2
    assert div_rounding_up(11, 5) == 3
    assert div_rounding_up(0, 5) == 0
    assert div_rounding_up(7, 0) == 0  # the EVM's `div` by zero
