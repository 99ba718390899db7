"""What the market computes for a live view: the watched prices and the widest gap of a chain.

The values themselves (`SwapRecord`, `ChainStats`, `MarketSnapshot`) are core
(`omniarb.monitor.market_view`), since the API and the terminal view display them.
"""

from __future__ import annotations

from collections import defaultdict

from omniarb.devnet.market.state import ChainState, PoolState
from omniarb.monitor.market_view import PoolPrice

__all__ = ["largest_gap", "watched_prices"]


def watched_prices(
    state: ChainState, native_symbol: str, quote_symbol: str
) -> tuple[PoolPrice, ...]:
    """The price of `native_symbol` in `quote_symbol` on every pool of that pair."""
    prices = []
    for pool in state.pools:
        if {pool.symbol0, pool.symbol1} != {native_symbol, quote_symbol}:
            continue
        price = pool.price()
        if price <= 0:
            continue
        price_usd = price if pool.symbol0 == native_symbol else 1 / price
        prices.append(
            PoolPrice(dex=pool.dex, pool=pool.address, fee_pips=pool.fee_pips, price_usd=price_usd)
        )
    return tuple(prices)


def largest_gap(state: ChainState) -> tuple[float, str]:
    """The widest spread, in bps of the lower price, between two pools of the same pair.

    Returns `(0.0, "")` when no pair has two priced pools.
    """
    by_pair: dict[str, list[PoolState]] = defaultdict(list)
    for pool in state.pools:
        if pool.price() > 0:
            by_pair[pool.pair].append(pool)
    best_bps, best_pair = 0.0, ""
    for pair, pools in by_pair.items():
        if len(pools) < 2:
            continue
        prices = [p.price() for p in pools]
        gap_bps = (max(prices) / min(prices) - 1) * 10_000
        if gap_bps > best_bps:
            best_bps, best_pair = gap_bps, pair
    return best_bps, best_pair
