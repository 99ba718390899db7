"""Reading the incident history: stored alerts and circuit-breaker trips, newest first.

They come back as the values that were recorded (`Alert`, `BreakerTrip`), so the API and the
report use one shape, and each value's `to_json()` is its one JSON form.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniarb.monitor.alerts import Alert, Severity
from omniarb.risk.breaker import BreakerTrip, TripReason
from omniarb.store.models import AlertRow, BreakerTripRow

__all__ = ["load_alerts", "load_breaker_trips"]


def load_alerts(
    session: Session,
    *,
    rule: str | None = None,
    since: datetime | None = None,
    limit: int = 50,
) -> list[Alert]:
    """The newest `limit` alerts, optionally of one rule and fired at or after `since`."""
    stmt = select(AlertRow).order_by(AlertRow.fired_at.desc(), AlertRow.id.desc()).limit(limit)
    if rule is not None:
        stmt = stmt.where(AlertRow.rule == rule)
    if since is not None:
        stmt = stmt.where(AlertRow.fired_at >= since)
    return [
        Alert(
            id=row.id,
            rule=row.rule,
            severity=Severity(row.severity),
            key=row.key,
            summary=row.summary,
            fired_at=row.fired_at,
            chain=row.chain,
            value=row.value,
            threshold=row.threshold,
            suppressed=row.suppressed,
        )
        for row in session.scalars(stmt)
    ]


def load_breaker_trips(
    session: Session, *, scope: str | None = None, limit: int = 50
) -> list[BreakerTrip]:
    """The newest `limit` breaker trips (with their resets), optionally of one scope."""
    stmt = (
        select(BreakerTripRow)
        .order_by(BreakerTripRow.tripped_at.desc(), BreakerTripRow.id.desc())
        .limit(limit)
    )
    if scope is not None:
        stmt = stmt.where(BreakerTripRow.scope == scope)
    return [
        BreakerTrip(
            id=row.id,
            scope=row.scope,
            reason=TripReason(row.reason),
            detail=row.detail,
            consecutive_failures=row.consecutive_failures,
            loss_usd=row.loss_usd,
            tripped_at=row.tripped_at,
            tripped_by=row.tripped_by,
            reset_at=row.reset_at,
            reset_by=row.reset_by,
        )
        for row in session.scalars(stmt)
    ]
