"""How much to trade across two chains: the size that maximizes the risk-adjusted value, within
inventory and bands.

A trade sells x whole units of the asset on chain A (the sell curve S, USD out) and buys the
same x back on chain B (the buy curve's inverse C, USD in), so the asset inventory ends where
it began and the profit is in the quote asset. Its value

    V(x) = S(x) · (1 − k) − C(x)      k = rebalance bps / 10⁴ + risk_z · σ · √latency

is concave (S concave, C convex: AMM curves), so a golden-section search over [0, x_max]
finds its maximum; the legs' fees are a constant, subtracted after. x_max is the least of:
what A's inventory holds above its floor, what B's ceiling lets in, what B's quote inventory
above its floor buys, what A's quote ceiling lets in, `max_trade_usd` of notional, and the
curves' sampled range. All in floats: the detector confirms the size with exact swaps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from omniarb.detect.cross_chain.curve import LegCurve

__all__ = ["Room", "SizedTrade", "size_trade"]

_GOLDEN = (math.sqrt(5) - 1) / 2
_ITERATIONS = 60


@dataclass(frozen=True, slots=True, kw_only=True)
class Room:
    """What the inventory allows one trade, in base units (None: unlimited): the asset A may
    sell (held above its floor), the asset B may take (its ceiling less what it holds), the
    quote asset B may spend, the quote asset A may take."""

    asset_sell: int
    asset_take: int | None
    quote_spend: int
    quote_take: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SizedTrade:
    """The float optimum: `units` of the asset, its notional and value in USD (no fees)."""

    units: float
    notional_usd: float
    value_usd: float


def size_trade(
    *,
    sell: LegCurve,
    buy: LegCurve,
    sell_asset_decimals: int,
    sell_quote_decimals: int,
    buy_asset_decimals: int,
    buy_quote_decimals: int,
    room: Room,
    cost_per_notional: float,
    max_trade_usd: float,
) -> SizedTrade | None:
    """The size maximizing V(x) (module docstring), or None where no size gains."""
    asset_a, quote_a = 10.0**sell_asset_decimals, 10.0**sell_quote_decimals
    asset_b, quote_b = 10.0**buy_asset_decimals, 10.0**buy_quote_decimals

    def proceeds_usd(units: float) -> float:
        return sell.out(units * asset_a) / quote_a

    def cost_usd(units: float) -> float:
        return buy.input_for(units * asset_b) / quote_b

    def value(units: float) -> float:
        return proceeds_usd(units) * (1.0 - cost_per_notional) - cost_usd(units)

    limits = [
        room.asset_sell / asset_a,
        sell.cap_in / asset_a,
        buy.out(room.quote_spend) / asset_b,
        buy.out(buy.cap_in) / asset_b,
        sell.input_for(max_trade_usd * quote_a) / asset_a,
    ]
    if room.asset_take is not None:
        limits.append(room.asset_take / asset_b)
    if room.quote_take is not None:
        limits.append(sell.input_for(room.quote_take) / asset_a)
    limit = high = min(limits)
    if not high > 0 or math.isinf(high):
        return None
    low = 0.0
    # Golden-section search for the maximum of the concave V on [low, high].
    a, b = high - _GOLDEN * (high - low), low + _GOLDEN * (high - low)
    value_a, value_b = value(a), value(b)
    for _ in range(_ITERATIONS):
        if value_a > value_b:
            high, b, value_b = b, a, value_a
            a = high - _GOLDEN * (high - low)
            value_a = value(a)
        else:
            low, a, value_a = a, b, value_b
            b = low + _GOLDEN * (high - low)
            value_b = value(b)
        if high - low <= 1e-9 * high:
            break
    units = (low + high) / 2
    # A search that ends against the limit is the limit (V still rises there): take it whole.
    if limit - units <= 1e-6 * limit:
        units = limit
    best = value(units)
    if not best > 0:
        return None
    return SizedTrade(units=units, notional_usd=proceeds_usd(units), value_usd=best)
