"""The API role (`omniarb api`) in this process against the real PostgreSQL and Redis: the
history a worker wrote to the shared database, `/cluster/workers` with the role's own entry
beside a worker's, its metrics port, its withdrawal at exit; and the command line's refusal
without `[redis] enabled` (exit 4)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import httpx
import pytest
from _api_values import TOKENS, opportunity, outcome
from _bus_setup import REDIS_URL, unique_prefix
from _waits import eventually

from omniarb._config_cluster import ClusterSettings
from omniarb.cli.main import main
from omniarb.cluster.api_role import ApiRoleOptions, events_group, running_api_role
from omniarb.cluster.registry import WorkerEntry, WorkerRegistry
from omniarb.config import RedisSettings, Settings
from omniarb.store import HistoryStore


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    async with unique_prefix() as name:
        yield name


async def test_the_role_serves_the_shared_history_the_registry_and_its_metrics(
    pg_url: str, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A worker's trade, written to the shared database before the API starts.
    worker_store = HistoryStore.open(pg_url)
    try:
        for token in TOKENS:
            await worker_store.record(token)
        await worker_store.record(opportunity(0))
        await worker_store.record(outcome(opportunity(0), n=0))
        await worker_store.flush()
    finally:
        await worker_store.close()
    monkeypatch.setenv("OMNIARB_DB_URL", pg_url)
    monkeypatch.delenv("OMNIARB_API_TOKEN", raising=False)
    redis = RedisSettings(enabled=True, url=REDIS_URL, key_prefix=prefix)
    cluster = ClusterSettings(heartbeat_s=0.2)
    settings = Settings(redis=redis, cluster=cluster)
    registry = await WorkerRegistry.connect(redis, cluster)
    try:
        worker = WorkerEntry(
            id="worker-ethereum-x",
            role="worker",
            chain="ethereum",
            state="active",
            pid=9,
            host="h",
            started_at=1.0,
            fencing_token=3,
        )
        options = ApiRoleOptions(port=0, metrics_port=0, replica="r1")
        async with (
            running_api_role(settings, options, feed=None) as role,
            httpx.AsyncClient(base_url=role.api_url) as client,
        ):
            assert role.group == events_group("r1") == "api-r1"
            trades = (await client.get("/trades")).json()
            assert [t["opportunity_id"] for t in trades] == [opportunity(0).id]
            status = (await client.get("/status")).json()
            assert status["history"].startswith("postgresql")
            # Announced now: its TTL is three heartbeats of 0.2 s.
            await registry.announce(worker)
            listed = (await client.get("/cluster/workers")).json()
            assert [(w["id"], w["role"], w["state"]) for w in listed] == [
                ("worker-ethereum-x", "worker", "active"),
                (role.worker_id, "api", "active"),
            ]
            assert listed[1]["pid"] == os.getpid()

            # Refreshed past its first TTL (three heartbeats of 0.2 s): the heartbeat runs.
            first_seen = listed[1]["last_seen"]

            async def refreshed() -> bool:
                own = [e for e in await registry.list() if e.id == role.worker_id]
                return bool(own) and own[0].last_seen > first_seen + registry.ttl_s

            await eventually(refreshed, what="the role's heartbeat past its TTL", timeout_s=5)

            assert role.metrics_url is not None
            metrics = await client.get(role.metrics_url)
            assert metrics.status_code == 200
            assert metrics.headers["content-type"].startswith("text/plain")
            assert "omniarb_api_auth_failures_total" in metrics.text
            health = await client.get(role.metrics_url.replace("/metrics", "/healthz"))
            assert (health.status_code, health.text) == (200, "ok\n")
            missing = await client.get(role.metrics_url.replace("/metrics", "/other"))
            assert missing.status_code == 404
            await registry.announce(worker)
        # Withdrawn at exit, not left to expire (its last beat is at most 0.2 s old, its TTL
        # 0.6 s), while the worker's entry stays.
        assert [e.id for e in await registry.list()] == ["worker-ethereum-x"]
    finally:
        await registry.close()


def test_the_command_needs_redis_enabled(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["api", "--port", "0"]) == 4
    assert "redis.enabled" in capsys.readouterr().err
