"""The statements that write the history's rows: inserts where a row is written once, upserts
where a later record of the same row carries more (a later stage, a reset, a measurement, a
re-read receipt), each on the database's own `ON CONFLICT` dialect."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import Insert

from omniarb.store._rows import TableRows
from omniarb.store.models import (
    AlertRow,
    BreakerTripRow,
    DecisionRow,
    ExecutionRow,
    OpportunityRow,
    OutcomeRow,
    ParamChangeRow,
    ReplacementRow,
    TokenRow,
)

__all__ = ["RowStatements"]

_OPPORTUNITIES: Table = OpportunityRow.__table__  # type: ignore[assignment]
_DECISIONS: Table = DecisionRow.__table__  # type: ignore[assignment]
_EXECUTIONS: Table = ExecutionRow.__table__  # type: ignore[assignment]
_OUTCOMES: Table = OutcomeRow.__table__  # type: ignore[assignment]
_TOKENS: Table = TokenRow.__table__  # type: ignore[assignment]
_ALERTS: Table = AlertRow.__table__  # type: ignore[assignment]
_BREAKER_TRIPS: Table = BreakerTripRow.__table__  # type: ignore[assignment]
_REPLACEMENTS: Table = ReplacementRow.__table__  # type: ignore[assignment]
_PARAM_CHANGES: Table = ParamChangeRow.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True, kw_only=True)
class RowStatements:
    """One statement per table the history writer writes, each returning its rows' keys.

    The RETURNING is what makes SQLAlchemy send an upsert's many rows as multi-row INSERTs
    ("insertmanyvalues") rather than through the driver's executemany: psycopg runs that in
    pipeline mode, after which PostgreSQL does not arm idle_in_transaction_session_timeout, so
    a process frozen inside the transaction would hold its row locks until it resumed (the
    worker that took its chain over waited behind them for minutes).
    """

    upsert_opportunity: Insert
    insert_decision: Insert
    insert_execution: Insert
    upsert_outcome: Insert
    upsert_token: Insert
    insert_alert: Insert
    upsert_breaker_trip: Insert
    insert_replacement: Insert
    upsert_param_change: Insert

    @classmethod
    def of(cls, dialect: str) -> RowStatements:
        """The statements in `dialect` ("postgresql" or "sqlite")."""
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        opportunities = insert(_OPPORTUNITIES)
        outcomes = insert(_OUTCOMES)
        tokens = insert(_TOKENS)
        trips = insert(_BREAKER_TRIPS)
        changes = insert(_PARAM_CHANGES)
        plain = cls(
            # The furthest stage's status wins; the row keeps what was detected.
            upsert_opportunity=opportunities.on_conflict_do_update(
                index_elements=[_OPPORTUNITIES.c.id],
                set_={
                    "status": opportunities.excluded.status,
                    "stage": opportunities.excluded.stage,
                    "updated_at": opportunities.excluded.updated_at,
                },
                where=_OPPORTUNITIES.c.stage < opportunities.excluded.stage,
            ),
            insert_decision=insert(_DECISIONS).on_conflict_do_nothing(),
            insert_execution=insert(_EXECUTIONS).on_conflict_do_nothing(),
            # A re-read receipt (a restart, a reorg) replaces the outcome: the chain has the
            # last word.
            upsert_outcome=outcomes.on_conflict_do_update(
                index_elements=[_OUTCOMES.c.execution_id],
                set_={
                    c.name: outcomes.excluded[c.name]
                    for c in _OUTCOMES.columns
                    if not c.primary_key
                },
            ),
            upsert_token=tokens.on_conflict_do_update(
                index_elements=[_TOKENS.c.chain_id, _TOKENS.c.address],
                set_={"symbol": tokens.excluded.symbol, "decimals": tokens.excluded.decimals},
            ),
            insert_alert=insert(_ALERTS).on_conflict_do_nothing(),
            # A trip is written when it trips and again when it is reset: the reset fills in
            # `reset_at`/`reset_by`, and a late copy of the trip never clears them.
            upsert_breaker_trip=trips.on_conflict_do_update(
                index_elements=[_BREAKER_TRIPS.c.id],
                set_={"reset_at": trips.excluded.reset_at, "reset_by": trips.excluded.reset_by},
                where=trips.excluded.reset_at.is_not(None),
            ),
            insert_replacement=insert(_REPLACEMENTS).on_conflict_do_nothing(),
            # A change is written when made and again when measured; a late copy of the made
            # one never clears the measurement.
            upsert_param_change=changes.on_conflict_do_update(
                index_elements=[_PARAM_CHANGES.c.id],
                set_={
                    name: changes.excluded[name]
                    for name in ("effect_reward_usd", "effect_samples", "evaluated_at", "reverted")
                },
                where=changes.excluded.evaluated_at.is_not(None),
            ),
        )
        return cls(**{f.name: _keyed(getattr(plain, f.name)) for f in fields(cls)})

    def write(self, connection: Connection, rows: TableRows) -> None:
        """`rows` through `connection`'s transaction, parents first, each table's as
        multi-row INSERTs (see the class docstring)."""
        steps: list[tuple[Insert, dict[Any, dict[str, Any]]]] = [
            (self.upsert_opportunity, rows.opportunities),
            (self.insert_decision, rows.decisions),
            (self.insert_execution, rows.executions),
            (self.upsert_outcome, rows.outcomes),
            (self.upsert_token, rows.tokens),
            (self.insert_alert, rows.alerts),
            (self.upsert_breaker_trip, rows.breaker_trips),
            (self.insert_replacement, rows.replacements),
            (self.upsert_param_change, rows.param_changes),
        ]
        for statement, table_rows in steps:
            if table_rows:
                connection.execute(statement, list(table_rows.values()))


def _keyed(statement: Insert) -> Insert:
    return statement.returning(*statement.table.primary_key.columns)  # type: ignore[attr-defined]
