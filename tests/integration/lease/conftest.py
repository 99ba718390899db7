"""The signer lease's servers: a Redis key prefix of each test's own (its keys deleted after) and
a PostgreSQL schema of each test's own (dropped after), on the real servers of `tests/_servers.py`
(`OMNIARB_TEST_REDIS_URL`, `OMNIARB_TEST_PG_URL`)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest
from _bus_setup import unique_prefix
from _pg_schema import fresh_pg_schema
from _servers import DEFAULT_REDIS_URL, REDIS_URL_ENV


@pytest.fixture
def redis_url() -> str:
    return os.environ.get(REDIS_URL_ENV, DEFAULT_REDIS_URL)


@pytest.fixture
async def prefix(redis_url: str) -> AsyncIterator[str]:
    """A key prefix no other test uses; its keys are deleted afterwards."""
    async with unique_prefix(redis_url) as name:
        yield name


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose tables live in a fresh schema."""
    with fresh_pg_schema("omniarb_lease") as url:
        yield url
