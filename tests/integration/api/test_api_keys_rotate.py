"""`POST /keys/rotate` (scope admin): 401 without a token, 403 with a read token, 503 when the bot
runs without key rotation, 404 for a chain it does not rotate (the request is audited either
way: refusals as `denied` by the auth, authorized requests by the route), and 503 again once
the bot that attached its rotation stopped; the rotation itself, in a running bot, is tested
in tests/integration/engine/test_bot_key_rotation.py.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from _api_server import AUTH, serving
from _plans import roomy_deadline
from _waits import eventually

from omniarb.api import ApiState, LiveHub
from omniarb.api.keys_routes import LateKeyRotation
from omniarb.cli.run_cmd import run_bot_with_view
from omniarb.config import Settings
from omniarb.keys.rotation_service import KeyRotationService
from omniarb.store import HistoryStore
from omniarb.telemetry import Telemetry


async def test_refusals(sqlite_url: str) -> None:
    store = HistoryStore.open(sqlite_url)
    try:
        detached = ApiState(history=store.database, hub=LiveHub())
        async with serving(detached) as server, httpx.AsyncClient(base_url=server.url) as http:
            assert (await http.post("/keys/rotate", params={"chain": "base"})).status_code == 401
            _, reader = store.database.api_tokens.create(name="reader", scope="read")
            read_only = {"Authorization": f"Bearer {reader}"}
            answer = await http.post("/keys/rotate", params={"chain": "base"}, headers=read_only)
            assert answer.status_code == 403
            assert "admin" in answer.json()["detail"]
            answer = await http.post("/keys/rotate", params={"chain": "base"}, headers=AUTH)
            assert answer.status_code == 503
            assert "without key rotation" in answer.json()["detail"]
        attached = ApiState(
            history=store.database, hub=LiveHub(), key_rotation=KeyRotationService({})
        )
        async with serving(attached) as server, httpx.AsyncClient(base_url=server.url) as http:
            answer = await http.post(
                "/keys/rotate", params={"chain": "base"}, json={"reason": "x"}, headers=AUTH
            )
            assert answer.status_code == 404
            assert "no key rotation for chain 'base'" in answer.json()["detail"]
        rows = store.database.audit(action="key.rotate.requested")
        assert [(r.actor, r.subject, r.outcome) for r in rows] == [
            ("env-token", "base", "ok"),
            ("env-token", "base", "failed"),
            (rows[2].actor, "/keys/rotate", "denied"),
            ("anonymous", "/keys/rotate", "denied"),
        ]
        assert rows[0].details == {"reason": "x"}
        assert rows[1].details == {"reason": "operator request"}
        assert rows[2].actor.startswith("token:")
        assert rows[2].details["reason"] == "scope"
    finally:
        await store.close()


@pytest.mark.integration
async def test_503_after_the_bot_stopped(devnet_factory: Any, tmp_path: Path) -> None:
    """`omniarb run`'s bot attaches its key rotation to the API once its pipelines exist, and
    detaches it when it returns: the API (still serving while the run shuts down) answers 503,
    rather than rotating a key through pipelines that no longer run."""
    store = HistoryStore.open(f"sqlite:///{tmp_path / 'h.sqlite'}")
    rotation = LateKeyRotation()
    state = ApiState(history=store.database, hub=LiveHub(), key_rotation=rotation)
    stop = asyncio.Event()
    try:
        async with (
            devnet_factory({"ethereum": 0.5}) as net,
            serving(state) as server,
            httpx.AsyncClient(base_url=server.url) as http,
        ):
            run = asyncio.create_task(
                run_bot_with_view(
                    net.manifest,
                    net.manifest_path,
                    roomy_deadline(Settings()),
                    store=store,
                    engines=[],
                    dry_run=False,
                    stop_when=lambda _: stop.is_set(),
                    title="rotation detach",
                    market=None,
                    telemetry=Telemetry(),
                    signers=None,
                    rotation=rotation,
                )
            )

            async def rotating() -> bool:
                # Attached, the bot's rotation answers for itself: it rotates no such chain.
                answer = await http.post("/keys/rotate", params={"chain": "nowhere"}, headers=AUTH)
                return answer.status_code == 404

            await eventually(rotating, what="the bot's key rotation attached", timeout_s=60)
            stop.set()
            await run
            assert not rotation.attached
            answer = await http.post("/keys/rotate", params={"chain": "ethereum"}, headers=AUTH)
            assert answer.status_code == 503, answer.text
            assert "not running" in answer.json()["detail"]
    finally:
        await store.close()
