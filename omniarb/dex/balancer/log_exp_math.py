"""v2-solidity-utils `math/LogExpMath.sol`: x^y, e^x and ln(x) on 18-decimal fixed point,
computed exactly as the contract computes them (20-decimal intermediates, and 36 decimals for
ln of arguments within 10% of one), so every rounding is the contract's.

Solidity's signed division truncates toward zero where Python's `//` floors; `_tdiv` and
`_tmod` restore the contract's semantics wherever an operand can be negative.
"""

from __future__ import annotations

from omniarb.dex.balancer.errors import (
    INVALID_EXPONENT,
    OUT_OF_BOUNDS,
    PRODUCT_OUT_OF_BOUNDS,
    X_OUT_OF_BOUNDS,
    Y_OUT_OF_BOUNDS,
    BalancerRevertError,
)

__all__ = ["MAX_NATURAL_EXPONENT", "MIN_NATURAL_EXPONENT", "exp", "ln", "pow"]

ONE_18 = 10**18
ONE_20 = 10**20
ONE_36 = 10**36
MAX_NATURAL_EXPONENT = 130 * ONE_18
MIN_NATURAL_EXPONENT = -41 * ONE_18
LN_36_LOWER_BOUND = ONE_18 - 10**17
LN_36_UPPER_BOUND = ONE_18 + 10**17
MILD_EXPONENT_BOUND = 2**254 // ONE_20

# e^(x_n) for x_n = 2^(7 - n): a0 and a1 without decimals, the rest with 20.
_X0, _A0 = 128 * ONE_18, 38877084059945950922200000000000000000000000000000000000
_X1, _A1 = 64 * ONE_18, 6235149080811616882910000000
# (x_n, a_n) for n = 2..11, both with 20 decimals.
_TERMS_20 = (
    (3200000000000000000000, 7896296018268069516100000000000000),
    (1600000000000000000000, 888611052050787263676000000),
    (800000000000000000000, 298095798704172827474000),
    (400000000000000000000, 5459815003314423907810),
    (200000000000000000000, 738905609893065022723),
    (100000000000000000000, 271828182845904523536),
    (50000000000000000000, 164872127070012814685),
    (25000000000000000000, 128402541668774148407),
    (12500000000000000000, 113314845306682631683),
    (6250000000000000000, 106449445891785942956),
)
# `exp` stops at x9; `_ln` goes on to x11.
_EXP_TERMS = _TERMS_20[:8]


def _tdiv(a: int, b: int) -> int:
    """Solidity's int256 division: truncated toward zero."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _tmod(a: int, b: int) -> int:
    """Solidity's int256 `%`: the sign of the dividend."""
    return a - _tdiv(a, b) * b


def pow(x: int, y: int) -> int:
    """`LogExpMath.pow`: x^y as exp(y·ln x), with ln in 36 decimals for x within 10% of 1.

    Reverts BAL#006 for x ≥ 2^255, BAL#007 for y ≥ 2^254/1e20 and BAL#008 when y·ln x leaves
    [-41, 130]."""
    if y == 0:
        return ONE_18
    if x == 0:
        return 0
    if x >> 255:
        raise BalancerRevertError(X_OUT_OF_BOUNDS)
    if y >= MILD_EXPONENT_BOUND:
        raise BalancerRevertError(Y_OUT_OF_BOUNDS)
    if LN_36_LOWER_BOUND < x < LN_36_UPPER_BOUND:
        ln_36_x = _ln_36(x)
        # Two 18-decimal products, as the contract splits them to avoid overflow.
        logx_times_y = _tdiv(ln_36_x, ONE_18) * y + _tdiv(_tmod(ln_36_x, ONE_18) * y, ONE_18)
    else:
        logx_times_y = _ln(x) * y
    logx_times_y = _tdiv(logx_times_y, ONE_18)
    if not MIN_NATURAL_EXPONENT <= logx_times_y <= MAX_NATURAL_EXPONENT:
        raise BalancerRevertError(PRODUCT_OUT_OF_BOUNDS)
    return exp(logx_times_y)


def exp(x: int) -> int:
    """`LogExpMath.exp`: e^x for x in [-41, 130] (18 decimals); BAL#009 outside."""
    if not MIN_NATURAL_EXPONENT <= x <= MAX_NATURAL_EXPONENT:
        raise BalancerRevertError(INVALID_EXPONENT)
    if x < 0:
        return (ONE_18 * ONE_18) // exp(-x)
    if x >= _X0:
        x -= _X0
        first_an = _A0
    elif x >= _X1:
        x -= _X1
        first_an = _A1
    else:
        first_an = 1
    x *= 100
    product = ONE_20
    for x_n, a_n in _EXP_TERMS:
        if x >= x_n:
            x -= x_n
            product = product * a_n // ONE_20
    # Twelve Taylor terms of e^x for the small remainder (x ≥ 0 here: floors are truncations).
    series_sum = ONE_20 + x
    term = x
    for n in range(2, 13):
        term = term * x // ONE_20 // n
        series_sum += term
    return product * series_sum // ONE_20 * first_an // 100


def ln(a: int) -> int:
    """`LogExpMath.ln`: the natural logarithm (18 decimals) of a > 0; BAL#100 otherwise."""
    if a <= 0:
        raise BalancerRevertError(OUT_OF_BOUNDS)
    if LN_36_LOWER_BOUND < a < LN_36_UPPER_BOUND:
        return _tdiv(_ln_36(a), ONE_18)
    return _ln(a)


def _ln(a: int) -> int:
    """`LogExpMath._ln`: ln(a) through the a_n decomposition and a 6-term series (20 decimals
    inside)."""
    if a < ONE_18:
        return -_ln(ONE_18 * ONE_18 // a)
    total = 0
    if a >= _A0 * ONE_18:
        a //= _A0
        total += _X0
    if a >= _A1 * ONE_18:
        a //= _A1
        total += _X1
    total *= 100
    a *= 100
    for x_n, a_n in _TERMS_20:
        if a >= a_n:
            a = a * ONE_20 // a_n
            total += x_n
    # a ≥ 1 (20 decimals) here, so z ≥ 0 and every division is a truncation.
    z = (a - ONE_20) * ONE_20 // (a + ONE_20)
    z_squared = z * z // ONE_20
    num = z
    series_sum = num
    for divisor in (3, 5, 7, 9, 11):
        num = num * z_squared // ONE_20
        series_sum += num // divisor
    series_sum *= 2
    return (total + series_sum) // 100


def _ln_36(x: int) -> int:
    """`LogExpMath._ln_36`: ln(x) in 36 decimals for x in (0.9, 1.1), by an 8-term series in
    z = (x - 1)/(x + 1), which is negative below one (hence the truncating divisions)."""
    x *= ONE_18
    z = _tdiv((x - ONE_36) * ONE_36, x + ONE_36)
    z_squared = z * z // ONE_36
    num = z
    series_sum = num
    for divisor in (3, 5, 7, 9, 11, 13, 15):
        num = _tdiv(num * z_squared, ONE_36)
        series_sum += _tdiv(num, divisor)
    return series_sum * 2
