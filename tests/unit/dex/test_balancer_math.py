"""Balancer V2's FixedPoint and LogExpMath ported to integers: rounding, the contracts' reverts
with their BAL# codes, and the functions' values against 50-digit decimal arithmetic within the
error bounds the library documents."""

from __future__ import annotations

from decimal import Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omniarb.dex.balancer import fixed_point as fp
from omniarb.dex.balancer import log_exp_math as lem
from omniarb.dex.balancer.errors import BalancerRevertError

ONE = 10**18
UINT = st.integers(min_value=0, max_value=2**127)


def _code(call, *args) -> str:
    with pytest.raises(BalancerRevertError) as caught:
        call(*args)
    return caught.value.reason


@given(UINT, UINT)
def test_mul_and_div_round_down_and_up(a: int, b: int) -> None:
    assert fp.mul_down(a, b) == a * b // ONE
    assert fp.mul_up(a, b) == -(-a * b // ONE)
    if b:
        assert fp.div_down(a, b) == a * ONE // b
        assert fp.div_up(a, b) == -(-a * ONE // b)


def test_overflows_and_zero_division_revert_with_the_contracts_codes() -> None:
    assert _code(fp.mul_down, 2**200, 2**60) == "BAL#003"
    assert _code(fp.div_down, 1, 0) == "BAL#004"
    assert _code(fp.div_up, 2**250, 3) == "BAL#005"
    assert _code(fp.sub, 1, 2) == "BAL#001"
    assert _code(fp.add, 2**255, 2**255) == "BAL#000"
    assert _code(lem.pow, 2**255, ONE // 2) == "BAL#006"
    assert _code(lem.pow, 2 * ONE, 2**254 // 10**20) == "BAL#007"
    assert _code(lem.pow, 10**30, 20 * ONE) == "BAL#008"
    assert _code(lem.exp, 131 * ONE) == "BAL#009"
    assert _code(lem.ln, 0) == "BAL#100"


def test_known_values() -> None:
    # floor(e * 1e18) = 2718281828459045235 (e = 2.71828182845904523536...).
    assert lem.exp(ONE) == 2718281828459045235
    assert lem.exp(0) == ONE
    assert lem.ln(ONE) == 0
    assert lem.pow(123, 0) == ONE
    assert lem.pow(0, ONE) == 0
    assert fp.complement(3 * 10**17) == 7 * 10**17
    assert fp.complement(2 * ONE) == 0
    # The shortcuts of powDown/powUp for exponents 1, 2 and 4 skip LogExpMath.
    assert fp.pow_down(15 * 10**17, 4 * ONE) == fp.mul_down(
        fp.mul_down(15 * 10**17, 15 * 10**17), fp.mul_down(15 * 10**17, 15 * 10**17)
    )
    assert fp.pow_up(7, ONE) == 7


def _exact_pow(x: int, y: int) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 60
        return (Decimal(x) / ONE) ** (Decimal(y) / ONE)


@given(
    st.integers(min_value=10**15, max_value=10**22),
    st.integers(min_value=10**16, max_value=5 * ONE),
)
def test_pow_down_and_up_bracket_the_true_power(x: int, y: int) -> None:
    """powDown ≤ x^y ≤ powUp, the libraries' promise, through both of ln's paths."""
    true = _exact_pow(x, y) * ONE
    if not Decimal(-41) <= (true / ONE).ln() <= Decimal(130):
        return  # LogExpMath.pow reverts BAL#008 there
    low, high = fp.pow_down(x, y), fp.pow_up(x, y)
    assert low <= true + 1
    assert high >= true - 1


@given(st.integers(min_value=9 * 10**17 + 1, max_value=11 * 10**17 - 1))
def test_ln_36_path_near_one_is_precise(x: int) -> None:
    with localcontext() as ctx:
        ctx.prec = 60
        true = (Decimal(x) / ONE).ln() * ONE
    assert abs(lem.ln(x) - true) <= 1


@given(st.integers(min_value=-41 * ONE, max_value=130 * ONE))
def test_exp_relative_error_is_below_1e_14(x: int) -> None:
    with localcontext() as ctx:
        ctx.prec = 80
        true = (Decimal(x) / ONE).exp() * ONE
    assert abs(Decimal(lem.exp(x)) - true) <= true * Decimal("1e-14") + 1
