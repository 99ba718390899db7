"""One cross-chain trade from opportunity to settlement: recorded, both legs sent, settled in
the store, and any exposure a failed leg leaves opened and unwound by policy.

    trader = CrossChainTrader(chains=chains, store=store, exposures=book, latency=latency)
    settled = await trader.execute(opportunity, prices)
    settled.status  # done | partial | failed | unwound
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from omniarb.cross_chain_types import CrossChainOpportunity, LegPlan, LegRole
from omniarb.crosschain.exposure import ExposureBook, OpenExposure
from omniarb.crosschain.leg_chain import LegChain
from omniarb.crosschain.leg_result import LegResult
from omniarb.crosschain.legs import LegLatency, order_of, send_legs
from omniarb.crosschain.pnl import (
    LegPrices,
    TradePrices,
    inventory_change,
    leg_value_usd,
    realized_value_usd,
)
from omniarb.store.cross_chain import (
    CrossChainStore,
    ExposureRecord,
    LegRecord,
    TradeSettlementRecord,
)

__all__ = ["CrossChainTrader", "SettledTrade", "leg_record", "predicted_pnl_usd"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class SettledTrade:
    """A trade's end: its status, legs (unwinds included), PnL and inventory change."""

    trade_id: str
    status: str
    sell: LegResult
    buy: LegResult
    unwinds: tuple[LegResult, ...]
    predicted_pnl_usd: float
    realized_pnl_usd: float
    inventory_change: dict[str, dict[str, str]]
    exposure_id: str | None


def _plan_value_usd(prices: LegPrices, plan: LegPlan) -> float:
    return leg_value_usd(
        prices, amount_in=plan.amount_in, amount_out=plan.predicted_out, fee_wei=plan.fee_wei
    )


def predicted_pnl_usd(opportunity: CrossChainOpportunity, prices: TradePrices) -> float:
    """Both plans valued as their legs will be: predicted outputs, planned fees."""
    return _plan_value_usd(prices.sell, opportunity.sell) + _plan_value_usd(
        prices.buy, opportunity.buy
    )


def leg_record(trade_id: str, leg_id: str, leg: LegResult) -> LegRecord:
    """The row of a sent leg."""
    return LegRecord(
        id=leg_id,
        trade_id=trade_id,
        role=leg.role.value,
        chain=leg.chain,
        token_in=leg.token_in,
        token_out=leg.token_out,
        amount_in=leg.amount_in,
        min_out=leg.min_out,
        predicted_out=leg.predicted_out,
        status=leg.status.value,
        realized_out=leg.realized_out if leg.landed else None,
        tx_hash=leg.tx_hash,
        block_number=leg.block_number,
        gas_used=leg.gas_used,
        fee_wei=leg.fee_wei,
        error=leg.error,
        sent_at=leg.sent_at,
        settled_at=leg.settled_at,
    )


