"""`LiquidityMath` and `BitMath` against the vectors of v3-core's LiquidityMath.spec and
BitMath.spec."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omniarb.dex.uniswap_v3.bit_math import least_significant_bit, most_significant_bit
from omniarb.dex.uniswap_v3.errors import V3RevertError
from omniarb.dex.uniswap_v3.liquidity_math import MAX_UINT128, add_delta

MAX_UINT256 = 2**256 - 1


def test_add_delta_vectors() -> None:
    assert add_delta(1, 0) == 1
    assert add_delta(1, -1) == 0
    assert add_delta(1, 1) == 2


@pytest.mark.parametrize(
    ("x", "y", "reason"), [(2**128 - 15, 15, "LA"), (0, -1, "LS"), (3, -4, "LS")]
)
def test_add_delta_reverts_out_of_range(x: int, y: int, reason: str) -> None:
    with pytest.raises(V3RevertError) as info:
        add_delta(x, y)
    assert info.value.reason == reason


@given(
    x=st.integers(min_value=0, max_value=MAX_UINT128),
    y=st.integers(min_value=-(2**127) + 1, max_value=2**127 - 1),
)
def test_add_delta_is_the_sum_or_reverts(x: int, y: int) -> None:
    if 0 <= x + y <= MAX_UINT128:
        assert add_delta(x, y) == x + y
    else:
        with pytest.raises(V3RevertError):
            add_delta(x, y)


@pytest.mark.parametrize("function", [most_significant_bit, least_significant_bit])
def test_bit_math_reverts_for_zero(function) -> None:
    with pytest.raises(V3RevertError):
        function(0)


def test_bit_math_vectors() -> None:
    assert most_significant_bit(1) == 0
    assert most_significant_bit(2) == 1
    assert most_significant_bit(MAX_UINT256) == 255
    assert least_significant_bit(1) == 0
    assert least_significant_bit(2) == 1
    assert least_significant_bit(MAX_UINT256) == 0
    for i in range(256):
        assert most_significant_bit(2**i) == i
        assert least_significant_bit(2**i) == i


@given(st.integers(min_value=1, max_value=MAX_UINT256))
def test_bits_bracket_the_value(x: int) -> None:
    msb = most_significant_bit(x)
    lsb = least_significant_bit(x)
    assert 2**msb <= x < 2 ** (msb + 1)
    assert x & (2**lsb)
    assert x % (2**lsb) == 0
