"""Replacements of stuck transactions and a previous run's unsettled trades in the history, on
SQLite and PostgreSQL: a replacement round-trips as the value recorded (fees beyond 2**64
exact), written twice it is one row; a sent execution without an outcome reads back as the
same `Execution` (so its outcome lands on its rows) until its outcome is recorded, which may
name the replacement that was mined and say it was a cancel; migration 0003 goes up and down
on its own; a send known only from its claim is rebuilt from its decision."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime

import sqlalchemy as sa
from _store_values import decision, execution, opportunity, outcome

from omniarb.store import HistoryStore
from omniarb.store._rows import execution_id
from omniarb.store.engine import make_engine
from omniarb.store.schema import current_revision, downgrade, upgrade
from omniarb.types import Execution, ExecutionStatus, Replacement, ReplacementReason

T0 = datetime(2026, 12, 6, 6, 0, 0, 123456, tzinfo=UTC)


def successor(n: int, *, reason: ReplacementReason = ReplacementReason.REPRICE) -> Replacement:
    return Replacement(
        chain_id=1,
        key=f"1:{1000 + n}",
        nonce=n,
        original_tx_hash=f"0x{n:064x}",
        replaced_tx_hash=f"0x{n:064x}",
        new_tx_hash=f"0x{n + 10_000:064x}",
        old_max_fee_per_gas_wei=3 * 10**9,
        old_priority_fee_wei=10**9,
        new_max_fee_per_gas_wei=2**70 + n,  # past 64 bits: stored exactly
        new_priority_fee_wei=1_100_000_000,
        reason=reason,
        block_number=100 + n,
        replaced_at=T0,
    )


async def test_replacements_round_trip_once_each(db_url: str) -> None:
    recorded = [successor(0), successor(1, reason=ReplacementReason.CANCEL)]
    async with HistoryStore.open(db_url) as store:
        for value in [*recorded, recorded[0]]:
            await store.record(value)
        await store.flush()
        found = await asyncio.to_thread(store.replacements, chain_id=1)
        assert sorted(found, key=lambda r: r.nonce) == recorded
        assert await asyncio.to_thread(store.replacements, chain_id=137) == []


async def test_unsettled_executions_read_back_until_settled(db_url: str) -> None:
    sent = [execution(decision(opportunity(n))) for n in range(3)]
    refused = execution(decision(opportunity(9)), status=ExecutionStatus.REJECTED)
    async with HistoryStore.open(db_url) as store:
        for value in [*sent, refused, outcome(sent[0])]:
            await store.record(value)
        await store.flush()
        # The unsettled ones, as the values the engine recorded (flash fee derived from rows),
        # each naming the row it was read from.
        assert await asyncio.to_thread(store.unsettled, chain_id=1) == _read_back(sent[1:])

        mined_by = f"0x{77:064x}"
        cancelled = replace(
            outcome(sent[1], success=False, realized_profit=0),
            mined_tx_hash=mined_by,
            cancelled=True,
        )
        await store.record(cancelled)
        await store.flush()
        assert await asyncio.to_thread(store.unsettled, chain_id=1) == _read_back(sent[2:])
        trade = next(t for t in await asyncio.to_thread(store.trades) if t.tx_hash == mined_by)
        assert trade.status == "cancelled"
        assert trade.realized_profit == 0


async def test_a_send_known_only_from_its_claim_is_rebuilt_from_its_decision(db_url: str) -> None:
    """A run killed after its claim (made with the signed transaction, before the send) but
    before its execution row was written: the claim and the decision rebuild the execution."""
    recorded, orphan, bare = (decision(opportunity(n)) for n in range(3))
    async with HistoryStore.open(db_url) as store:
        sent = execution(recorded)
        for value in (sent, orphan, opportunity(2)):
            await store.record(value)
        await store.flush()
        for dec, nonce in ((recorded, 1000), (orphan, 1001), (bare, 1002)):
            assert await store.submissions.claim(
                dec.opportunity.id, chain_id=1, tx_hash=f"0x{nonce + 5:064x}", nonce=nonce
            )
        # The recorded execution's claim names its hash: not an orphan.
        await store.submissions.resigned(recorded.opportunity.id, tx_hash=sent.tx_hash, nonce=1000)
        assert await store.submissions.claim(orphan.opportunity.id) is False

        rebuilt, unknown = await asyncio.to_thread(store.unrecorded_sends, chain_id=1)
        (only,) = rebuilt
        assert only.decision == orphan
        assert (only.status, only.tx_hash, only.nonce) == (
            ExecutionStatus.SUBMITTED,
            f"0x{1006:064x}",
            1001,
        )
        # The opportunity without a decision row cannot be rebuilt: its hash is named.
        assert unknown == [f"0x{1007:064x}"]
        assert await asyncio.to_thread(store.unrecorded_sends, chain_id=137) == ([], [])

        # Settled, it is recorded like any trade and is no orphan any more.
        await store.record(outcome(only))
        await store.flush()
        assert (await asyncio.to_thread(store.unrecorded_sends, chain_id=1))[0] == []


def test_migration_0005_up_and_down_alone(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine, "0004_reorg_books")
    assert not sa.inspect(engine).has_table("replacements")
    upgrade(engine, "0005_stuck_tx")
    assert current_revision(engine) == "0005_stuck_tx"
    assert sa.inspect(engine).has_table("replacements")
    claim_columns = {c["name"] for c in sa.inspect(engine).get_columns("submissions")}
    assert {"chain_id", "tx_hash", "nonce"} <= claim_columns
    downgrade(engine, "0004_reorg_books")
    assert current_revision(engine) == "0004_reorg_books"
    tables = set(sa.inspect(engine).get_table_names())
    assert "replacements" not in tables
    assert "alerts" in tables  # the earlier revisions' tables stay
    claim_columns = {c["name"] for c in sa.inspect(engine).get_columns("submissions")}
    assert claim_columns == {"key", "claimed_at", "claimed_by"}
    engine.dispose()


def _read_back(sent: list[Execution]) -> list[Execution]:
    return [replace(e, record_id=execution_id(e)) for e in sent]
