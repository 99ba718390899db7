"""The audit log on SQLite and PostgreSQL: entries come back newest first with their details,
filters by action (or action prefix) and chain, the table refuses UPDATE and DELETE (the log is
append-only), a detail shaped like a private key is refused, and migration 0011 adds and
removes the table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from omniarb.store.audit import AuditEntry
from omniarb.store.database import HistoryDatabase
from omniarb.store.engine import make_engine
from omniarb.store.schema import current_revision, downgrade, upgrade

_PREVIOUS = "0010_param_changes"
_REVISION = "0011_audit_log"
AT = datetime(2026, 12, 6, 18, 0, tzinfo=UTC)


def entry(n: int, *, action: str = "key.create", chain: str | None = "ethereum") -> AuditEntry:
    return AuditEntry(
        at=AT + timedelta(seconds=n),
        actor="cli:root",
        action=action,
        chain=chain,
        subject=f"0x{n:040x}",
        outcome="ok",
        details={"n": n, "tx_hash": "0x" + "ab" * 32},
    )


def test_entries_round_trip_newest_first_and_filter(db_url: str) -> None:
    database = HistoryDatabase.open(db_url)
    try:
        ids = [
            database.append_audit(entry(0)),
            database.append_audit(entry(1, action="key.rotate")),
            database.append_audit(entry(2, action="treasury.sweep", chain="polygon")),
        ]
        assert ids == sorted(ids)
        everything = database.audit()
        assert [e.action for e in everything] == ["treasury.sweep", "key.rotate", "key.create"]
        assert everything[0].details == {"n": 2, "tx_hash": "0x" + "ab" * 32}
        assert everything[0].at == AT + timedelta(seconds=2)
        assert [e.action for e in database.audit(action="key.")] == ["key.rotate", "key.create"]
        assert [e.id for e in database.audit(chain="polygon")] == [ids[2]]
    finally:
        database.dispose()


def test_the_table_refuses_update_and_delete(db_url: str) -> None:
    database = HistoryDatabase.open(db_url)
    try:
        database.append_audit(entry(0))
        for statement in (
            "UPDATE audit_log SET outcome = 'failed'",
            "DELETE FROM audit_log",
        ):
            with (
                pytest.raises(sa.exc.DatabaseError, match="append-only"),
                database.engine.begin() as connection,
            ):
                connection.execute(sa.text(statement))
        assert [e.outcome for e in database.audit()] == ["ok"]
    finally:
        database.dispose()


def test_a_detail_shaped_like_a_private_key_is_refused(db_url: str) -> None:
    database = HistoryDatabase.open(db_url)
    try:
        secret = "0x" + "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
        with pytest.raises(ValueError, match="not shown") as raised:
            database.append_audit(
                AuditEntry.now(actor="cli", action="key.import", subject="x", details={"k": secret})
            )
        assert secret[2:] not in str(raised.value)
        assert database.audit() == []
    finally:
        database.dispose()


def test_migration_adds_and_removes_the_table(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine, _REVISION)
        assert current_revision(engine) == _REVISION
        downgrade(engine, _PREVIOUS)
        assert "audit_log" not in sa.inspect(engine).get_table_names()
        upgrade(engine, _REVISION)
        assert "audit_log" in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()
