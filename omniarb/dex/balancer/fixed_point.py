"""v2-solidity-utils `math/FixedPoint.sol` and `math/Math.sol`: 18-decimal fixed point on
uint256, with the libraries' overflow checks as `BalancerRevertError`s.

Python integers do not wrap, so each check the Solidity makes with `product / a == b` becomes a
comparison with 2**256; the results are the contract's whenever it does not revert.
"""

from __future__ import annotations

from omniarb.dex.balancer import log_exp_math
from omniarb.dex.balancer.errors import (
    ADD_OVERFLOW,
    DIV_INTERNAL,
    MUL_OVERFLOW,
    SUB_OVERFLOW,
    ZERO_DIVISION,
    BalancerRevertError,
)

__all__ = [
    "ONE",
    "UINT256_CEILING",
    "add",
    "complement",
    "div_down",
    "div_up",
    "math_div_down",
    "math_div_up",
    "math_mul",
    "mul_down",
    "mul_up",
    "pow_down",
    "pow_up",
    "sub",
]

ONE = 10**18
_TWO = 2 * ONE
_FOUR = 4 * ONE
# FixedPoint.MAX_POW_RELATIVE_ERROR: 10^-14.
_MAX_POW_RELATIVE_ERROR = 10_000
UINT256_CEILING = 1 << 256


def add(a: int, b: int) -> int:
    """`FixedPoint.add` / `Math.add`: checked addition."""
    c = a + b
    if c >= UINT256_CEILING:
        raise BalancerRevertError(ADD_OVERFLOW)
    return c


def sub(a: int, b: int) -> int:
    """`FixedPoint.sub` / `Math.sub`: checked subtraction."""
    if b > a:
        raise BalancerRevertError(SUB_OVERFLOW)
    return a - b


def math_mul(a: int, b: int) -> int:
    """`Math.mul`: checked multiplication."""
    c = a * b
    if c >= UINT256_CEILING:
        raise BalancerRevertError(MUL_OVERFLOW)
    return c


def math_div_down(a: int, b: int) -> int:
    """`Math.divDown`."""
    if b == 0:
        raise BalancerRevertError(ZERO_DIVISION)
    return a // b


def math_div_up(a: int, b: int) -> int:
    """`Math.divUp`: 0 for a == 0, else 1 + (a - 1) / b."""
    if b == 0:
        raise BalancerRevertError(ZERO_DIVISION)
    return 0 if a == 0 else 1 + (a - 1) // b


def mul_down(a: int, b: int) -> int:
    """`FixedPoint.mulDown`: a·b / 1e18, rounded down."""
    product = a * b
    if product >= UINT256_CEILING:
        raise BalancerRevertError(MUL_OVERFLOW)
    return product // ONE


def mul_up(a: int, b: int) -> int:
    """`FixedPoint.mulUp`: a·b / 1e18, rounded up."""
    product = a * b
    if product >= UINT256_CEILING:
        raise BalancerRevertError(MUL_OVERFLOW)
    return 0 if product == 0 else (product - 1) // ONE + 1


def div_down(a: int, b: int) -> int:
    """`FixedPoint.divDown`: a·1e18 / b, rounded down."""
    if b == 0:
        raise BalancerRevertError(ZERO_DIVISION)
    inflated = a * ONE
    if inflated >= UINT256_CEILING:
        raise BalancerRevertError(DIV_INTERNAL)
    return inflated // b


def div_up(a: int, b: int) -> int:
    """`FixedPoint.divUp`: a·1e18 / b, rounded up."""
    if b == 0:
        raise BalancerRevertError(ZERO_DIVISION)
    inflated = a * ONE
    if inflated >= UINT256_CEILING:
        raise BalancerRevertError(DIV_INTERNAL)
    return 0 if inflated == 0 else (inflated - 1) // b + 1


def pow_down(x: int, y: int) -> int:
    """`FixedPoint.powDown`: x^y rounded down, never above the true value: `LogExpMath.pow`
    less its relative error bound (exact shortcuts for y = 1, 2 and 4)."""
    if y == ONE:
        return x
    if y == _TWO:
        return mul_down(x, x)
    if y == _FOUR:
        square = mul_down(x, x)
        return mul_down(square, square)
    raw = log_exp_math.pow(x, y)
    max_error = add(mul_up(raw, _MAX_POW_RELATIVE_ERROR), 1)
    return 0 if raw < max_error else raw - max_error


def pow_up(x: int, y: int) -> int:
    """`FixedPoint.powUp`: x^y rounded up, never below the true value."""
    if y == ONE:
        return x
    if y == _TWO:
        return mul_up(x, x)
    if y == _FOUR:
        square = mul_up(x, x)
        return mul_up(square, square)
    raw = log_exp_math.pow(x, y)
    max_error = add(mul_up(raw, _MAX_POW_RELATIVE_ERROR), 1)
    return add(raw, max_error)


def complement(x: int) -> int:
    """`FixedPoint.complement`: 1 - x, or 0 when x ≥ 1."""
    return ONE - x if x < ONE else 0
