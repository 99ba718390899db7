"""Pipeline values → table rows: the one place that knows how a record is laid out in the store.

Callers hand the store the values of `omniarb.types` as they are; this module derives the row ids,
the chain names, the statuses and the latencies. A later record carries its earlier ones
(an `Outcome` holds its `Execution`, which holds its `Decision` and `Opportunity`), so each record
yields its parents' rows too: written with "insert if absent", they keep every foreign key valid
even when the engine recorded only the last stage.

A new kind of record is a value type added to `Record`, a model and a migration, a `case` in
`rows_of` with a field of `TableRows`, and one statement in `HistoryDatabase.write`; the writer
and its batching need no change. Alerts (`omniarb.monitor.Alert`) and circuit-breaker trips
(`omniarb.risk.breaker.BreakerTrip`) were added that way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from omniarb.monitor.alerts import Alert
from omniarb.optimize.change import ParamChange
from omniarb.risk.breaker import BreakerTrip
from omniarb.store._side_rows import (
    alert_row,
    breaker_trip_row,
    chain_name,
    param_change_row,
    replacement_row,
)
from omniarb.types import (
    Decision,
    Execution,
    Hop,
    Opportunity,
    Outcome,
    Replacement,
    Route,
    Token,
)

__all__ = [
    "STAGES",
    "Pending",
    "Record",
    "TableRows",
    "decision_id",
    "execution_id",
    "outcome_status",
    "route_from_json",
    "rows_of",
]

Record = (
    Opportunity
    | Decision
    | Execution
    | Outcome
    | Token
    | Alert
    | BreakerTrip
    | Replacement
    | ParamChange
)

# Opportunity status rank: a record of an earlier stage never moves the status backwards.
STAGES = {"detected": 0, "decided": 1, "executed": 2, "settled": 3}

_NS_PER_MS = 1_000_000


@dataclass(frozen=True, slots=True)
class Pending:
    """A record waiting in the writer's queue, stamped with the wall time it was handed over."""

    value: Record
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class TableRows:
    """Each table's rows for a batch, keyed by primary key (one row per key)."""

    opportunities: dict[str, dict[str, Any]]
    decisions: dict[str, dict[str, Any]]
    executions: dict[str, dict[str, Any]]
    outcomes: dict[str, dict[str, Any]]
    tokens: dict[tuple[int, str], dict[str, Any]]
    alerts: dict[str, dict[str, Any]] = field(default_factory=dict)
    breaker_trips: dict[str, dict[str, Any]] = field(default_factory=dict)
    param_changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    replacements: dict[str, dict[str, Any]] = field(default_factory=dict)


def decision_id(decision: Decision) -> str:
    """The decision's row id: its opportunity's id and the decision's stamp."""
    return f"{decision.opportunity.id}/d{decision.decided_ns}"


def execution_id(execution: Execution) -> str:
    """The execution's row id (also its outcome's): its opportunity's id and, for a sent one,
    its transaction's hash, else its stamp.

    A sent trade's id is one every process derives alike: a worker that took over a chain
    rebuilds the trade of a claim whose rows the previous holder had not written yet
    (`omniarb.store.unsettled.load_unrecorded_sends`), and if that holder was only frozen and
    writes them after all, its rows land on the same ids (inserted only once) instead of
    recording the one transaction twice. A row read back keeps the id it was written with.
    """
    if execution.record_id is not None:
        return execution.record_id
    opportunity_id = execution.decision.opportunity.id
    if execution.tx_hash is not None:
        return f"{opportunity_id}/x{execution.tx_hash}"
    return f"{opportunity_id}/x{execution.submitted_ns}"


def outcome_status(outcome: Outcome) -> str:
    return outcome.status


def _latency_ms(start_ns: int, end_ns: int) -> float | None:
    # An unset stamp is 0: no latency rather than a nonsense one.
    if start_ns <= 0 or end_ns < start_ns:
        return None
    return (end_ns - start_ns) / _NS_PER_MS


def route_json(route: Route) -> list[dict[str, Any]]:
    """The stored route column; a hop's tick spacing and its pool's own currencies only where
    it has them (rows written before hops carried them read back the same)."""
    return [
        {
            "pool": hop.pool,
            "dex": hop.dex,
            "kind": hop.kind,
            "token_in": hop.token_in,
            "token_out": hop.token_out,
            "zero_for_one": hop.zero_for_one,
            "fee_pips": hop.fee_pips,
            **({} if hop.tick_spacing is None else {"tick_spacing": hop.tick_spacing}),
            **({} if hop.currency_in is None else {"currency_in": hop.currency_in}),
            **({} if hop.currency_out is None else {"currency_out": hop.currency_out}),
        }
        for hop in route.hops
    ]


