"""schemathesis against the live OpenAPI schema: generated requests (valid and invalid) to
every route, with the token, find no server error and no response outside the schema."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import httpx
from _api_server import AUTH, TOKEN, serving
from _api_values import opportunity, outcome
from test_api_breaker import _TinyBreaker
from test_api_routes import _live_stats, _Metrics

from omniarb.api import ApiState, LiveFigures, LiveHub
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


async def test_schemathesis_finds_no_server_error(
    seeded_store: HistoryStore, tmp_path: Path
) -> None:
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
    )
    async with serving(state) as server:
        async with httpx.AsyncClient(base_url=server.url, headers=AUTH) as client:
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
        }
        assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
        st = Path(sys.executable).parent / "st"
        process = await asyncio.create_subprocess_exec(
            str(st),
            "run",
            f"{server.url}/openapi.json",
            "--header",
            f"Authorization: Bearer {TOKEN}",
            "--checks",
            _CHECKS,
            "--max-examples",
            "25",
            "--seed",
            "7",
            "--workers",
            "1",
            "--phases",
            "examples,coverage,fuzzing",
            "--generation-database",
            "none",
            "--report-dir",
            str(tmp_path / "schemathesis"),
            "--no-color",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            cwd=tmp_path,
        )
        output, _ = await process.communicate()
    text = output.decode(errors="replace")
    assert process.returncode == 0, text
    assert "passed" in text.lower(), text
