"""A sent trade's live-path stamps in the history, on SQLite and PostgreSQL: they round-trip as
ns since the block's notification, in the path's order; an execution never stamped, and a row
written before migration 0006, read as none; 0006 adds the column and removes it again."""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa
from _store_values import trade

from omniarb.stage_times import STAMPS, StageTimes
from omniarb.store import HistoryStore
from omniarb.store.engine import make_engine
from omniarb.store.schema import current_revision, downgrade, upgrade
from omniarb.types import Outcome

_PREVIOUS = "0005_stuck_tx"


def stamped(outcome: Outcome, *, origin_ns: int = 7_000_000_000_000) -> Outcome:
    """`outcome` whose execution went through every stamp, 1.5 ms apart (then 40 ms of ack)."""
    stamps = {f"{name}_ns": origin_ns + 1_500_000 * i for i, name in enumerate(STAMPS)}
    stamps["acked_ns"] += 40_000_000
    execution = replace(outcome.execution, times=StageTimes(**stamps))
    return replace(outcome, execution=execution)


async def _record(store: HistoryStore, *outcomes: Outcome) -> None:
    for outcome in outcomes:
        await store.record(outcome)
    await store.flush()


async def test_stage_offsets_round_trip_in_the_path_s_order(db_url: str) -> None:
    timed, untimed = stamped(trade(1)), trade(2)
    async with HistoryStore.open(db_url) as store:
        await _record(store, timed, untimed)
        trades = {t.opportunity_id: t for t in store.trades()}
    offsets = trades[timed.execution.decision.opportunity.id].stage_offsets_ns
    assert offsets == timed.execution.times.offsets_ns()
    assert offsets is not None
    assert list(offsets) == list(STAMPS)
    assert offsets["notified"] == 0
    assert offsets["acked"] == 1_500_000 * (len(STAMPS) - 1) + 40_000_000
    assert trades[untimed.execution.decision.opportunity.id].stage_offsets_ns is None
    as_json = trades[timed.execution.decision.opportunity.id].to_json()
    assert as_json["stage_offsets_ns"] == offsets


async def test_a_row_from_before_0006_reads_as_none(db_url: str) -> None:
    async with HistoryStore.open(db_url) as store:
        await _record(store, stamped(trade(1)))
    engine = make_engine(db_url)
    downgrade(engine, _PREVIOUS)
    upgrade(engine, "head")
    engine.dispose()
    async with HistoryStore.open(db_url) as store:
        (record,) = store.trades()
    assert record.stage_offsets_ns is None
    assert record.to_json()["stage_offsets_ns"] is None


def test_migration_0006_up_and_down_alone(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine, _PREVIOUS)
    columns = {c["name"] for c in sa.inspect(engine).get_columns("executions")}
    assert "stage_offsets_ns" not in columns
    upgrade(engine, "0006_stage_times")
    assert current_revision(engine) == "0006_stage_times"
    columns = {c["name"] for c in sa.inspect(engine).get_columns("executions")}
    assert "stage_offsets_ns" in columns
    downgrade(engine, _PREVIOUS)
    assert current_revision(engine) == _PREVIOUS
    columns = {c["name"] for c in sa.inspect(engine).get_columns("executions")}
    assert "stage_offsets_ns" not in columns
    engine.dispose()
