"""Reading the history: trades (executions with their outcome and route); per-chain summaries
are `omniarb.store.summary`'s.

`TradeRecord.to_json()` is the one JSON shape of a trade, shared by `omniarb history --json` and
the run summary's `trades` list (issue #5: `chain`, `tx_hash`, `block_number`, `status`,
`profit_token`, `amount_in`, `predicted_profit_wei`, `realized_profit_wei`, `gas_used`,
`gas_cost_wei`, `net_profit_usd`, `touched_earlier_in_block`, and more; issue #17 added
`source` and `trigger_tx`, `channel` and `bundle_hash`, `bribe_wei` and `bribe_paid_wei`).
Amounts in base units (token or wei) are decimal strings, because they routinely pass 2**53
and a JavaScript or float-based JSON reader would round them; counts (block numbers, gas
units, nonces, chain ids) are JSON numbers; times are ISO 8601 in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from omniarb.stage_times import STAMPS
from omniarb.store._rows import route_from_json
from omniarb.store.models import ExecutionRow, OpportunityRow, OutcomeRow, TokenRow
from omniarb.types import Route

__all__ = ["TradeRecord", "load_trades"]


def _amount(value: int | None) -> str | None:
    return None if value is None else str(value)


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass(frozen=True, slots=True, kw_only=True)
class TradeRecord:
    """One execution with its outcome (None until settled) and the route it traded.

    `status` is the outcome's (`succeeded`, `reverted`, `dropped`; after a reorg also
    `replaced` or `pending`) once settled, else the execution's (`simulated`, `submitted`,
    `rejected`, `failed`). `block_number` is the block the transaction landed in when it did,
    else the block the opportunity was found on. `final`: past the chain's confirmation depth,
    so no reorg will change the record any more.

    `source` is what found it (`block`, `mempool`: a backrun of `trigger_tx`, or `cross-chain`);
    `channel` how it was sent (`public`, `bundle` with its `bundle_hash`, `sequencer`; None for
    a trade stored before it was recorded); `bribe_wei` the bribe the decision offered,
    `bribe_paid_wei` what the receipt shows was paid (None until settled).
    """

    execution_id: str
    opportunity_id: str
    chain: str
    chain_id: int
    block_number: int
    detected_block: int
    tx_hash: str | None
    nonce: int | None
    status: str
    route: Route
    route_symbols: tuple[str, ...]
    profit_token: str
    profit_symbol: str | None
    profit_decimals: int | None
    amount_in: int
    predicted_profit: int
    min_profit: int
    flash_source: str
    realized_profit: int | None
    gas_used: int | None
    effective_gas_price_wei: int | None
    gas_cost_wei: int | None
    l1_fee_wei: int | None
    net_profit_usd: float | None
    touched_earlier_in_block: bool | None
    error: str | None
    submitted_at: datetime
    settled_at: datetime | None
    detect_to_submit_ms: float | None
    submit_to_confirm_ms: float | None
    final: bool = False
    # The live path's stamps as ns since the block's notification (`StageTimes.offsets_ns`);
    # None for a trade stored before they were kept.
    stage_offsets_ns: dict[str, int | None] | None = None
    source: str = "block"
    trigger_tx: str | None = None
    channel: str | None = None
    bundle_hash: str | None = None
    bribe_wei: int = 0
    bribe_paid_wei: int | None = None
    # Lost to a rival's arbitrage that ran first (None: not settled), and the rival's hash.
    lost_to_rival: bool | None = None
    rival_tx_hash: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The trade as JSON-able data: amounts as decimal strings, counts as numbers."""
        return {
            "chain": self.chain,
            "chain_id": self.chain_id,
            "tx_hash": self.tx_hash,
            "block_number": self.block_number,
            "detected_block": self.detected_block,
            "status": self.status,
            "final": self.final,
            "route": list(self.route_symbols),
            "pools": list(self.route.pools),
            "profit_token": self.profit_token,
            "profit_symbol": self.profit_symbol,
            "amount_in": str(self.amount_in),
            "predicted_profit_wei": str(self.predicted_profit),
            "min_profit_wei": str(self.min_profit),
            "flash_source": self.flash_source,
            "realized_profit_wei": _amount(self.realized_profit),
            "gas_used": self.gas_used,
            "effective_gas_price_wei": _amount(self.effective_gas_price_wei),
            "gas_cost_wei": _amount(self.gas_cost_wei),
            "l1_fee_wei": _amount(self.l1_fee_wei),
            "net_profit_usd": self.net_profit_usd,
            "touched_earlier_in_block": self.touched_earlier_in_block,
            "nonce": self.nonce,
            "error": self.error,
            "submitted_at": _time(self.submitted_at),
            "settled_at": _time(self.settled_at),
            "detect_to_submit_ms": self.detect_to_submit_ms,
            "submit_to_confirm_ms": self.submit_to_confirm_ms,
            "stage_offsets_ns": self.stage_offsets_ns,
            "source": self.source,
            "trigger_tx": self.trigger_tx,
            "channel": self.channel,
            "bundle_hash": self.bundle_hash,
            "bribe_wei": str(self.bribe_wei),
            "bribe_paid_wei": _amount(self.bribe_paid_wei),
            "lost_to_rival": self.lost_to_rival,
            "rival_tx_hash": self.rival_tx_hash,
            "opportunity_id": self.opportunity_id,
            "execution_id": self.execution_id,
        }


