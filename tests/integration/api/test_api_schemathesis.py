"""schemathesis against the live OpenAPI schema: generated requests (valid and invalid) to
every route find no server error and no response outside the schema — once with a stored admin
token (every route reachable), once with a stored read token (control and admin routes answer
the documented 403). Fixed budget and seed."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import redis.asyncio as aioredis
from _api_server import serving
from _api_values import opportunity, outcome
from _cross_chain_rows import HeldInventory, seed_cross_chain
from _servers import DEFAULT_REDIS_URL, REDIS_URL_ENV
from test_api_breaker import _TinyBreaker
from test_api_routes import _live_stats, _Metrics

from omniarb._config_cluster import ClusterSettings
from omniarb.api import ApiServer, ApiState, LiveFigures, LiveHub
from omniarb.cluster.registry import WorkerEntry, WorkerRegistry
from omniarb.config import RedisSettings, Settings
from omniarb.keys.rotation_service import KeyRotationService
from omniarb.store import HistoryStore

_CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    )
)


# Limits high enough that the generated requests are judged by the routes, not refused (429 is
# documented on every route, so a refusal would still conform).
_UNLIMITED = {
    "token_rate_per_s": 100_000.0,
    "token_burst": 1_000_000,
    "address_rate_per_s": 100_000.0,
    "address_burst": 1_000_000,
}


async def _schemathesis(server: ApiServer, token: str, examples: int, report: Path) -> str:
    """Run `st` against the served schema with `token`; its output (asserted to pass)."""
    st = Path(sys.executable).parent / "st"
    process = await asyncio.create_subprocess_exec(
        str(st),
        "run",
        f"{server.url}/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        _CHECKS,
        "--max-examples",
        str(examples),
        "--seed",
        "7",
        "--workers",
        "1",
        "--phases",
        "examples,coverage,fuzzing",
        "--generation-database",
        "none",
        "--report-dir",
        str(report),
        "--no-color",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=report.parent,
    )
    output, _ = await process.communicate()
    text = output.decode(errors="replace")
    assert process.returncode == 0, text
    assert "passed" in text.lower(), text
    return text


async def test_schemathesis_finds_no_server_error(
    seeded_store: HistoryStore, tmp_path: Path
) -> None:
    # A real registry (Redis) with one process: /cluster/workers answers rather than 503.
    redis_url = os.environ.get(REDIS_URL_ENV, DEFAULT_REDIS_URL)
    prefix = f"t-{uuid.uuid4().hex[:8]}:"
    registry = await WorkerRegistry.connect(
        RedisSettings(enabled=True, url=redis_url, key_prefix=prefix),
        ClusterSettings(heartbeat_s=60),
    )
    await registry.announce(
        WorkerEntry(
            id="worker-ethereum-a",
            role="worker",
            chain="ethereum",
            state="active",
            pid=1,
            host="h",
            started_at=1.0,
            fencing_token=1,
        )
    )
    try:
        await _fuzz(seeded_store, tmp_path, registry)
    finally:
        await registry.withdraw("worker-ethereum-a")
        await registry.close()
        client = aioredis.Redis.from_url(redis_url)
        await client.delete(f"{prefix}workers")
        await client.aclose()


async def _fuzz(seeded_store: HistoryStore, tmp_path: Path, registry: WorkerRegistry) -> None:
    stats = _live_stats()
    hub = LiveHub()
    hub.publish_trade(outcome(opportunity(9), n=9), stats)
    state = ApiState(
        history=seeded_store.database,
        hub=hub,
        live=lambda: LiveFigures(chains=[stats]),
        metrics=_Metrics(),
        breaker=_TinyBreaker(),
        # A real rotation of no chain: every request is a 404, never a 503.
        key_rotation=KeyRotationService({}),
        # The bot's inventory: /cross-chain/inventory answers rather than 503.
        inventory=HeldInventory(),
        cluster=registry,
    )
    seed_cross_chain(seeded_store.database, now=datetime.now(UTC))
    tokens = seeded_store.database.api_tokens
    _, admin = tokens.create(name="fuzz-admin", scope="admin")
    _, read = tokens.create(name="fuzz-read", scope="read")
    settings = Settings.model_validate({"api": _UNLIMITED})
    async with serving(state, settings, token=None) as server:
        headers = {"Authorization": f"Bearer {admin}"}
        async with httpx.AsyncClient(base_url=server.url, headers=headers) as client:
            schema = (await client.get("/openapi.json")).json()
        assert set(schema["paths"]) >= {
            "/status",
            "/chains",
            "/opportunities",
            "/trades",
            "/pnl",
            "/alerts",
            "/breaker",
            "/breaker/trip",
            "/breaker/reset",
            "/config",
            "/metrics",
            "/cluster/workers",
        }
        assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
        trip = schema["paths"]["/breaker/trip"]["post"]["responses"]
        assert {"401", "403", "413", "429"} <= set(trip)
        await _schemathesis(server, admin, 25, tmp_path / "admin")
        await _schemathesis(server, read, 10, tmp_path / "read")
    # The read token's attempts at the control routes were denied, and audited as such.
    denied = seeded_store.database.audit(action="api.breaker.trip", limit=1000)
    assert any(e.outcome == "denied" and "fuzz-read" in e.actor for e in denied)
    assert any(e.outcome == "ok" and "fuzz-admin" in e.actor for e in denied)
