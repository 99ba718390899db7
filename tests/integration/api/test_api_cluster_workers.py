"""`/cluster/workers` against the served API and a real Redis: every process a registry lists,
with its role, state, fencing token and age; 503 when no registry is attached or Redis does not
answer; behind the read scope like the other reads."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
import redis.asyncio as aioredis
from _api_server import AUTH, serving
from _servers import DEFAULT_REDIS_URL, REDIS_URL_ENV

from omniarb._config_cluster import ClusterSettings
from omniarb.api import ApiState, LiveHub
from omniarb.cluster.registry import WorkerEntry, WorkerRegistry
from omniarb.config import RedisSettings
from omniarb.store import HistoryStore

REDIS_URL = os.environ.get(REDIS_URL_ENV, DEFAULT_REDIS_URL)


@pytest.fixture
async def store(sqlite_url: str) -> AsyncIterator[HistoryStore]:
    opened = HistoryStore.open(sqlite_url)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def registry() -> AsyncIterator[WorkerRegistry]:
    prefix = f"t-{uuid.uuid4().hex[:8]}:"
    settings = RedisSettings(enabled=True, url=REDIS_URL, key_prefix=prefix)
    opened = await WorkerRegistry.connect(settings, ClusterSettings())
    try:
        yield opened
    finally:
        await opened.close()
        client = aioredis.Redis.from_url(REDIS_URL)
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


def _worker(worker_id: str, state: str, **changes: object) -> WorkerEntry:
    values: dict[str, object] = {
        "id": worker_id,
        "role": "worker",
        "chain": "polygon",
        "state": state,
        "pid": 100,
        "host": "node-b",
        "started_at": 1_700_000_000.5,
    }
    values.update(changes)
    return WorkerEntry(**values)  # type: ignore[arg-type]


async def test_the_route_lists_every_announced_process_with_its_age(
    store: HistoryStore, registry: WorkerRegistry
) -> None:
    await registry.announce(
        _worker("worker-polygon-a", "active", fencing_token=12, head_block=880, trades=4)
    )
    await registry.announce(_worker("worker-polygon-b", "standby", pid=101))
    await registry.announce(
        _worker("api-node-b-7", "active", role="api", chain=None, pid=7, host="node-b")
    )
    state = ApiState(history=store.database, hub=LiveHub(), cluster=registry)
    async with serving(state) as server, httpx.AsyncClient(base_url=server.url) as client:
        assert (await client.get("/cluster/workers")).status_code == 401
        response = await client.get("/cluster/workers", headers=AUTH)
        assert response.status_code == 200, response.text
        body = response.json()
    assert [(w["id"], w["state"]) for w in body] == [
        ("worker-polygon-a", "active"),
        ("worker-polygon-b", "standby"),
        ("api-node-b-7", "active"),
    ]
    active = body[0]
    assert active == {
        "id": "worker-polygon-a",
        "role": "worker",
        "chain": "polygon",
        "state": "active",
        "pid": 100,
        "host": "node-b",
        "started_at": 1_700_000_000.5,
        "fencing_token": 12,
        "head_block": 880,
        "trades": 4,
        "last_seen": active["last_seen"],
        "last_seen_age_s": active["last_seen_age_s"],
    }
    assert abs(active["last_seen"] - time.time()) < 5
    assert 0 <= active["last_seen_age_s"] < 5
    assert body[1]["fencing_token"] is None
    assert body[2]["chain"] is None


async def test_without_a_registry_or_its_redis_the_route_answers_503(
    store: HistoryStore,
) -> None:
    async with (
        serving(ApiState(history=store.database, hub=LiveHub())) as server,
        httpx.AsyncClient(base_url=server.url, headers=AUTH) as client,
    ):
        response = await client.get("/cluster/workers")
        assert response.status_code == 503
        assert "no worker registry" in response.json()["detail"]

    # A registry whose Redis went away: 503 (retry later), not a 500.
    unreachable = WorkerRegistry(
        aioredis.Redis.from_url("redis://127.0.0.1:1/0", decode_responses=True),
        prefix="t-gone:",
        heartbeat_s=1.0,
        where="redis://127.0.0.1:1/0",
    )
    state = ApiState(history=store.database, hub=LiveHub(), cluster=unreachable)
    try:
        async with (
            serving(state) as server,
            httpx.AsyncClient(base_url=server.url, headers=AUTH) as client,
        ):
            response = await client.get("/cluster/workers")
            assert response.status_code == 503
            assert "Redis at redis://127.0.0.1:1/0 unavailable" in response.json()["detail"]
    finally:
        await unreachable.close()
