"""Reads of the cross-chain tables for the API and the dashboard: recent cross-chain trades with
their legs, bridge transfers (in flight, or all recent), and the exposures still open.

Blocking (SQLAlchemy, synchronous), like the store's other reads: the API calls them through
`asyncio.to_thread`. The rows come back detached from their session, fully loaded, so a caller
reads their attributes on any thread. Database errors are mapped by `database_errors`
(unreachable → `RetryableError`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniarb.store.cross_chain_models import (
    BridgeTransferRow,
    CrossChainLegRow,
    CrossChainTradeRow,
    ExposureRow,
)
from omniarb.store.database import HistoryDatabase
from omniarb.store.engine import database_errors

__all__ = [
    "FINAL_TRANSFER_STATUSES",
    "OPEN_EXPOSURE_STATUSES",
    "CrossChainTradeRecord",
    "leg_order",
    "load_bridge_transfers",
    "load_cross_chain_since",
    "load_cross_chain_trades",
    "load_open_exposures",
]

# A transfer in one of these states moves no more: every other one (planned, sent, deposited,
# stuck) is in flight — a stuck transfer is still tracked and may yet arrive.
FINAL_TRANSFER_STATUSES: Final = frozenset({"arrived", "failed"})
# An exposure in one of these states still leaves a position unhedged.
OPEN_EXPOSURE_STATUSES: Final = frozenset({"open", "unwinding"})


@dataclass(frozen=True, slots=True, kw_only=True)
class CrossChainTradeRecord:
    """A cross-chain trade and its legs (sell, buy, then any unwind), in the order sent."""

    trade: CrossChainTradeRow
    legs: tuple[CrossChainLegRow, ...]


def leg_order(leg: CrossChainLegRow) -> tuple[int, str]:
    """The sort key of a trade's legs: sell, buy, then unwinds."""
    # Unsent legs have no `sent_at`: order by role, then id, which is stable across reads.
    rank = {"sell": 0, "buy": 1}.get(leg.role, 2)
    return rank, leg.id


def load_cross_chain_trades(
    database: HistoryDatabase, *, limit: int = 50
) -> list[CrossChainTradeRecord]:
    """The newest `limit` cross-chain trades (by detection time), each with its legs."""
    stmt = (
        select(CrossChainTradeRow)
        .order_by(CrossChainTradeRow.detected_at.desc(), CrossChainTradeRow.id.desc())
        .limit(limit)
    )
    with (
        database_errors(database.engine.url, "reading cross-chain trades"),
        Session(database.engine) as session,
    ):
        trades = list(session.scalars(stmt))
        legs: defaultdict[str, list[CrossChainLegRow]] = defaultdict(list)
        if trades:
            ids = [trade.id for trade in trades]
            for leg in session.scalars(
                select(CrossChainLegRow).where(CrossChainLegRow.trade_id.in_(ids))
            ):
                legs[leg.trade_id].append(leg)
        session.expunge_all()
    return [
        CrossChainTradeRecord(trade=trade, legs=tuple(sorted(legs[trade.id], key=leg_order)))
        for trade in trades
    ]


def load_cross_chain_since(
    database: HistoryDatabase, since: datetime
) -> tuple[list[CrossChainTradeRecord], list[BridgeTransferRow]]:
    """Every cross-chain trade (with its legs) recorded and every bridge transfer created at or
    after `since`, oldest first: what one run did, for its `--summary`."""
    with (
        database_errors(database.engine.url, "reading a run's cross-chain records"),
        Session(database.engine) as session,
    ):
        trades = list(
            session.scalars(
                select(CrossChainTradeRow)
                .where(CrossChainTradeRow.recorded_at >= since)
                .order_by(CrossChainTradeRow.recorded_at, CrossChainTradeRow.id)
            )
        )
        legs: defaultdict[str, list[CrossChainLegRow]] = defaultdict(list)
        if trades:
            ids = [trade.id for trade in trades]
            for leg in session.scalars(
                select(CrossChainLegRow).where(CrossChainLegRow.trade_id.in_(ids))
            ):
                legs[leg.trade_id].append(leg)
        transfers = list(
            session.scalars(
                select(BridgeTransferRow)
                .where(BridgeTransferRow.created_at >= since)
                .order_by(BridgeTransferRow.created_at, BridgeTransferRow.id)
            )
        )
        session.expunge_all()
    records = [
        CrossChainTradeRecord(trade=trade, legs=tuple(sorted(legs[trade.id], key=leg_order)))
        for trade in trades
    ]
    return records, transfers


def load_bridge_transfers(
    database: HistoryDatabase, *, in_flight: bool, limit: int = 100
) -> list[BridgeTransferRow]:
    """Bridge transfers, newest first: only those in flight (not arrived, not failed) when
    `in_flight`, else the newest `limit` of any status."""
    stmt = select(BridgeTransferRow).order_by(
        BridgeTransferRow.created_at.desc(), BridgeTransferRow.id.desc()
    )
    if in_flight:
        stmt = stmt.where(BridgeTransferRow.status.not_in(FINAL_TRANSFER_STATUSES))
    stmt = stmt.limit(limit)
    with (
        database_errors(database.engine.url, "reading bridge transfers"),
        Session(database.engine) as session,
    ):
        rows = list(session.scalars(stmt))
        session.expunge_all()
    return rows


def load_open_exposures(database: HistoryDatabase) -> list[ExposureRow]:
    """Every exposure still open (or being unwound), oldest first: the longest-held on top."""
    stmt = (
        select(ExposureRow)
        .where(ExposureRow.status.in_(OPEN_EXPOSURE_STATUSES))
        .order_by(ExposureRow.opened_at, ExposureRow.id)
    )
    with (
        database_errors(database.engine.url, "reading exposures"),
        Session(database.engine) as session,
    ):
        rows = list(session.scalars(stmt))
        session.expunge_all()
    return rows
