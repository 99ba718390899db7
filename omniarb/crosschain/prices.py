"""The prices a cross-chain trade is valued at, from its opportunity: the detector's own.

The quote asset is a dollar stable at $1 a token. The asset's price is the one the detector's
plans imply: the mean of the sell leg's and the buy leg's execution prices, in whole tokens
(the two chains' asset tokens may differ in decimals, WBTC's 8 and BTCB's 18). Gas is valued at
the native coin's price the plan's fee implies (`fee_usd / fee_wei`).
"""

from __future__ import annotations

from collections.abc import Callable

from omniarb.cross_chain_types import CrossChainOpportunity, LegPlan
from omniarb.crosschain.pnl import LegPrices, TradePrices

__all__ = ["trade_prices"]

Decimals = Callable[[str, str], int]  # (chain, token address) -> decimals


def _native_usd_per_wei(plan: LegPlan) -> float:
    return plan.fee_usd / plan.fee_wei if plan.fee_wei > 0 else 0.0


def trade_prices(opportunity: CrossChainOpportunity, decimals: Decimals) -> TradePrices:
    """`opportunity`'s valuation prices; `decimals` names each token's decimals."""
    sell, buy = opportunity.sell, opportunity.buy
    if sell.amount_in <= 0 or buy.predicted_out <= 0:
        raise ValueError(f"cross-chain trade {opportunity.id} trades no asset: no price")
    sell_asset, sell_quote = sell.route.token_in, sell.route.token_out
    buy_quote, buy_asset = buy.route.token_in, buy.route.token_out
    sell_asset_scale = 10 ** decimals(sell.chain, sell_asset)
    buy_asset_scale = 10 ** decimals(buy.chain, buy_asset)
    sell_quote_unit = 1 / 10 ** decimals(sell.chain, sell_quote)
    buy_quote_unit = 1 / 10 ** decimals(buy.chain, buy_quote)
    # Whole-token USD prices each leg trades the asset at.
    sell_price = (sell.predicted_out * sell_quote_unit) / (sell.amount_in / sell_asset_scale)
    buy_price = (buy.amount_in * buy_quote_unit) / (buy.predicted_out / buy_asset_scale)
    asset_usd = (sell_price + buy_price) / 2
    return TradePrices(
        sell=LegPrices(
            token_in_usd=asset_usd / sell_asset_scale,
            token_out_usd=sell_quote_unit,
            native_usd_per_wei=_native_usd_per_wei(sell),
        ),
        buy=LegPrices(
            token_in_usd=buy_quote_unit,
            token_out_usd=asset_usd / buy_asset_scale,
            native_usd_per_wei=_native_usd_per_wei(buy),
        ),
        asset_usd_by_chain={
            sell.chain: asset_usd / sell_asset_scale,
            buy.chain: asset_usd / buy_asset_scale,
        },
    )
