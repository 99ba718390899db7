"""A submission claim writes its trade's opportunity and decision rows with itself, so a process
stopped before its history writer's batch leaves a claim the next holder of the chain can
rebuild; and a sent trade's execution row has one id whichever process writes it, so the
sender's late rows and the successor's rebuilt ones are one record, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

import _store_values as v
from sqlalchemy import Table, delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from omniarb.store import HistoryDatabase, HistoryStore
from omniarb.store._rows import Pending
from omniarb.store.models import DecisionRow, ExecutionRow, OpportunityRow, OutcomeRow
from omniarb.store.writer import WriterSettings

_EXECUTIONS: Table = ExecutionRow.__table__  # type: ignore[assignment]
_DECISIONS: Table = DecisionRow.__table__  # type: ignore[assignment]
_OPPORTUNITIES: Table = OpportunityRow.__table__  # type: ignore[assignment]

# A batch that is never written during the test unless flushed: the window a stopped
# process leaves between its claim and its rows.
_HELD = WriterSettings(max_delay_ms=3_600_000.0, max_batch=1_000)


def _columns(engine: Engine, model: Any) -> list[dict[str, Any]]:
    with Session(engine) as session:
        order = [column for column in model.__table__.primary_key.columns]
        rows = session.scalars(select(model).order_by(*order)).all()
        return [{c.name: getattr(row, c.key) for c in model.__mapper__.columns} for row in rows]


async def test_a_claim_writes_the_rows_its_batch_still_holds(db_url: str) -> None:
    opp = v.opportunity(1)
    decision = v.decision(opp)
    async with HistoryStore.open(db_url, settings=_HELD) as store:
        await store.record(opp)
        await store.record(decision)
        assert _columns(store.database.engine, DecisionRow) == []
        assert await store.submissions.claim(opp.id, chain_id=1, tx_hash="0x" + "ab" * 32, nonce=3)
        # The batch is still queued: the claim alone wrote what a successor needs.
        opportunities = _columns(store.database.engine, OpportunityRow)
        decisions = _columns(store.database.engine, DecisionRow)
        assert [row["id"] for row in opportunities] == [opp.id]
        assert [row["opportunity_id"] for row in decisions] == [opp.id]
        rebuilt, unknown = store.unrecorded_sends(chain_id=1)
        assert unknown == []
        assert [e.decision.opportunity for e in rebuilt] == [opp]
        assert (rebuilt[0].decision.amount_in, rebuilt[0].decision.min_profit) == (
            decision.amount_in,
            decision.min_profit,
        )
        await store.flush()
        # The writer's own rows of the same records change nothing the claim wrote.
        assert _columns(store.database.engine, DecisionRow) == decisions
        assert _columns(store.database.engine, OpportunityRow) == opportunities


async def test_the_claims_rows_are_the_writers_rows(db_url: str) -> None:
    """Differential: the claim's rows (on SQLite written through sqlite3 on the loop) equal
    those the history writer's SQLAlchemy statements write for the same record."""
    opp = v.opportunity(2, hops=3)
    decision = v.decision(opp, min_profit=77)
    async with HistoryStore.open(db_url, settings=_HELD) as store:
        await store.record(decision)
        assert await store.submissions.claim(opp.id, chain_id=1, tx_hash="0x" + "cd" * 32, nonce=4)
        by_claim = _premise_rows(store.database)
        assert by_claim[0]
        assert by_claim[1]
        with store.database.engine.begin() as connection:
            connection.execute(delete(_DECISIONS))
            connection.execute(delete(_OPPORTUNITIES))
        assert _premise_rows(store.database) == [[], []]
        # The same record, stamped alike, through the writer's statements.
        store.database.write([Pending(decision, by_claim[0][0]["recorded_at"])])
        assert _premise_rows(store.database) == by_claim


async def test_a_claim_without_a_recorded_decision_writes_only_the_claim(db_url: str) -> None:
    async with HistoryStore.open(db_url, settings=_HELD) as store:
        assert await store.submissions.claim("no-such-opportunity", chain_id=1)
        assert _columns(store.database.engine, OpportunityRow) == []
        assert not await store.submissions.claim("no-such-opportunity", chain_id=1)


async def test_the_senders_late_rows_and_the_rebuilt_trade_are_one_record(db_url: str) -> None:
    """A frozen worker's claim, its successor's rebuild and settlement, then the frozen worker's
    own execution and outcome: one execution row, one outcome."""
    opp = v.opportunity(3)
    decision = v.decision(opp)
    sent = v.execution(decision)
    assert sent.tx_hash is not None
    assert sent.nonce is not None
    async with HistoryStore.open(db_url, settings=_HELD) as frozen:
        await frozen.record(opp)
        await frozen.record(decision)
        assert await frozen.submissions.claim(
            opp.id, chain_id=1, tx_hash=sent.tx_hash, nonce=sent.nonce
        )
        async with HistoryStore.open(db_url) as successor:
            rebuilt, unknown = await asyncio.to_thread(successor.unrecorded_sends, chain_id=1)
            assert unknown == []
            assert [e.tx_hash for e in rebuilt] == [sent.tx_hash]
            assert rebuilt[0].submitted_ns != sent.submitted_ns
            await successor.record(v.outcome(rebuilt[0]))
        # Thawed: its queued execution and, later, its own settlement of the same trade.
        await frozen.record(sent)
        await frozen.record(v.outcome(sent))
    executions = _rows_of(db_url, ExecutionRow)
    outcomes = _rows_of(db_url, OutcomeRow)
    assert [row["tx_hash"] for row in executions] == [sent.tx_hash]
    assert [row["execution_id"] for row in outcomes] == [executions[0]["id"]]


async def test_a_row_read_back_keeps_the_id_it_was_written_with(db_url: str) -> None:
    """A row written under an earlier id scheme (the submission's stamp) is settled on that
    row: the execution read back carries its id."""
    opp = v.opportunity(4)
    sent = v.execution(v.decision(opp))
    old_id = f"{opp.id}/x{sent.submitted_ns}"
    async with HistoryStore.open(db_url) as store:
        await store.record(sent)
        await store.flush()
        with store.database.engine.begin() as connection:
            connection.execute(update(_EXECUTIONS).values(id=old_id))
        (unsettled,) = store.unsettled(chain_id=1)
        assert unsettled.record_id == old_id
        await store.record(v.outcome(unsettled))
        await store.flush()
        outcomes = _columns(store.database.engine, OutcomeRow)
        executions = _columns(store.database.engine, ExecutionRow)
    assert [row["execution_id"] for row in outcomes] == [old_id]
    assert [row["id"] for row in executions] == [old_id]


def _premise_rows(database: HistoryDatabase) -> list[list[dict[str, Any]]]:
    return [_columns(database.engine, model) for model in (OpportunityRow, DecisionRow)]


def _rows_of(url: str, model: Any) -> list[dict[str, Any]]:
    database = HistoryDatabase.open(url)
    try:
        return _columns(database.engine, model)
    finally:
        database.dispose()
