"""Inputs of v3-core's own test vectors, computed as its test suite computes them."""

from __future__ import annotations

from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext


def encode_price_sqrt(reserve1: int, reserve0: int) -> int:
    """v3-core `test/shared/utilities.ts` `encodePriceSqrt`: bignumber.js with its defaults
    (20 decimal places, half-up) for the division and the square root, then floor(x * 2**96)."""
    places = Decimal("1e-20")
    with localcontext() as context:
        context.prec = 200
        ratio = (Decimal(reserve1) / Decimal(reserve0)).quantize(places, rounding=ROUND_HALF_UP)
        root = ratio.sqrt().quantize(places, rounding=ROUND_HALF_UP)
        return int((root * (Decimal(2) ** 96)).to_integral_value(rounding=ROUND_FLOOR))


def expand_to_18_decimals(n: int) -> int:
    return n * 10**18
