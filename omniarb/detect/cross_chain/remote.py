"""Pairs with a chain this process does not hold: sized at the mirrored curve's sample points.

Another worker's curve (`CurveSnapshot`, read from the mirror) carries exact sample points of
its chain's pools at its block and the path's hops. A leg on that chain is planned at a sample
point, so its `predicted_out` is what those pools pay on those states, to the wei; the local
leg is priced with exact swaps as usual. The size is the best sample point (32 points spaced
geometrically up to twice `max_trade_usd`): coarser than the local sizing, never inexact.
"""

from __future__ import annotations

from omniarb.cross_chain_types import CurveSnapshot
from omniarb.detect.cross_chain.costs import ExactLegs
from omniarb.detect.cross_chain.sizing import Room
from omniarb.detect.cross_chain.view import AssetQuote

__all__ = ["local_sells_remote_buys", "remote_margins", "remote_sells_local_buys"]


def remote_margins(snapshot: CurveSnapshot) -> tuple[float, float] | None:
    """(sell, buy) USD per whole asset at the smallest sampled size: what a sale fetches and a
    purchase costs at the margin, fees included; None without samples."""
    if len(snapshot.sell_points) < 2 or len(snapshot.buy_points) < 2:
        return None
    (asset_in, quote_out), (quote_in, asset_out) = snapshot.sell_points[1], snapshot.buy_points[1]
    if 0 in (asset_in, quote_out, quote_in, asset_out):
        return None
    asset_unit, quote_unit = 10**snapshot.asset_decimals, 10**snapshot.quote_decimals
    sell_usd = (quote_out / quote_unit) / (asset_in / asset_unit)
    buy_usd = (quote_in / quote_unit) / (asset_out / asset_unit)
    return sell_usd, buy_usd


def local_sells_remote_buys(
    local: AssetQuote, remote: CurveSnapshot, room: Room, cost_per_notional: float
) -> ExactLegs | None:
    """Sell here, buy back at one of the remote buy curve's sample points: the best one."""
    best: tuple[float, ExactLegs] | None = None
    scale_in, scale_out = 10**local.asset.decimals, 10**remote.asset_decimals
    for quote_in, asset_out in remote.buy_points[1:]:
        # The most asset we may sell for which `asset_out` is a whole buy-back.
        sell_in = asset_out * scale_in // scale_out
        if sell_in <= 0:
            continue
        if sell_in > room.asset_sell or quote_in > room.quote_spend:
            break
        if room.asset_take is not None and asset_out > room.asset_take:
            break
        sell_out = local.sell.path.amount_out(sell_in)
        if room.quote_take is not None and sell_out > room.quote_take:
            break
        target = -(-sell_in * scale_out // scale_in)
        value = sell_out / 10**local.quote.decimals * (1 - cost_per_notional) - quote_in / (
            10**remote.quote_decimals
        )
        if best is None or value > best[0]:
            best = (value, ExactLegs(sell_in, sell_out, quote_in, asset_out, target))
    return None if best is None or best[0] <= 0 else best[1]


def remote_sells_local_buys(
    remote: CurveSnapshot, local: AssetQuote, room: Room, cost_per_notional: float
) -> ExactLegs | None:
    """Sell at one of the remote sell curve's sample points, buy it back here exactly."""
    best: tuple[float, ExactLegs] | None = None
    scale_in, scale_out = 10**remote.asset_decimals, 10**local.asset.decimals
    path = local.buy.path
    for sell_in, sell_out in remote.sell_points[1:]:
        if sell_in > room.asset_sell:
            break
        if room.quote_take is not None and sell_out > room.quote_take:
            break
        target = -(-sell_in * scale_out // scale_in)
        if room.asset_take is not None and target > room.asset_take:
            break
        # Screen with the float curve first: the exact search only where it may pay.
        estimate = local.buy.input_for(float(target))
        proceeds = sell_out / 10**remote.quote_decimals * (1 - cost_per_notional)
        if estimate > room.quote_spend or proceeds <= estimate / 10**local.quote.decimals:
            continue
        buy_in = path.min_amount_in(target, int(estimate))
        if buy_in is None or buy_in > room.quote_spend:
            continue
        value = proceeds - buy_in / 10**local.quote.decimals
        if best is None or value > best[0]:
            best = (value, ExactLegs(sell_in, sell_out, buy_in, path.amount_out(buy_in), target))
    return None if best is None or best[0] <= 0 else best[1]
