"""Reading the optimizer's parameter changes back (`omniarb.optimize.ParamChange`), newest
first, and the opportunities the risk stage judged (the offline optimizer's denominator)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniarb.optimize.change import ParamChange
from omniarb.optimize.params import PARAM_NAMES, ParamName, ParamValue
from omniarb.store._rows import STAGES
from omniarb.store.models import OpportunityRow, ParamChangeRow

__all__ = ["load_judged", "load_param_changes"]


def _value(text: str) -> ParamValue:
    """Stored decimal text back to a number: an int when it is whole ("1000", "2e9" never
    occurs: ints are written as digits), else a float."""
    number = Decimal(text)
    return int(number) if "." not in text and "e" not in text.lower() else float(number)


def _param(text: str) -> ParamName:
    for name in PARAM_NAMES:
        if name == text:
            return name
    raise ValueError(f"a stored parameter change names an unknown parameter {text!r}")


def load_param_changes(
    session: Session, *, chain: str | None = None, limit: int = 100
) -> list[ParamChange]:
    """The newest `limit` parameter changes, optionally of one chain."""
    stmt = (
        select(ParamChangeRow)
        .order_by(ParamChangeRow.changed_at.desc(), ParamChangeRow.id.desc())
        .limit(limit)
    )
    if chain is not None:
        stmt = stmt.where(ParamChangeRow.chain == chain)
    return [
        ParamChange(
            id=row.id,
            chain=row.chain,
            param=_param(row.param),
            old_value=_value(row.old_value),
            new_value=_value(row.new_value),
            reason=row.reason,
            baseline_reward_usd=row.baseline_reward_usd,
            baseline_samples=row.baseline_samples,
            changed_at=row.changed_at,
            effect_reward_usd=row.effect_reward_usd,
            effect_samples=row.effect_samples,
            evaluated_at=row.evaluated_at,
            reverted=row.reverted,
        )
        for row in session.scalars(stmt)
    ]


def load_judged(session: Session) -> list[tuple[str, datetime]]:
    """The chain and recording time of every opportunity that reached the risk stage's
    decision (approved or declined), oldest first."""
    stmt = (
        select(OpportunityRow.chain, OpportunityRow.recorded_at)
        .where(OpportunityRow.stage >= STAGES["decided"])
        .order_by(OpportunityRow.recorded_at)
    )
    return [(chain, at) for chain, at in session.execute(stmt)]
