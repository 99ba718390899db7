"""`POST /keys/rotate` (scope admin): 401 without a token, 403 with a read token, 503 when the bot
runs without key rotation, 404 for a chain it does not rotate (the request is audited either
way: refusals as `denied` by the auth, authorized requests by the route); the
rotation itself, in a running bot, is tested in tests/integration/engine/test_bot_key_rotation.py.
"""

from __future__ import annotations

import httpx
from _api_server import AUTH, serving

from omniarb.api import ApiState, LiveHub
from omniarb.keys.rotation_service import KeyRotationService
from omniarb.store import HistoryStore


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
