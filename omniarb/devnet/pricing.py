"""Turning USD reference prices into the integers pools are created with."""

from __future__ import annotations

import math
from fractions import Fraction

__all__ = [
    "MAX_TICK",
    "MIN_TICK",
    "TICK_SPACING",
    "amount_for_usd",
    "position_ranges",
    "sqrt_price_x96",
]

MIN_TICK = -887272
MAX_TICK = 887272
# UniswapV3Factory's constructor enables exactly these fee tiers (fee pips → tick spacing).
TICK_SPACING = {500: 10, 3000: 60, 10000: 200}


def amount_for_usd(usd: Fraction | int, price_usd: Fraction, decimals: int) -> int:
    """Base units of a token worth `usd` at `price_usd` per whole token (rounded down)."""
    amount: int = math.floor(Fraction(usd) / price_usd * 10**decimals)
    return amount


def raw_price(
    price0_usd: Fraction, decimals0: int, price1_usd: Fraction, decimals1: int
) -> Fraction:
    """Base units of token1 per base unit of token0."""
    return price0_usd / price1_usd * Fraction(10**decimals1, 10**decimals0)


def sqrt_price_x96(price_raw: Fraction) -> int:
    """floor(sqrt(price) · 2^96), exact: the value a pool is initialized with."""
    root: int = math.isqrt(math.floor(price_raw * 2**192))
    return root


def _tick_of(price_raw: Fraction) -> int:
    return math.floor(math.log(float(price_raw)) / math.log(1.0001))


def position_ranges(price_raw: Fraction, fee: int) -> list[tuple[int, int, Fraction]]:
    """Liquidity positions as (tick_lower, tick_upper, share of the pool's budget).

    A full-range base plus wide, medium and narrow ranges around the price, so swaps of
    every size cross initialized ticks the way they do on real pools.
    """
    spacing = TICK_SPACING[fee]
    centre = _tick_of(price_raw)
    full_lo = -(MAX_TICK // spacing) * spacing
    full_hi = (MAX_TICK // spacing) * spacing
    ranges = [(full_lo, full_hi, Fraction(2, 5))]
    for half_width, share in (
        (1823, Fraction(3, 10)),
        (488, Fraction(1, 5)),
        (100, Fraction(1, 10)),
    ):
        width = max(half_width // spacing, 1) * spacing
        lo = (centre - width) // spacing * spacing
        hi = (centre + width) // spacing * spacing + spacing
        ranges.append((lo, hi, share))
    return ranges
