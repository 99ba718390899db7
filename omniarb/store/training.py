"""The predictor's training rows: each sent trade's decision-time features with what became of
it (landed or not, realized net profit in USD), oldest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from omniarb.store.models import DecisionRow, ExecutionRow, OpportunityRow, OutcomeRow

__all__ = ["TrainingRow", "count_model_scored", "count_training_rows", "load_training_rows"]


@dataclass(frozen=True, slots=True, kw_only=True)
class TrainingRow:
    """One settled trade: its features, what it was predicted to make, what it made."""

    decision_id: str
    chain: str
    decided_at: datetime
    features: tuple[float, ...]
    predicted_net_usd: float
    gas_cost_usd: float
    success: bool
    realized_net_usd: float


def load_training_rows(session: Session, *, feature_version: int) -> list[TrainingRow]:
    """Settled trades whose decision stored features of `feature_version`, in decision order.

    A trade without a USD figure (an opportunity that could not price it) is left out; a
    pending outcome (its block reorged away, not settled again yet) is not a label yet.
    """
    query = (
        select(DecisionRow, OpportunityRow, OutcomeRow)
        .join(ExecutionRow, ExecutionRow.decision_id == DecisionRow.id)
        .join(OutcomeRow, OutcomeRow.execution_id == ExecutionRow.id)
        .join(OpportunityRow, OpportunityRow.id == DecisionRow.opportunity_id)
        .where(DecisionRow.feature_version == feature_version)
        .where(OutcomeRow.status != "pending")
        .order_by(DecisionRow.recorded_at, DecisionRow.id)
    )
    rows = []
    for decision, opportunity, outcome in session.execute(query).tuples():
        if decision.features is None or outcome.net_profit_usd is None:
            continue
        net = opportunity.net_profit
        rate = opportunity.net_profit_usd / net if net != 0 else 0.0
        rows.append(
            TrainingRow(
                decision_id=decision.id,
                chain=decision.chain,
                decided_at=decision.recorded_at,
                features=tuple(float(v) for v in decision.features),
                predicted_net_usd=opportunity.net_profit_usd,
                gas_cost_usd=(opportunity.predicted_profit - net) * rate,
                success=outcome.success,
                realized_net_usd=outcome.net_profit_usd,
            )
        )
    return rows


def count_training_rows(session: Session, *, feature_version: int) -> int:
    """How many rows `load_training_rows` would return, counted by the database (one cheap
    query a running demo can poll)."""
    query = (
        select(func.count())
        .select_from(DecisionRow)
        .join(ExecutionRow, ExecutionRow.decision_id == DecisionRow.id)
        .join(OutcomeRow, OutcomeRow.execution_id == ExecutionRow.id)
        .where(DecisionRow.feature_version == feature_version)
        .where(DecisionRow.features.is_not(None))
        .where(OutcomeRow.status != "pending")
        .where(OutcomeRow.net_profit_usd.is_not(None))
    )
    return int(session.execute(query).scalar_one())


def count_model_scored(session: Session, *, since: datetime) -> int:
    """Decisions recorded at or after `since` whose p(success) is below 1: the baseline's is
    exactly 1, so these were scored by a model."""
    query = (
        select(func.count())
        .select_from(DecisionRow)
        .where(DecisionRow.recorded_at >= since)
        .where(DecisionRow.p_success < 1.0)
    )
    return int(session.execute(query).scalar_one())
