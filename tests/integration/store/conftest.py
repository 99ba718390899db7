"""The store's backends: every test taking `db_url` runs on SQLite and on PostgreSQL.

PostgreSQL is the server at `OMNIARB_TEST_PG_URL` (default
postgresql://postgres@127.0.0.1:5432/test), or the private one the root conftest starts when
nothing answers there (`tests/_servers.py`); each test gets a schema of its own, dropped after.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from _servers import DEFAULT_PG_URL, PG_URL_ENV
from sqlalchemy import text
from sqlalchemy.engine import make_url

from omniarb.store.engine import make_engine


def pg_schema_url(base: str, schema: str) -> str:
    """`base` with every connection's search_path set to `schema`."""
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose tables live in a fresh schema."""
    base = os.environ.get(PG_URL_ENV, DEFAULT_PG_URL)
    schema = f"omniarb_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield pg_schema_url(base, schema)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'history.sqlite'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """A fresh, empty history database on each backend."""
    url: str = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    return url
