"""The store's backends: every test taking `db_url` runs on SQLite and on PostgreSQL.

PostgreSQL is the server at `OMNIARB_TEST_PG_URL` (default
postgresql://postgres@127.0.0.1:5432/test), or the private one the root conftest starts when
nothing answers there (`tests/_servers.py`); each test gets a schema of its own, dropped after.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from _pg_schema import fresh_pg_schema


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose tables live in a fresh schema."""
    with fresh_pg_schema("omniarb_test") as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'history.sqlite'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """A fresh, empty history database on each backend."""
    url: str = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    return url
