"""Writes and reads of the cross-chain tables (`cross_chain_trades`, `cross_chain_legs`,
`exposures`), blocking like `HistoryDatabase`; `CrossChainStore` runs them off the event loop.

A trade row is written, with its two legs pending, before the legs are sent, so a restart finds
every trade that may have moved inventory; it is updated once both legs settled (done, partial,
failed) and again when its exposure is unwound. Rows are upserted by primary key (`merge`), so a
write repeated after an error changes nothing twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from omniarb.cross_chain_types import CrossChainOpportunity, LegPlan
from omniarb.errors import NotFoundError
from omniarb.store.cross_chain_models import CrossChainLegRow, CrossChainTradeRow, ExposureRow
from omniarb.store.engine import begin_write, database_errors

__all__ = ["CrossChainStore", "ExposureRecord", "LegRecord", "TradeSettlementRecord"]

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True, kw_only=True)
class LegRecord:
    """A leg row's fields after its send (a `cross_chain_legs` row)."""

    id: str
    trade_id: str
    role: str
    chain: str
    token_in: str
    token_out: str
    amount_in: int
    min_out: int
    predicted_out: int
    status: str
    realized_out: int | None = None
    tx_hash: str | None = None
    block_number: int | None = None
    gas_used: int | None = None
    fee_wei: int | None = None
    error: str | None = None
    sent_at: datetime | None = None
    settled_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TradeSettlementRecord:
    """What settles a trade row: its status, realized PnL and inventory change."""

    trade_id: str
    status: str
    realized_pnl_usd: float | None
    inventory_change: dict[str, dict[str, str]]
    settled_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class ExposureRecord:
    """An `exposures` row."""

    id: str
    trade_id: str
    chain: str
    asset: str
    token: str
    side: str
    amount: int
    usd_at_open: float
    policy: str
    status: str
    opened_at: datetime
    unwind_leg_id: str | None = None
    realized_usd: float | None = None
    closed_at: datetime | None = None


def _leg_of_plan(trade_id: str, plan: LegPlan) -> CrossChainLegRow:
    return CrossChainLegRow(
        id=f"{trade_id}:{plan.role.value}",
        trade_id=trade_id,
        role=plan.role.value,
        chain=plan.chain,
        token_in=plan.route.token_in,
        token_out=plan.route.token_out,
        amount_in=plan.amount_in,
        min_out=plan.min_out,
        predicted_out=plan.predicted_out,
        status="pending",
        priced_block=plan.block_number,
        pools=list(plan.route.pools),
        planned_fee_wei=plan.fee_wei,
        planned_fee_usd=plan.fee_usd,
    )


class CrossChainStore:
    """The cross-chain tables of the history database behind `engine`."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    async def _run(self, work: Callable[[Session], _T], action: str) -> _T:
        """`work` in one write transaction (SQLite: `BEGIN IMMEDIATE`, so it waits for the
        history writer's lock rather than fail upgrading a read lock), off the event loop."""

        def blocking() -> _T:
            with (
                database_errors(self._engine.url, action),
                begin_write(self._engine) as connection,
                Session(bind=connection) as session,
            ):
                result = work(session)
                session.flush()
                return result

        return await asyncio.to_thread(blocking)

    async def record_sent(
        self, opportunity: CrossChainOpportunity, *, predicted_pnl_usd: float
    ) -> None:
        """The trade row (pending) and its two legs (pending), before the legs go out."""
        now = datetime.now(UTC)

        def work(session: Session) -> None:
            session.merge(
                CrossChainTradeRow(
                    id=opportunity.id,
                    asset=opportunity.asset,
                    quote_asset=opportunity.quote_asset,
                    sell_chain=opportunity.sell.chain,
                    buy_chain=opportunity.buy.chain,
                    status="pending",
                    expected_value_usd=opportunity.expected_value_usd,
                    gross_usd=opportunity.gross_usd,
                    fees_usd=opportunity.fees_usd,
                    rebalance_cost_usd=opportunity.rebalance_cost_usd,
                    risk_charge_usd=opportunity.risk_charge_usd,
                    predicted_pnl_usd=predicted_pnl_usd,
                    realized_pnl_usd=None,
                    inventory_change={},
                    detected_at=datetime.fromtimestamp(opportunity.detected_ns / 1e9, UTC),
                    settled_at=None,
                    recorded_at=now,
                )
            )
            session.flush()
            for plan in (opportunity.sell, opportunity.buy):
                session.merge(_leg_of_plan(opportunity.id, plan))

        await self._run(work, "recording a cross-chain trade")

    async def record_leg(self, leg: LegRecord) -> None:
        """Insert or update one leg row (a sent leg's settlement, an unwind)."""
        await self._run(lambda s: s.merge(CrossChainLegRow(**_fields(leg))), "recording a leg")

    async def settle(self, settlement: TradeSettlementRecord) -> None:
        """Update the trade row with its settlement."""

        def work(session: Session) -> None:
            row = session.get(CrossChainTradeRow, settlement.trade_id)
            if row is None:
                raise NotFoundError(f"no cross-chain trade {settlement.trade_id}")
            row.status = settlement.status
            row.realized_pnl_usd = settlement.realized_pnl_usd
            row.inventory_change = settlement.inventory_change
            row.settled_at = settlement.settled_at

        await self._run(work, "settling a cross-chain trade")

    async def record_exposure(self, exposure: ExposureRecord) -> None:
        """Insert or update an exposure row."""
        await self._run(lambda s: s.merge(ExposureRow(**_fields(exposure))), "recording exposure")

    async def trade(self, trade_id: str) -> dict[str, Any] | None:
        """A trade row's columns, or None."""

        def work(session: Session) -> dict[str, Any] | None:
            row = session.get(CrossChainTradeRow, trade_id)
            return None if row is None else _columns(row)

        return await self._run(work, "reading a cross-chain trade")

    async def legs(self, trade_id: str) -> list[dict[str, Any]]:
        """A trade's leg rows, in the order they were recorded."""

        def work(session: Session) -> list[dict[str, Any]]:
            rows = session.scalars(
                select(CrossChainLegRow)
                .where(CrossChainLegRow.trade_id == trade_id)
                .order_by(CrossChainLegRow.sent_at, CrossChainLegRow.id)
            )
            return [_columns(row) for row in rows]

        return await self._run(work, "reading cross-chain legs")

    async def exposures(self, *, status: str | None = None) -> list[ExposureRecord]:
        """Exposure rows (of `status`), oldest first: how a restart finds the open ones."""

        def work(session: Session) -> list[ExposureRecord]:
            query = select(ExposureRow).order_by(ExposureRow.opened_at)
            if status is not None:
                query = query.where(ExposureRow.status == status)
            return [ExposureRecord(**_columns(row)) for row in session.scalars(query)]

        return await self._run(work, "reading exposures")


def _fields(value: Any) -> dict[str, Any]:
    return {field.name: getattr(value, field.name) for field in fields(value)}


def _columns(row: Any) -> dict[str, Any]:
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}
