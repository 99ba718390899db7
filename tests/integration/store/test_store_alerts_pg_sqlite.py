"""Alerts and circuit-breaker trips in the history, on SQLite and PostgreSQL: they round-trip
as the values recorded, a reset fills in its trip's row (and a late copy of the trip never
clears it), writes are idempotent, and migration 0002 goes up and down on its own."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from _store_values import trade

from omniarb.monitor import Alert, Severity
from omniarb.risk.breaker import BreakerTrip, TripReason
from omniarb.store import HistoryStore
from omniarb.store.engine import make_engine
from omniarb.store.schema import current_revision, downgrade, upgrade

T0 = datetime(2026, 11, 28, 12, 0, 0, 123456, tzinfo=UTC)


def alert(n: int, *, rule: str = "market_move", suppressed: str | None = None) -> Alert:
    return Alert(
        id=f"{rule}-{n}",
        rule=rule,
        severity=Severity.WARNING if n % 2 else Severity.CRITICAL,
        key=f"{rule}:polygon:0x{n:040x}",
        summary=f"polygon: pool moved, n={n} — “quoted” ünïcode",
        fired_at=T0 + timedelta(seconds=n),
        chain="polygon" if n % 3 else None,
        value=-4.25 * n if n % 4 else None,
        threshold=4.0,
        suppressed=suppressed,
    )


TRIP = BreakerTrip(
    id="global-abc",
    scope="global",
    reason=TripReason.LOSS,
    detail="lost $612.50 over the last 3600 s (limit $500.00)",
    consecutive_failures=2,
    loss_usd=612.5,
    tripped_at=T0,
    tripped_by="auto",
)


async def test_alerts_round_trip_newest_first_and_filter(db_url: str) -> None:
    alerts = [alert(n) for n in range(6)] + [
        alert(9, rule="breaker_trip", suppressed="rate_limited")
    ]
    async with HistoryStore.open(db_url) as store:
        for value in alerts:
            await store.record(value)
        await store.record(alerts[0])  # written twice: one row
        await store.flush()
        stored = store.alerts()
        assert stored == sorted(alerts, key=lambda a: a.fired_at, reverse=True)
        assert store.alerts(rule="breaker_trip") == [alerts[-1]]
        assert store.alerts(since=T0 + timedelta(seconds=4), limit=2) == [alerts[-1], alerts[5]]


async def test_a_reset_fills_in_the_trip_and_a_late_copy_does_not_undo_it(db_url: str) -> None:
    reset = replace(TRIP, reset_at=T0 + timedelta(minutes=5), reset_by="api")
    other = replace(TRIP, id="bnb-1", scope="bnb", tripped_at=T0 + timedelta(minutes=1))
    async with HistoryStore.open(db_url) as store:
        await store.record(TRIP)
        await store.flush()
        assert store.breaker_trips() == [TRIP]
        await store.record(reset)
        await store.record(other)
        await store.flush()
        await store.record(TRIP)  # a retried batch with the old copy
        await store.flush()
        assert store.breaker_trips() == [other, reset]
        assert store.breaker_trips(scope="global") == [reset]


async def test_a_trip_and_its_reset_in_one_batch(db_url: str) -> None:
    reset = replace(TRIP, reset_at=T0 + timedelta(seconds=1), reset_by="cli")
    async with HistoryStore.open(db_url) as store:
        await store.record(TRIP)
        await store.record(reset)
        await store.record(trade(1))  # alongside the pipeline's records
        await store.flush()
        assert store.breaker_trips() == [reset]
        assert len(store.trades()) == 1


def test_migration_0002_up_and_down_alone(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine, "0001")
    assert not sa.inspect(engine).has_table("alerts")
    upgrade(engine, "0002")
    assert current_revision(engine) == "0002"
    assert {"alerts", "breaker_trips"} <= set(sa.inspect(engine).get_table_names())
    downgrade(engine, "0001")
    tables = set(sa.inspect(engine).get_table_names())
    assert current_revision(engine) == "0001"
    assert "alerts" not in tables
    assert "breaker_trips" not in tables
    assert "outcomes" in tables  # 0001's tables stay
    engine.dispose()
