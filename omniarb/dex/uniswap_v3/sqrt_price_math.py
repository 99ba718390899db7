"""v3-core `SqrtPriceMath`: price moves and token amounts between two sqrt prices.

Every function rounds the way the contract does (the docstrings say which way and why it is
safe for the pool), and reverts where the contract's `require`s or `SafeCast`s would.
"""

from __future__ import annotations

from omniarb.dex.uniswap_v3.errors import V3RevertError
from omniarb.dex.uniswap_v3.full_math import (
    MAX_UINT256,
    div_rounding_up,
    mul_div,
    mul_div_rounding_up,
)

__all__ = [
    "MAX_UINT160",
    "Q96",
    "get_amount0_delta",
    "get_amount0_delta_signed",
    "get_amount1_delta",
    "get_amount1_delta_signed",
    "get_next_sqrt_price_from_amount0_rounding_up",
    "get_next_sqrt_price_from_amount1_rounding_down",
    "get_next_sqrt_price_from_input",
    "get_next_sqrt_price_from_output",
]

Q96 = 1 << 96
MAX_UINT160 = (1 << 160) - 1
_MIN_INT256_ABS = 1 << 255


def get_next_sqrt_price_from_amount0_rounding_up(
    sqrt_px96: int, liquidity: int, amount: int, add: bool
) -> int:
    """`SqrtPriceMath.getNextSqrtPriceFromAmount0RoundingUp`: the price after adding (removing)
    `amount` of token0, rounded up so the pool never gives out more than it should.

    Uses `L * P / (L + amount * P)` when that fits in 256 bits, else `L / (L / P + amount)`,
    following the contract's overflow checks branch for branch.
    """
    if amount == 0:
        return sqrt_px96
    numerator1 = liquidity << 96
    product = amount * sqrt_px96
    if add:
        if product <= MAX_UINT256:
            denominator = numerator1 + product
            if denominator <= MAX_UINT256:
                return mul_div_rounding_up(numerator1, sqrt_px96, denominator)
        fallback = numerator1 // sqrt_px96 + amount
        if fallback > MAX_UINT256:
            raise V3RevertError("SqrtPriceMath.getNextSqrtPriceFromAmount0RoundingUp: overflow")
        return div_rounding_up(numerator1, fallback)
    if product > MAX_UINT256 or numerator1 <= product:
        raise V3RevertError("SqrtPriceMath.getNextSqrtPriceFromAmount0RoundingUp: underflow")
    result = mul_div_rounding_up(numerator1, sqrt_px96, numerator1 - product)
    if result > MAX_UINT160:
        raise V3RevertError("SafeCast.toUint160: overflow")
    return result


def get_next_sqrt_price_from_amount1_rounding_down(
    sqrt_px96: int, liquidity: int, amount: int, add: bool
) -> int:
    """`SqrtPriceMath.getNextSqrtPriceFromAmount1RoundingDown`: the price after adding
    (removing) `amount` of token1, `P +- amount / L`, rounded down."""
    if add:
        if liquidity == 0:
            # Solidity's checked `/` throws on a zero divisor (only assembly `div` yields 0).
            raise V3RevertError("SqrtPriceMath.getNextSqrtPriceFromAmount1RoundingDown: L is 0")
        quotient = (
            (amount << 96) // liquidity
            if amount <= MAX_UINT160
            else mul_div(amount, Q96, liquidity)
        )
        result = sqrt_px96 + quotient
        if result > MAX_UINT160:
            raise V3RevertError("SafeCast.toUint160: overflow")
        return result
    quotient = (
        div_rounding_up(amount << 96, liquidity)
        if amount <= MAX_UINT160
        else mul_div_rounding_up(amount, Q96, liquidity)
    )
    if sqrt_px96 <= quotient:
        raise V3RevertError("SqrtPriceMath.getNextSqrtPriceFromAmount1RoundingDown: underflow")
    return sqrt_px96 - quotient


