"""A fresh PostgreSQL schema per test: the `pg_url` fixtures of the store, API and lease tests.

The server is the one at `OMNIARB_TEST_PG_URL` (or the private one the root conftest starts,
`_servers`); every connection of the yielded URL has its search_path set to the schema, which is
dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from _servers import DEFAULT_PG_URL, PG_URL_ENV
from sqlalchemy import text
from sqlalchemy.engine import make_url

from omniarb.store.engine import make_engine


def pg_schema_url(base: str, schema: str) -> str:
    """`base` with every connection's search_path set to `schema`."""
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@contextmanager
def fresh_pg_schema(prefix: str) -> Iterator[str]:
    """A URL whose tables live in a new schema named `prefix_<random>`, dropped on exit."""
    base = os.environ.get(PG_URL_ENV, DEFAULT_PG_URL)
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield pg_schema_url(base, schema)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
