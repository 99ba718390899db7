"""Turning USD reference prices into the integers tokens and pools are funded with: amounts in
base units and raw prices."""

from __future__ import annotations

import math
from fractions import Fraction

__all__ = ["amount_for_usd", "raw_price"]


def amount_for_usd(usd: Fraction | int, price_usd: Fraction, decimals: int) -> int:
    """Base units of a token worth `usd` at `price_usd` per whole token (rounded down)."""
    amount: int = math.floor(Fraction(usd) / price_usd * 10**decimals)
    return amount


def raw_price(
    price0_usd: Fraction, decimals0: int, price1_usd: Fraction, decimals1: int
) -> Fraction:
    """Base units of token1 per base unit of token0."""
    return price0_usd / price1_usd * Fraction(10**decimals1, 10**decimals0)