def _in_path_order(offsets_ns: dict[str, int | None] | None) -> dict[str, int | None] | None:
    # PostgreSQL's JSONB keeps its own key order: read the stamps back in the path's.
    if offsets_ns is None:
        return None
    return {name: offsets_ns.get(name) for name in STAMPS}


def _short(address: str) -> str:
    return f"{address[:6]}…{address[-4:]}" if len(address) > 12 else address


def _token_info(session: Session, chain_ids: set[int]) -> dict[tuple[int, str], TokenRow]:
    if not chain_ids:
        return {}
    rows = session.scalars(select(TokenRow).where(TokenRow.chain_id.in_(chain_ids)))
    return {(row.chain_id, row.address.lower()): row for row in rows}


def load_trades(
    session: Session, *, chain: str | None = None, status: str | None = None, limit: int = 50
) -> list[TradeRecord]:
    """The newest `limit` trades, optionally of one chain (name or id) and one status."""
    trade_status = func.coalesce(OutcomeRow.status, ExecutionRow.status)
    stmt = (
        select(
            ExecutionRow,
            OutcomeRow,
            OpportunityRow.route,
            OpportunityRow.profit_token,
            OpportunityRow.source,
            OpportunityRow.trigger_tx,
        )
        .join(OpportunityRow, OpportunityRow.id == ExecutionRow.opportunity_id)
        .outerjoin(OutcomeRow, OutcomeRow.execution_id == ExecutionRow.id)
        .order_by(ExecutionRow.recorded_at.desc(), ExecutionRow.id.desc())
        .limit(limit)
    )
    if chain is not None:
        stmt = stmt.where(
            ExecutionRow.chain_id == int(chain) if chain.isdigit() else ExecutionRow.chain == chain
        )
    if status is not None:
        stmt = stmt.where(trade_status == status)
    found = session.execute(stmt).tuples().all()
    tokens = _token_info(session, {row[0].chain_id for row in found})
    return [
        replace(_trade(e, o, route, token, tokens), source=source, trigger_tx=trigger)
        for e, o, route, token, source, trigger in found
    ]


def _trade(
    execution: ExecutionRow,
    outcome: OutcomeRow | None,
    route_json: list[dict[str, Any]],
    profit_token: str,
    tokens: dict[tuple[int, str], TokenRow],
) -> TradeRecord:
    route = route_from_json(execution.chain_id, route_json)
    path = [route.token_in, *(hop.token_out for hop in route.hops)]
    symbols = []
    for address in path:
        token = tokens.get((execution.chain_id, address.lower()))
        symbols.append(_short(address) if token is None else token.symbol)
    profit = tokens.get((execution.chain_id, profit_token.lower()))
    trade = TradeRecord(
        execution_id=execution.id,
        opportunity_id=execution.opportunity_id,
        chain=execution.chain,
        chain_id=execution.chain_id,
        block_number=execution.block_number,
        detected_block=execution.block_number,
        tx_hash=execution.tx_hash,
        nonce=execution.nonce,
        status=execution.status,
        route=route,
        route_symbols=tuple(symbols),
        profit_token=profit_token,
        profit_symbol=None if profit is None else profit.symbol,
        profit_decimals=None if profit is None else profit.decimals,
        amount_in=execution.amount_in,
        predicted_profit=execution.predicted_profit,
        min_profit=execution.min_profit,
        flash_source=execution.flash_source,
        realized_profit=None,
        gas_used=None,
        effective_gas_price_wei=None,
        gas_cost_wei=None,
        l1_fee_wei=None,
        net_profit_usd=None,
        touched_earlier_in_block=None,
        error=execution.error,
        submitted_at=execution.recorded_at,
        settled_at=None,
        detect_to_submit_ms=execution.detect_to_submit_ms,
        submit_to_confirm_ms=None,
        stage_offsets_ns=_in_path_order(execution.stage_offsets_ns),
        channel=execution.channel,
        bundle_hash=execution.bundle_hash,
        bribe_wei=execution.bribe_wei,
    )
    if outcome is None:
        return trade
    return replace(
        trade,
        block_number=trade.block_number if outcome.block_number is None else outcome.block_number,
        # The transaction the chain holds: a replacement's when one was mined instead.
        tx_hash=outcome.tx_hash or trade.tx_hash,
        status=outcome.status,
        realized_profit=outcome.realized_profit,
        gas_used=outcome.gas_used,
        effective_gas_price_wei=outcome.effective_gas_price_wei,
        gas_cost_wei=outcome.gas_cost_wei,
        l1_fee_wei=outcome.l1_fee_wei,
        net_profit_usd=outcome.net_profit_usd,
        touched_earlier_in_block=outcome.touched_earlier_in_block,
        error=outcome.error,
        settled_at=outcome.recorded_at,
        submit_to_confirm_ms=outcome.submit_to_confirm_ms,
        final=outcome.final,
        bribe_paid_wei=outcome.bribe_wei,
        lost_to_rival=outcome.lost_to_rival,
        rival_tx_hash=outcome.rival_tx_hash,
    )
