"""API test fixtures: a history database on SQLite and on PostgreSQL, seeded with real records.

PostgreSQL is the server at `OMNIARB_TEST_PG_URL` (default
postgresql://postgres@127.0.0.1:5432/test), or the private one the root conftest starts when
nothing answers there (`tests/_servers.py`); each test gets a schema of its own, dropped after.
The engine tests' helpers (`_bot_helpers`: plant a gap with a router swap) are importable here.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from _api_values import TOKENS, decision, opportunity, outcome
from _pg_schema import fresh_pg_schema

from omniarb.store import HistoryStore

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose tables live in a fresh schema."""
    with fresh_pg_schema("omniarb_api") as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'history.sqlite'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """A fresh, empty history database on each backend."""
    url: str = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    return url


@pytest.fixture
async def seeded_store(db_url: str) -> AsyncIterator[HistoryStore]:
    """A store holding, on ethereum: 3 settled trades (the second reverted), 1 declined
    opportunity; on polygon: 1 settled trade. Written through the real batching writer."""
    store = HistoryStore.open(db_url)
    try:
        for token in TOKENS:
            await store.record(token)
        for n in range(3):
            await store.record(opportunity(n))
            await store.record(outcome(opportunity(n), n=n, success=n != 1))
        await store.record(decision(opportunity(3), approved=False))
        await store.record(outcome(opportunity(4, chain_id=137), n=4))
        await store.flush()
        yield store
    finally:
        await store.close()
