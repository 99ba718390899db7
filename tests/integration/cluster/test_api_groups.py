"""The API replicas' events groups against a real Redis: a gone replica's group is destroyed,
a live one's, a group whose consumer still reads and another role's group are kept; a replica
destroys its own group at exit. Each test has its own key prefix, deleted afterwards."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from _bus_setup import REDIS_URL, unique_prefix

from omniarb.cluster.api_groups import destroy_group, events_key, reap_api_groups


@pytest.fixture
async def client() -> AsyncIterator[aioredis.Redis]:
    opened = aioredis.Redis.from_url(REDIS_URL, decode_responses=True)
    yield opened
    await opened.aclose()


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    async with unique_prefix() as name:
        yield name


async def _groups(client: aioredis.Redis, prefix: str) -> set[str]:
    return {str(g["name"]) for g in await client.xinfo_groups(events_key(prefix))}


async def test_only_the_groups_of_gone_replicas_are_reaped(
    client: aioredis.Redis, prefix: str
) -> None:
    key = events_key(prefix)
    await client.xadd(key, {"type": "stats", "data": "{}"})
    for group in ("api-live", "api-reading", "api-never-read", "coordinator"):
        await client.xgroup_create(key, group, id="0")
    # A consumer of api-reading took the entry just now (and left it pending).
    await client.xreadgroup("api-reading", "c1", {key: ">"}, count=1)

    # Not in the registry and none of its consumers read for a minute: only api-never-read.
    reaped = await reap_api_groups(client, prefix, live_ids={"api-live"}, idle_ms=60_000)
    assert reaped == ["api-never-read"]
    assert await _groups(client, prefix) == {"api-live", "api-reading", "coordinator"}

    # Once its consumer has been idle long enough, the gone replica's group goes too; the live
    # replica's and the coordinator's stay whatever their idleness.
    reaped = await reap_api_groups(client, prefix, live_ids={"api-live"}, idle_ms=0)
    assert reaped == ["api-reading"]
    assert await _groups(client, prefix) == {"api-live", "coordinator"}


async def test_a_replica_destroys_its_own_group_and_a_missing_one_is_no_error(
    client: aioredis.Redis, prefix: str
) -> None:
    assert await destroy_group(client, prefix, "api-a") is False  # no stream yet
    assert await reap_api_groups(client, prefix, live_ids=(), idle_ms=0) == []
    await client.xgroup_create(events_key(prefix), "api-a", id="0", mkstream=True)
    assert await destroy_group(client, prefix, "api-a") is True
    assert await destroy_group(client, prefix, "api-a") is False
    assert await _groups(client, prefix) == set()
