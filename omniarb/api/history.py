"""Reads of the history the store does not offer itself: opportunities, the PnL curve, token names.

Blocking (SQLAlchemy, synchronous); the routes call them through `asyncio.to_thread`. Database
errors are mapped by the store's `database_errors` (unreachable → `RetryableError`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniarb.api.schemas import (
    ChainPnl,
    HopItem,
    OpportunityItem,
    PnlBody,
    PnlPoint,
    TokenAmount,
)
from omniarb.store import ChainSummary, HistoryDatabase
from omniarb.store.engine import database_errors
from omniarb.store.models import DecisionRow, ExecutionRow, OpportunityRow, OutcomeRow, TokenRow

__all__ = ["load_opportunities", "load_pnl"]

_TokenKey = tuple[int, str]
# The statuses of an opportunity that went no further, for a reason the history holds.
_STOPPED = frozenset({"declined", "rejected", "failed"})


def _tokens(session: Session, chain_ids: Iterable[int]) -> dict[_TokenKey, TokenRow]:
    wanted = set(chain_ids)
    if not wanted:
        return {}
    rows = session.scalars(select(TokenRow).where(TokenRow.chain_id.in_(wanted)))
    return {(row.chain_id, row.address.lower()): row for row in rows}


def _short(address: str) -> str:
    return f"{address[:6]}…{address[-4:]}" if len(address) > 12 else address


def _why_not(session: Session, rows: list[OpportunityRow]) -> dict[str, list[str]]:
    """Why each opportunity that went no further stopped: its decision's reasons (risk, token
    safety, score, allocate), then what refused its execution (the pre-check, a failed send)."""
    stopped = [row.id for row in rows if row.status in _STOPPED]
    if not stopped:
        return {}
    reasons: dict[str, list[str]] = {}
    decisions = session.execute(
        select(DecisionRow.opportunity_id, DecisionRow.reasons)
        .where(DecisionRow.opportunity_id.in_(stopped), DecisionRow.approved.is_(False))
        .order_by(DecisionRow.recorded_at)
    )
    for opportunity_id, why in decisions:
        reasons.setdefault(opportunity_id, []).extend(str(reason) for reason in why)
    refusals = session.execute(
        select(ExecutionRow.opportunity_id, ExecutionRow.error)
        .where(ExecutionRow.opportunity_id.in_(stopped), ExecutionRow.error.is_not(None))
        .order_by(ExecutionRow.recorded_at)
    )
    for opportunity_id, error in refusals:
        reasons.setdefault(opportunity_id, []).append(str(error))
    return reasons


def _opportunity(
    row: OpportunityRow, tokens: dict[_TokenKey, TokenRow], reasons: list[str]
) -> OpportunityItem:
    hops: list[dict[str, Any]] = row.route
    path = [hops[0]["token_in"], *(hop["token_out"] for hop in hops)] if hops else []
    names = [tokens.get((row.chain_id, a.lower())) for a in path]
    profit = tokens.get((row.chain_id, row.profit_token.lower()))
    symbols = [None if t is None else t.symbol for t in names]
    return OpportunityItem(
        id=row.id,
        chain=row.chain,
        chain_id=row.chain_id,
        block_number=row.block_number,
        source=row.source,
        status=row.status,
        route=[_short(a) if t is None else t.symbol for a, t in zip(path, names, strict=True)],
        pools=[hop["pool"] for hop in hops],
        dexes=[hop["dex"] for hop in hops],
        hops=[
            HopItem(
                pool=hop["pool"],
                dex=hop["dex"],
                kind=hop["kind"],
                fee_pips=hop["fee_pips"],
                token_in=hop["token_in"],
                token_out=hop["token_out"],
                symbol_in=symbols[i],
                symbol_out=symbols[i + 1],
            )
            for i, hop in enumerate(hops)
        ],
        profit_token=row.profit_token,
        profit_symbol=None if profit is None else profit.symbol,
        profit_decimals=None if profit is None else profit.decimals,
        amount_in=str(row.amount_in),
        amount_out=str(row.amount_out),
        predicted_profit_wei=str(row.predicted_profit),
        net_profit_wei=str(row.net_profit),
        net_profit_usd=row.net_profit_usd,
        gas_estimate=row.gas_estimate,
        gas_price_wei=str(row.gas_price_wei),
        gas_cost_wei=str(row.gas_cost_wei),
        detected_at=row.recorded_at,
        reasons=reasons,
    )


def load_opportunities(
    database: HistoryDatabase,
    *,
    chain: str | None = None,
    status: str | None = None,
    limit: int = 50,
) -> list[OpportunityItem]:
    """The newest `limit` opportunities, optionally of one chain (name or id) and one status."""
    stmt = (
        select(OpportunityRow)
        .order_by(OpportunityRow.recorded_at.desc(), OpportunityRow.id.desc())
        .limit(limit)
    )
    if chain is not None:
        stmt = stmt.where(
            OpportunityRow.chain_id == int(chain)
            if chain.isdecimal()
            else OpportunityRow.chain == chain
        )
    if status is not None:
        stmt = stmt.where(OpportunityRow.status == status)
    with (
        database_errors(database.engine.url, "reading opportunities"),
        Session(database.engine) as session,
    ):
        rows = list(session.scalars(stmt))
        tokens = _tokens(session, (row.chain_id for row in rows))
        why = _why_not(session, rows)
        return [_opportunity(row, tokens, why.get(row.id, [])) for row in rows]


def _amounts(
    chain_id: int, amounts: dict[str, int], tokens: dict[_TokenKey, TokenRow]
) -> list[TokenAmount]:
    items = []
    for token, amount in sorted(amounts.items()):
        row = tokens.get((chain_id, token.lower()))
        items.append(
            TokenAmount(
                token=token,
                symbol=None if row is None else row.symbol,
                decimals=None if row is None else row.decimals,
                amount=str(amount),
            )
        )
    return items


def _chain_pnl(summary: ChainSummary, tokens: dict[_TokenKey, TokenRow]) -> ChainPnl:
    return ChainPnl(
        chain=summary.chain,
        chain_id=summary.chain_id,
        opportunities=summary.opportunities,
        approved=summary.approved,
        declined=summary.declined,
        executions=summary.executions,
        settled=summary.settled,
        success_rate=summary.success_rate,
        realized_profit=_amounts(summary.chain_id, summary.realized_profit, tokens),
        gas_cost_wei=str(summary.gas_cost_wei),
        l1_fee_wei=str(summary.l1_fee_wei),
        net_profit_usd=summary.net_profit_usd,
        sources=summary.sources,
        backruns=summary.backruns,
        channels=summary.channels,
        bribe_paid_wei=str(summary.bribe_paid_wei),
        lost_to_rival=summary.lost_to_rival,
    )


def load_pnl(database: HistoryDatabase, *, points: int = 1000) -> PnlBody:
    """Profit per chain and in total, and the PnL curve of the last `points` settled trades.

    The curve's running total is absolute: its last point is the whole history's total, so a
    curve cut to its latest points still reads true.
    """
    summaries = database.summary()
    total_usd = sum(s.net_profit_usd for s in summaries)
    stmt = (
        select(
            OutcomeRow.recorded_at,
            OutcomeRow.chain,
            OutcomeRow.tx_hash,
            OutcomeRow.status,
            OutcomeRow.net_profit_usd,
        )
        .order_by(OutcomeRow.recorded_at.desc(), OutcomeRow.execution_id.desc())
        .limit(points)
    )
    with (
        database_errors(database.engine.url, "reading the PnL"),
        Session(database.engine) as session,
    ):
        newest_first: list[tuple[datetime, str, str | None, str, float | None]] = [
            tuple(row) for row in session.execute(stmt)
        ]
        tokens = _tokens(session, (s.chain_id for s in summaries))
    curve: list[PnlPoint] = []
    running = total_usd
    for at, chain, tx_hash, status, net_usd in newest_first:
        curve.append(
            PnlPoint(
                at=at,
                chain=chain,
                tx_hash=tx_hash,
                status=status,
                net_profit_usd=net_usd or 0.0,
                cumulative_usd=running,
            )
        )
        running -= net_usd or 0.0
    curve.reverse()
    return PnlBody(
        net_profit_usd=total_usd,
        chains=[_chain_pnl(s, tokens) for s in summaries],
        curve=curve,
    )
