"""A `CrossChainOpportunity` from two exactly priced legs, valued as the detector's docstring
says, or None where it is worth less than `min_expected_value_usd`."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from dataclasses import dataclass

from omniarb._config_cross_chain import CrossChainSettings
from omniarb.cross_chain_types import CrossChainOpportunity, LegFee, LegPlan, LegRole
from omniarb.detect.cross_chain.costs import ExactLegs, PairCosts, Side
from omniarb.types import Route

__all__ = ["LegSite", "make_opportunity"]


@dataclass(frozen=True, slots=True, kw_only=True)
class LegSite:
    """Where a leg runs: its chain's side of the pair, and its route priced as of a block."""

    side: Side
    chain_id: int
    block_number: int
    route: Route


def make_opportunity(
    settings: CrossChainSettings,
    *,
    identity: str,
    sell: LegSite,
    buy: LegSite,
    legs: ExactLegs,
    costs: PairCosts,
    fees: Mapping[str, LegFee],
) -> CrossChainOpportunity | None:
    """Sell `legs.sell_in` at `sell`, buy `legs.buy_out` back at `buy`: the opportunity if
    its expected value is positive and at least `min_expected_value_usd`."""
    fee_sell, fee_buy = fees[sell.side.chain], fees[buy.side.chain]
    notional_usd = legs.sell_out / 10**sell.side.quote_decimals
    # Whatever the buy leg gets over the amount sold is worth the asset's mid price there.
    surplus_usd = (legs.buy_out - legs.target) / 10**buy.side.asset_decimals * buy.side.mid_usd
    gross_usd = notional_usd - legs.buy_in / 10**buy.side.quote_decimals + surplus_usd
    fees_usd = fee_sell.fee_usd + fee_buy.fee_usd
    rebalance_usd = notional_usd * costs.rebalance
    risk_usd = notional_usd * costs.risk
    value_usd = gross_usd - fees_usd - rebalance_usd - risk_usd
    if value_usd <= 0 or value_usd < settings.min_expected_value_usd:
        return None
    margin = settings.min_out_margin_bps
    sell_plan = _plan(LegRole.SELL, sell, fee_sell, legs.sell_in, legs.sell_out, margin)
    buy_plan = _plan(LegRole.BUY, buy, fee_buy, legs.buy_in, legs.buy_out, margin)
    return CrossChainOpportunity(
        id=_opportunity_id(sell_plan, buy_plan),
        asset=identity,
        quote_asset=settings.quote_asset,
        sell=sell_plan,
        buy=buy_plan,
        gross_usd=gross_usd,
        fees_usd=fees_usd,
        rebalance_cost_usd=rebalance_usd,
        risk_charge_usd=risk_usd,
        expected_value_usd=value_usd,
        detected_ns=time.time_ns(),
    )


def _plan(
    role: LegRole, leg: LegSite, fee: LegFee, amount_in: int, out: int, margin_bps: int
) -> LegPlan:
    return LegPlan(
        role=role,
        chain=leg.side.chain,
        chain_id=leg.chain_id,
        block_number=leg.block_number,
        route=leg.route,
        amount_in=amount_in,
        predicted_out=out,
        min_out=out * (10_000 - margin_bps) // 10_000,
        gas_estimate=fee.leg_gas,
        fee_wei=fee.fee_wei,
        fee_usd=fee.fee_usd,
    )


def _opportunity_id(sell: LegPlan, buy: LegPlan) -> str:
    text = (
        f"{sell.chain}:{sell.block_number}:{sell.route.pools}:{sell.amount_in}|"
        f"{buy.chain}:{buy.block_number}:{buy.route.pools}:{buy.amount_in}"
    )
    return "xc-" + hashlib.sha256(text.encode()).hexdigest()[:16]
