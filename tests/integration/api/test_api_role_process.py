"""`omniarb api` as its own OS process against the real PostgreSQL and Redis: it prints its URLs,
a worker's message published on the bus's events stream reaches a `/ws` client, it lists itself
in `/cluster/workers`, and on SIGTERM it exits 0, withdrawn from the registry, its events group
destroyed."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis
import websockets
from _bus_setup import REDIS_URL, unique_prefix
from _waits import eventually

from omniarb._config_cluster import ClusterSettings
from omniarb.bus.streams import EVENTS, StreamBus
from omniarb.cluster.api_groups import events_key
from omniarb.config import RedisSettings

_START_TIMEOUT_S = 60


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    async with unique_prefix() as name:
        yield name


async def _line_with(stream: asyncio.StreamReader, start: str) -> str:
    while True:
        line = (await stream.readline()).decode()
        if not line:
            raise AssertionError(f"`omniarb api` closed its stdout before printing {start!r}")
        if line.startswith(start):
            return line[len(start) :].strip()


async def test_the_api_process_relays_the_bus_lists_itself_and_stops_cleanly(
    tmp_path: Path, pg_url: str, prefix: str
) -> None:
    config = tmp_path / "omniarb.toml"
    config.write_text(
        f'[redis]\nenabled = true\nurl = "{REDIS_URL}"\nkey_prefix = "{prefix}"\n'
        "[cluster]\nheartbeat_s = 0.2\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNIARB_")}
    env |= {"OMNIARB_HOME": str(tmp_path / "home"), "OMNIARB_DB_URL": pg_url}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "omniarb",
        "--config",
        str(config),
        "api",
        "--port",
        "0",
        "--metrics-port",
        "0",
        "--replica",
        "proc",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    redis = RedisSettings(enabled=True, url=REDIS_URL, key_prefix=prefix)
    bus = await StreamBus.connect(redis, ClusterSettings(), producer="worker-ethereum-test")
    client = aioredis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        async with asyncio.timeout(_START_TIMEOUT_S):
            url = (await _line_with(process.stdout, "API and dashboard:")).rstrip("/")
            metrics_url = await _line_with(process.stdout, "metrics:")
            group = await _line_with(process.stdout, "registry id and events group:")
        assert group == "api-proc"
        async with httpx.AsyncClient(base_url=url) as http:
            workers = (await http.get("/cluster/workers")).json()
            assert [(w["id"], w["role"], w["state"]) for w in workers] == [
                ("api-proc", "api", "active")
            ]

            ws_url = url.replace("http://", "ws://", 1) + "/ws?types=trade"
            async with websockets.connect(ws_url) as ws:
                trade = {"opportunity_id": "op-77", "tx_hash": "0x" + "ab" * 32}
                await bus.publish(EVENTS, "trade", key=f"trade:{trade['tx_hash']}", data=trade)
                async with asyncio.timeout(15):
                    message = json.loads(await ws.recv())
                assert (message["type"], message["data"]) == ("trade", trade)

            # Its group's backlog on the metrics port: handled, acknowledged, nothing pending.
            series = '{group="api-proc",stream="events"}'

            async def drained() -> bool:
                text = (await http.get(metrics_url)).text
                return (
                    f"omniarb_bus_handled_total{series} 1.0" in text
                    and f"omniarb_bus_backlog{series} 0.0" in text
                    and f"omniarb_bus_pending{series} 0.0" in text
                )

            await eventually(drained, what="the api group's backlog on /metrics", timeout_s=15)

        async def group_exists() -> bool:
            groups = await client.xinfo_groups(events_key(prefix))
            return any(g["name"] == "api-proc" for g in groups)

        assert await group_exists()
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            code = await process.wait()
        stderr = (await process.stderr.read()).decode() if process.stderr else ""
        assert code == 0, stderr
        assert not await group_exists()
        assert await client.exists(f"{prefix}worker:api-proc") == 0

        async def no_member() -> bool:
            return "api-proc" not in await client.smembers(f"{prefix}workers")

        await eventually(no_member, what="the id withdrawn from the registry's set")
    finally:
        if process.returncode is None:
            process.kill()
            with contextlib.suppress(ProcessLookupError):
                await process.wait()
        await bus.close()
        await client.aclose()