class CrossChainTrader:
    """Executes cross-chain opportunities against the inventory on their two chains."""

    def __init__(
        self,
        *,
        chains: Mapping[str, LegChain],
        store: CrossChainStore,
        exposures: ExposureBook,
        latency: LegLatency,
        policy: str,
    ) -> None:
        self._chains = chains
        self._store = store
        self.exposures = exposures
        self.latency = latency
        self._policy = policy

    async def execute(
        self, opportunity: CrossChainOpportunity, prices: TradePrices
    ) -> SettledTrade:
        """Record, send both legs, settle; unwind what a failed leg left open."""
        trade_id = opportunity.id
        predicted = predicted_pnl_usd(opportunity, prices)
        await self._store.record_sent(opportunity, predicted_pnl_usd=predicted)
        sell, buy = await send_legs(opportunity, self._chains)
        self.latency.observe(sell, buy)
        for leg in (sell, buy):
            await self._store.record_leg(leg_record(trade_id, f"{trade_id}:{leg.role.value}", leg))
        realized = realized_value_usd(prices.sell, sell) + realized_value_usd(prices.buy, buy)
        legs = [sell, buy]
        if sell.landed and buy.landed:
            status = "done"
        elif sell.landed or buy.landed:
            status = "partial"
        else:
            status = "failed"
        await self._settle(trade_id, status, realized, legs)
        unwinds: list[LegResult] = []
        exposure_id = None
        if status == "partial":
            exposure_id = await self._open_exposure(opportunity, prices, sell, buy)
            outcome = await self._unwind(trade_id, exposure_id, prices, opportunity, sell, buy)
            if outcome is not None:
                unwinds.append(outcome)
                legs.append(outcome)
                if outcome.landed:
                    status = "unwound"
                    realized += self._unwind_value(prices, opportunity, outcome)
                    await self._settle(trade_id, status, realized, legs)
        log.info(
            "cross-chain trade %s %s: predicted $%.2f, realized $%.2f; legs %s",
            trade_id, status, predicted, realized,
            "; ".join(
                f"{leg.role} {leg.chain} {leg.status} gas {leg.gas_used} "
                f"latency {leg.latency_s or 0.0:.3f} s"
                for leg in legs
            ),
        )  # fmt: skip
        return SettledTrade(
            trade_id=trade_id,
            status=status,
            sell=sell,
            buy=buy,
            unwinds=tuple(unwinds),
            predicted_pnl_usd=predicted,
            realized_pnl_usd=realized,
            inventory_change=inventory_change(legs),
            exposure_id=exposure_id,
        )

    async def _settle(
        self, trade_id: str, status: str, realized: float, legs: list[LegResult]
    ) -> None:
        await self._store.settle(
            TradeSettlementRecord(
                trade_id=trade_id,
                status=status,
                realized_pnl_usd=realized,
                inventory_change=inventory_change(legs),
                settled_at=datetime.now(UTC),
            )
        )

    async def _open_exposure(
        self,
        opportunity: CrossChainOpportunity,
        prices: TradePrices,
        sell: LegResult,
        buy: LegResult,
    ) -> str:
        failed_plan, landed, landed_plan = (
            (opportunity.buy, sell, opportunity.sell)
            if sell.landed
            else (opportunity.sell, buy, opportunity.buy)
        )
        # A failed buy leaves the account short the asset it meant to buy back; a failed sell,
        # long the asset it meant to sell.
        if failed_plan.role is LegRole.BUY:
            side, token, amount = "short", failed_plan.route.token_out, failed_plan.predicted_out
        else:
            side, token, amount = "long", failed_plan.route.token_in, failed_plan.amount_in
        asset_usd = prices.asset_usd_by_chain.get(failed_plan.chain, 0.0)
        record = ExposureRecord(
            id=f"{opportunity.id}:exposure",
            trade_id=opportunity.id,
            chain=failed_plan.chain,
            asset=opportunity.asset,
            token=token,
            side=side,
            amount=amount,
            usd_at_open=amount * asset_usd,
            policy=self._policy,
            status="open",
            opened_at=datetime.now(UTC),
        )
        await self.exposures.opened(
            OpenExposure(
                record=record,
                failed=order_of(failed_plan),
                failed_chain=failed_plan.chain,
                landed=landed,
                landed_order=order_of(landed_plan),
            )
        )
        return record.id

    async def _unwind(
        self,
        trade_id: str,
        exposure_id: str,
        prices: TradePrices,
        opportunity: CrossChainOpportunity,
        sell: LegResult,
        buy: LegResult,
    ) -> LegResult | None:
        """Unwind attempts until one lands, the policy holds, or the book gives up."""
        attempt = 0
        while exposure_id in {e.record.id for e in self.exposures.open}:
            result = await self.exposures.unwind(exposure_id)
            if result is None:
                if self._policy == "hold":
                    return None
                continue
            attempt += 1
            leg_id = f"{trade_id}:unwind:{attempt}"
            await self._store.record_leg(leg_record(trade_id, leg_id, result))
            if result.landed:
                value = self._unwind_value(prices, opportunity, result)
                await self.exposures.closed(exposure_id, unwind_leg_id=leg_id, realized_usd=value)
                return result
        return None

    @staticmethod
    def _unwind_value(
        prices: TradePrices, opportunity: CrossChainOpportunity, unwind: LegResult
    ) -> float:
        """An unwind leg's USD at the trade's prices: completing redoes the failed leg (its
        prices); reversing swaps the landed leg's output back (its prices, the other way)."""
        chain_prices = prices.sell if unwind.chain == opportunity.sell.chain else prices.buy
        if unwind.token_in.lower() == (
            opportunity.sell.route.token_in if unwind.chain == opportunity.sell.chain
            else opportunity.buy.route.token_in
        ).lower():  # fmt: skip
            return realized_value_usd(chain_prices, unwind)
        flipped = LegPrices(
            token_in_usd=chain_prices.token_out_usd,
            token_out_usd=chain_prices.token_in_usd,
            native_usd_per_wei=chain_prices.native_usd_per_wei,
        )
        return realized_value_usd(flipped, unwind)
