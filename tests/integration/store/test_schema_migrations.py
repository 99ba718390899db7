"""Migrations on SQLite and PostgreSQL: up to head matches the models, down to base removes
everything, up again works, and two processes opening a fresh database migrate it once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from _store_values import trade
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from omniarb.store import HistoryDatabase, HistoryStore
from omniarb.store.engine import make_engine
from omniarb.store.models import Base
from omniarb.store.schema import current_revision, downgrade, head_revision, upgrade

_TABLES = {
    "opportunities",
    "decisions",
    "executions",
    "outcomes",
    "submissions",
    "tokens",
    "alerts",
    "breaker_trips",
    "replacements",
    "param_changes",
    "audit_log",
    "api_tokens",
    "cross_chain_trades",
    "cross_chain_legs",
    "exposures",
    "bridge_transfers",
}

_OPENER = """
import pathlib, sys, time
from omniarb.store import HistoryDatabase
go = pathlib.Path(sys.argv[2])
while not go.exists():
    time.sleep(0.001)
HistoryDatabase.open(sys.argv[1]).dispose()
print("opened", flush=True)
"""


def _tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}


def _differences(engine: sa.Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_head_creates_exactly_the_models_schema(db_url: str) -> None:
    engine = make_engine(db_url)
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert _tables(engine) == _TABLES == set(Base.metadata.tables)
    assert _differences(engine) == []
    engine.dispose()


def test_down_to_base_and_up_again(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    downgrade(engine)
    assert current_revision(engine) is None
    assert _tables(engine) == set()
    upgrade(engine)
    assert _tables(engine) == _TABLES
    assert _differences(engine) == []
    engine.dispose()


async def test_opening_a_store_migrates_and_reopening_keeps_the_data(db_url: str) -> None:
    async with HistoryStore.open(db_url) as store:
        assert current_revision(store.database.engine) == head_revision()
        await store.record(trade(1))
    async with HistoryStore.open(db_url) as reopened:
        assert len(reopened.trades()) == 1


def test_two_processes_opening_a_fresh_database_at_once(db_url: str, tmp_path: Path) -> None:
    go = tmp_path / "go"
    openers = [
        subprocess.Popen(
            [sys.executable, "-c", _OPENER, db_url, str(go)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    go.touch()
    outputs = [opener.communicate(timeout=60)[0] for opener in openers]
    assert [opener.returncode for opener in openers] == [0, 0]
    assert outputs == ["opened\n", "opened\n"]
    database = HistoryDatabase.open(db_url, migrate=False)
    assert current_revision(database.engine) == head_revision()
    database.dispose()