def get_next_sqrt_price_from_input(
    sqrt_px96: int, liquidity: int, amount_in: int, zero_for_one: bool
) -> int:
    """`SqrtPriceMath.getNextSqrtPriceFromInput`: rounds so the target price is never passed."""
    if sqrt_px96 <= 0 or liquidity <= 0:
        raise V3RevertError("SqrtPriceMath.getNextSqrtPriceFromInput: zero price or liquidity")
    if zero_for_one:
        return get_next_sqrt_price_from_amount0_rounding_up(sqrt_px96, liquidity, amount_in, True)
    return get_next_sqrt_price_from_amount1_rounding_down(sqrt_px96, liquidity, amount_in, True)


def get_next_sqrt_price_from_output(
    sqrt_px96: int, liquidity: int, amount_out: int, zero_for_one: bool
) -> int:
    """`SqrtPriceMath.getNextSqrtPriceFromOutput`: rounds so the target price is always passed."""
    if sqrt_px96 <= 0 or liquidity <= 0:
        raise V3RevertError("SqrtPriceMath.getNextSqrtPriceFromOutput: zero price or liquidity")
    if zero_for_one:
        return get_next_sqrt_price_from_amount1_rounding_down(
            sqrt_px96, liquidity, amount_out, False
        )
    return get_next_sqrt_price_from_amount0_rounding_up(sqrt_px96, liquidity, amount_out, False)


def get_amount0_delta(
    sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int, round_up: bool
) -> int:
    """`SqrtPriceMath.getAmount0Delta` (unsigned): `L / sqrt(lower) - L / sqrt(upper)`."""
    if sqrt_ratio_a_x96 > sqrt_ratio_b_x96:
        sqrt_ratio_a_x96, sqrt_ratio_b_x96 = sqrt_ratio_b_x96, sqrt_ratio_a_x96
    if sqrt_ratio_a_x96 <= 0:
        raise V3RevertError("SqrtPriceMath.getAmount0Delta: zero price")
    numerator1 = liquidity << 96
    numerator2 = sqrt_ratio_b_x96 - sqrt_ratio_a_x96
    if round_up:
        return div_rounding_up(
            mul_div_rounding_up(numerator1, numerator2, sqrt_ratio_b_x96), sqrt_ratio_a_x96
        )
    return mul_div(numerator1, numerator2, sqrt_ratio_b_x96) // sqrt_ratio_a_x96


def get_amount1_delta(
    sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int, round_up: bool
) -> int:
    """`SqrtPriceMath.getAmount1Delta` (unsigned): `L * (sqrt(upper) - sqrt(lower))`."""
    if sqrt_ratio_a_x96 > sqrt_ratio_b_x96:
        sqrt_ratio_a_x96, sqrt_ratio_b_x96 = sqrt_ratio_b_x96, sqrt_ratio_a_x96
    if round_up:
        return mul_div_rounding_up(liquidity, sqrt_ratio_b_x96 - sqrt_ratio_a_x96, Q96)
    return mul_div(liquidity, sqrt_ratio_b_x96 - sqrt_ratio_a_x96, Q96)


def _to_int256(value: int) -> int:
    if value >= _MIN_INT256_ABS:
        raise V3RevertError("SafeCast.toInt256: overflow")
    return value


def get_amount0_delta_signed(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int) -> int:
    """`SqrtPriceMath.getAmount0Delta` (signed liquidity): what a position change of
    `liquidity` owes (> 0, rounded up) or is owed (< 0, rounded down) in token0."""
    if liquidity < 0:
        return -_to_int256(get_amount0_delta(sqrt_ratio_a_x96, sqrt_ratio_b_x96, -liquidity, False))
    return _to_int256(get_amount0_delta(sqrt_ratio_a_x96, sqrt_ratio_b_x96, liquidity, True))


def get_amount1_delta_signed(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int) -> int:
    """`SqrtPriceMath.getAmount1Delta` (signed liquidity), the token1 twin of
    `get_amount0_delta_signed`."""
    if liquidity < 0:
        return -_to_int256(get_amount1_delta(sqrt_ratio_a_x96, sqrt_ratio_b_x96, -liquidity, False))
    return _to_int256(get_amount1_delta(sqrt_ratio_a_x96, sqrt_ratio_b_x96, liquidity, True))
