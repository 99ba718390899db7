"""The worker registry against a real Redis server (`OMNIARB_TEST_REDIS_URL`, or the private one
the root conftest starts when nothing answers there): announce and list, expiry after three
missed heartbeats, withdraw, the heartbeat loop, and two prefixes that do not see each other.
Each test has its own key prefix and deletes its keys afterwards."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from _servers import DEFAULT_REDIS_URL, REDIS_URL_ENV
from _waits import eventually
from redis.exceptions import RedisError

from omniarb._config_cluster import ClusterSettings
from omniarb.cluster.registry import WorkerEntry, WorkerRegistry
from omniarb.config import RedisSettings
from omniarb.errors import NotRunningError, RetryableError

REDIS_URL = os.environ.get(REDIS_URL_ENV, DEFAULT_REDIS_URL)


def _redis(prefix: str, url: str = REDIS_URL) -> RedisSettings:
    return RedisSettings.model_validate({"enabled": True, "url": url, "key_prefix": prefix})


def _entry(worker_id: str, **changes: object) -> WorkerEntry:
    values: dict[str, object] = {
        "id": worker_id,
        "role": "worker",
        "chain": "ethereum",
        "state": "standby",
        "pid": 4242,
        "host": "node-a",
        "started_at": 1_700_000_000.0,
    }
    values.update(changes)
    return WorkerEntry(**values)  # type: ignore[arg-type]


async def _delete_prefix(prefix: str) -> None:
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    """A key prefix no other test uses; its keys are deleted afterwards."""
    name = f"t-{uuid.uuid4().hex[:8]}:"
    yield name
    await _delete_prefix(name)


@pytest.fixture
async def other_prefix() -> AsyncIterator[str]:
    name = f"t-{uuid.uuid4().hex[:8]}:"
    yield name
    await _delete_prefix(name)


async def test_announced_entries_are_listed_as_written_with_the_time_seen(prefix: str) -> None:
    registry = await WorkerRegistry.connect(_redis(prefix), ClusterSettings())
    try:
        before = time.time()
        active = _entry(
            "worker-ethereum-a", state="active", fencing_token=7, head_block=1234, trades=3
        )
        standby = _entry("worker-ethereum-b", pid=4243)
        api = _entry("api-node-a-1", role="api", chain=None, state="active", pid=1)
        coordinator = _entry("coordinator-a", role="coordinator", chain=None, state="active")
        for entry in (api, standby, coordinator, active):
            await registry.announce(entry)
        listed = await registry.list()
        # Workers first (by chain, id), then the coordinator, then the API.
        assert [e.id for e in listed] == [
            "worker-ethereum-a",
            "worker-ethereum-b",
            "coordinator-a",
            "api-node-a-1",
        ]
        first = listed[0]
        assert (first.state, first.fencing_token, first.head_block, first.trades) == (
            "active",
            7,
            1234,
            3,
        )
        assert all(before <= e.last_seen <= time.time() for e in listed)
        # Announcing again replaces the entry: no duplicate, the new state.
        await registry.announce(_entry("worker-ethereum-b", pid=4243, state="active"))
        states = {e.id: e.state for e in await registry.list()}
        assert states["worker-ethereum-b"] == "active"
        assert len(states) == 4
    finally:
        await registry.close()


async def test_an_entry_expires_after_three_missed_heartbeats_and_a_withdrawn_one_at_once(
    prefix: str,
) -> None:
    heartbeat_s = 0.2
    registry = await WorkerRegistry.connect(
        _redis(prefix), ClusterSettings(heartbeat_s=heartbeat_s)
    )
    client = aioredis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        assert registry.ttl_s == pytest.approx(3 * heartbeat_s)
        await registry.announce(_entry("silent"))
        await registry.announce(_entry("leaving"))
        ttl_ms = await client.pttl(f"{prefix}worker:silent")
        assert 2 * heartbeat_s * 1000 < ttl_ms <= 3 * heartbeat_s * 1000

        await registry.withdraw("leaving")
        assert [e.id for e in await registry.list()] == ["silent"]

        announced_at = time.monotonic()

        async def gone() -> bool:
            return await registry.list() == []

        await eventually(gone, what="the silent entry to expire", timeout_s=5, interval_s=0.02)
        # Not before three heartbeats (less the slack of the first PTTL check above).
        assert time.monotonic() - announced_at >= 2 * heartbeat_s
        # The expired id is dropped from the set of ids too: nothing accumulates.
        assert await client.smembers(f"{prefix}workers") == set()
    finally:
        await client.aclose()
        await registry.close()


async def test_the_heartbeat_keeps_an_entry_alive_past_its_ttl_until_stopped(prefix: str) -> None:
    heartbeat_s = 0.1
    registry = await WorkerRegistry.connect(
        _redis(prefix), ClusterSettings(heartbeat_s=heartbeat_s)
    )
    stop = asyncio.Event()
    trades = [0]

    def current() -> WorkerEntry:
        trades[0] += 1
        return _entry("beating", state="active", trades=trades[0])

    try:
        task = asyncio.create_task(registry.heartbeat(current, stop))

        async def beats(count: int) -> bool:
            listed = await registry.list()
            return bool(listed) and listed[0].trades >= count

        # Twice the TTL: alive only because each beat refreshed it, with what `current` says.
        await eventually(lambda: beats(7), what="seven heartbeats", timeout_s=5)
        stop.set()
        await asyncio.wait_for(task, 2)
        await eventually(
            lambda: _is_empty(registry), what="the entry to expire after the stop", timeout_s=5
        )
    finally:
        stop.set()
        await registry.close()


async def _is_empty(registry: WorkerRegistry) -> bool:
    return await registry.list() == []


async def test_two_prefixes_do_not_see_each_other(prefix: str, other_prefix: str) -> None:
    cluster = ClusterSettings()
    first = await WorkerRegistry.connect(_redis(prefix), cluster)
    second = await WorkerRegistry.connect(_redis(other_prefix), cluster)
    try:
        await first.announce(_entry("same-id", host="first"))
        await second.announce(_entry("same-id", host="second"))
        await second.announce(_entry("only-second"))
        assert [(e.id, e.host) for e in await first.list()] == [("same-id", "first")]
        assert [e.id for e in await second.list()] == ["only-second", "same-id"]
        await first.withdraw("same-id")
        assert await first.list() == []
        assert len(await second.list()) == 2
    finally:
        await first.close()
        await second.close()


async def test_an_entry_this_version_cannot_read_is_skipped_not_fatal(prefix: str) -> None:
    registry = await WorkerRegistry.connect(_redis(prefix), ClusterSettings())
    client = aioredis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        await registry.announce(_entry("good"))
        await client.set(f"{prefix}worker:bad", "{not json", px=5000)
        await client.sadd(f"{prefix}workers", "bad")
        assert [e.id for e in await registry.list()] == ["good"]
    finally:
        await client.aclose()
        await registry.close()


async def test_connect_without_a_redis_is_not_running() -> None:
    with pytest.raises(NotRunningError, match="no Redis answers"):
        await WorkerRegistry.connect(_redis("t-none:", "redis://127.0.0.1:1/0"), ClusterSettings())


def _start_redis(port: int, root: Path) -> subprocess.Popen[bytes]:
    """A private redis-server on `port` that keeps nothing on disk (a restart starts empty)."""
    server = shutil.which("redis-server")
    assert server is not None, "redis-server is not installed (make system-packages)"
    command = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "no", "--dir", str(root), "--logfile", str(root / "redis.log")]
    return subprocess.Popen(command, cwd=root, stdin=subprocess.DEVNULL)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=10)


async def _answers(url: str) -> bool:
    client = aioredis.Redis.from_url(url)
    try:
        return bool(await client.ping())
    except RedisError:
        return False
    finally:
        await client.aclose()


async def test_the_heartbeat_survives_a_redis_restart_and_announces_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"redis://127.0.0.1:{port}/0"
    server = _start_redis(port, tmp_path)
    stop = asyncio.Event()
    try:
        await eventually(lambda: _answers(url), what="the private Redis", timeout_s=30)
        registry = await WorkerRegistry.connect(
            _redis("t-restart:", url), ClusterSettings(heartbeat_s=0.1)
        )
        task = asyncio.create_task(registry.heartbeat(lambda: _entry("beating"), stop))
        await eventually(lambda: _listed(registry, "beating"), what="the first announce")

        _stop(server)
        with caplog.at_level(logging.WARNING, logger="omniarb.cluster.registry"):

            async def warned() -> bool:
                return any("heartbeat failed" in r.getMessage() for r in caplog.records)

            await eventually(warned, what="the heartbeat's warning", timeout_s=10)
            # Several beats fail while Redis is down; the loop goes on, warning once.
            assert not task.done()
            server = _start_redis(port, tmp_path)
            # The restarted server is empty: the next beat writes the entry again.
            await eventually(
                lambda: _listed(registry, "beating"),
                what="the entry after the restart",
                timeout_s=30,
            )
        failures = [r for r in caplog.records if "heartbeat failed" in r.getMessage()]
        assert len(failures) == 1
        stop.set()
        await asyncio.wait_for(task, 5)
        await registry.close()
    finally:
        stop.set()
        if server.poll() is None:
            _stop(server)


async def _listed(registry: WorkerRegistry, worker_id: str) -> bool:
    try:
        return worker_id in {e.id for e in await registry.list()}
    except RetryableError:
        return False