def route_from_json(chain_id: int, hops: list[dict[str, Any]]) -> Route:
    """The `Route` a stored route column describes."""
    return Route(chain_id=chain_id, hops=tuple(Hop(**hop) for hop in hops))


def _common(opp: Opportunity) -> dict[str, Any]:
    return {
        "chain_id": opp.chain_id,
        "chain": chain_name(opp.chain_id),
        "block_number": opp.block_number,
    }


def _opportunity(opp: Opportunity, at: datetime, status: str, stage: str) -> dict[str, Any]:
    return {
        "id": opp.id,
        **_common(opp),
        "source": str(opp.source),
        "trigger_tx": opp.trigger_tx,
        "route": route_json(opp.route),
        "profit_token": opp.route.token_in,
        "amount_in": opp.amount_in,
        "amount_out": opp.amount_out,
        "predicted_profit": opp.gross_profit,
        "net_profit": opp.net_profit,
        "net_profit_usd": opp.net_profit_usd,
        "gas_estimate": opp.gas_estimate,
        "gas_price_wei": opp.gas_price_wei,
        "gas_cost_wei": opp.gas_cost_wei,
        "status": status,
        "stage": STAGES[stage],
        "detected_ns": opp.detected_ns,
        "recorded_at": at,
        "updated_at": at,
    }


def _decision(decision: Decision, at: datetime) -> dict[str, Any]:
    opp = decision.opportunity
    return {
        "id": decision_id(decision),
        "opportunity_id": opp.id,
        **_common(opp),
        "status": "approved" if decision.approved else "declined",
        "approved": decision.approved,
        "reasons": list(decision.reasons),
        "amount_in": decision.amount_in,
        "predicted_profit": decision.expected_profit,
        "min_profit": decision.min_profit,
        "gas_estimate": decision.trade_gas_estimate,
        "p_success": decision.p_success,
        "expected_value_usd": decision.expected_value_usd,
        "bribe_wei": decision.bribe_wei,
        "flash_source": str(decision.flash_source or ""),
        "decided_ns": decision.decided_ns,
        "recorded_at": at,
        "features": list(decision.features) if decision.feature_version else None,
        "feature_version": decision.feature_version or None,
    }


def _execution(execution: Execution, at: datetime) -> dict[str, Any]:
    decision = execution.decision
    opp = decision.opportunity
    return {
        "id": execution_id(execution),
        "opportunity_id": opp.id,
        "decision_id": decision_id(decision),
        **_common(opp),
        "status": str(execution.status),
        "tx_hash": execution.tx_hash,
        "nonce": execution.nonce,
        "amount_in": decision.amount_in,
        "predicted_profit": decision.expected_profit,
        "min_profit": decision.min_profit,
        "flash_source": str(decision.flash_source or ""),
        "gas_estimate": decision.trade_gas_estimate,
        "max_fee_per_gas_wei": execution.max_fee_per_gas_wei,
        "priority_fee_wei": execution.priority_fee_wei,
        "bribe_wei": decision.bribe_wei,
        "error": execution.error,
        "submitted_ns": execution.submitted_ns,
        "detect_to_submit_ms": _latency_ms(opp.detected_ns, execution.submitted_ns),
        "stage_offsets_ns": execution.times.offsets_ns() if execution.times.notified_ns else None,
        "channel": str(execution.channel),
        "bundle_hash": execution.bundle_hash,
        "recorded_at": at,
    }


def _net_profit_usd(outcome: Outcome) -> float | None:
    """Realized profit minus gas in USD, at the prices the detector used for this opportunity.

    `Outcome` carries no USD figure, so the two rates are recovered from the opportunity: USD per
    profit-token unit (`net_profit_usd / net_profit`) and profit-token units per wei of gas
    (`gas_in_token / gas_cost_wei`); the L1 data fee paid is converted at the same rate. None
    when the opportunity cannot give them.
    """
    opp = outcome.execution.decision.opportunity
    if opp.net_profit == 0 or opp.gas_cost_wei == 0:
        return None
    usd_per_unit = opp.net_profit_usd / opp.net_profit
    fees_in_token = outcome.total_fee_wei * opp.gas_in_token / opp.gas_cost_wei
    return (outcome.realized_profit - fees_in_token) * usd_per_unit


def _outcome(outcome: Outcome, at: datetime) -> dict[str, Any]:
    execution = outcome.execution
    opp = execution.decision.opportunity
    return {
        "execution_id": execution_id(execution),
        "opportunity_id": opp.id,
        "chain_id": opp.chain_id,
        "chain": chain_name(opp.chain_id),
        "block_number": outcome.block_number,
        "tx_hash": outcome.tx_hash,
        "status": outcome_status(outcome),
        "included": outcome.included,
        "success": outcome.success,
        "amount_in": execution.decision.amount_in,
        "predicted_profit": execution.decision.expected_profit,
        "realized_profit": outcome.realized_profit,
        "gas_estimate": execution.decision.trade_gas_estimate,
        "gas_used": outcome.gas_used,
        "effective_gas_price_wei": outcome.effective_gas_price_wei,
        "gas_cost_wei": outcome.gas_cost_wei,
        "l1_fee_wei": outcome.l1_fee_wei,
        "bribe_wei": outcome.bribe_paid_wei,
        "net_profit_usd": _net_profit_usd(outcome),
        "touched_earlier_in_block": outcome.touched_earlier_in_block,
        "lost_to_rival": outcome.lost_to_rival,
        "rival_tx_hash": outcome.rival_tx_hash,
        "block_hash": outcome.block_hash,
        "final": outcome.final,
        "error": None if outcome.success else execution.error,
        "confirmed_ns": outcome.confirmed_ns,
        "submit_to_confirm_ms": _latency_ms(execution.submitted_ns, outcome.confirmed_ns),
        "detect_to_confirm_ms": _latency_ms(opp.detected_ns, outcome.confirmed_ns),
        "recorded_at": at,
    }


def _token(token: Token) -> dict[str, Any]:
    return {
        "chain_id": token.chain_id,
        "address": token.address,
        "chain": chain_name(token.chain_id),
        "symbol": token.symbol,
        "decimals": token.decimals,
    }


def _put_opportunity(rows: TableRows, row: dict[str, Any]) -> None:
    # Within a batch as in the table: the row keeps what was detected (the allocator may re-size
    # the trade; its decision row says to what), and the furthest stage's status wins.
    seen = rows.opportunities.get(row["id"])
    if seen is None:
        rows.opportunities[row["id"]] = row
    elif seen["stage"] < row["stage"]:
        moved = {key: row[key] for key in ("status", "stage", "updated_at")}
        rows.opportunities[row["id"]] = {**seen, **moved}


def rows_of(batch: list[Pending]) -> TableRows:
    """The rows a batch of records writes, parents included, one per primary key."""
    rows = TableRows({}, {}, {}, {}, {})
    for pending in batch:
        value, at = pending.value, pending.recorded_at
        match value:
            case Token():
                rows.tokens[(value.chain_id, value.address)] = _token(value)
                continue
            case Opportunity():
                _put_opportunity(rows, _opportunity(value, at, "detected", "detected"))
                continue
            case Alert():
                rows.alerts.setdefault(value.id, alert_row(value, at))
                continue
            case Replacement():
                rows.replacements.setdefault(value.id, replacement_row(value, at))
                continue
            case BreakerTrip():
                # A trip and its reset share the id; within a batch the reset wins.
                seen = rows.breaker_trips.get(value.id)
                if seen is None or value.reset_at is not None:
                    rows.breaker_trips[value.id] = breaker_trip_row(value, at)
                continue
            case ParamChange():
                # Made, then measured: within a batch the measured one wins.
                seen = rows.param_changes.get(value.id)
                if seen is None or value.evaluated_at is not None:
                    rows.param_changes[value.id] = param_change_row(value, at)
                continue
            case Decision():
                decision, execution, outcome = value, None, None
                status, stage = ("approved" if value.approved else "declined"), "decided"
            case Execution():
                decision, execution, outcome = value.decision, value, None
                status, stage = str(value.status), "executed"
            case Outcome():
                decision, execution, outcome = value.execution.decision, value.execution, value
                status, stage = outcome_status(value), "settled"
        _put_opportunity(rows, _opportunity(decision.opportunity, at, status, stage))
        rows.decisions.setdefault(decision_id(decision), _decision(decision, at))
        if execution is not None:
            rows.executions.setdefault(execution_id(execution), _execution(execution, at))
        if outcome is not None:
            rows.outcomes[execution_id(outcome.execution)] = _outcome(outcome, at)
    return rows
