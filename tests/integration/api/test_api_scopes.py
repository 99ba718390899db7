"""Tokens with scopes against the served API: 401 without or with a bad token, 403 naming the
scope a token lacks, every control call and every denied attempt in the audit log, the
failed-auth counters and the burst alert, the WebSocket behind `read`, and tokens stored only
as their SHA-256 (searched for in every table of SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import httpx
import pytest
import websockets
from _api_server import AUTH, serving, ws_url
from _waits import eventually
from sqlalchemy import MetaData, select
from test_api_breaker import _TinyBreaker
from websockets.exceptions import InvalidStatus

from omniarb.api import ApiState, LiveHub
from omniarb.config import Settings
from omniarb.monitor import Metrics
from omniarb.monitor.alerts import Alert
from omniarb.monitor.api_metrics import ApiIntrusion, AuthFailureRule
from omniarb.store import HistoryStore


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class _Tokens:
    def __init__(self, store: HistoryStore) -> None:
        tokens = store.database.api_tokens
        self.read_token, self.read = tokens.create(name="grafana", scope="read")
        self.control_token, self.control = tokens.create(name="ops", scope="control")
        self.admin_token, self.admin = tokens.create(name="root", scope="admin")
        self.revoked_token, self.revoked = tokens.create(name="old", scope="admin")
        tokens.revoke(self.revoked_token.id)


@pytest.fixture
async def store(sqlite_url: str) -> AsyncIterator[HistoryStore]:
    opened = HistoryStore.open(sqlite_url)
    try:
        yield opened
    finally:
        await opened.close()


def _failures(metrics: Metrics) -> dict[str, float]:
    return {
        reason: metrics.api.auth_failures.labels(reason)._value.get()
        for reason in ("missing", "invalid", "revoked", "scope")
    }


async def test_each_route_needs_its_scope_and_control_calls_are_audited(
    store: HistoryStore,
) -> None:
    tokens = _Tokens(store)
    metrics = Metrics()
    alerts: list[Alert] = []
    intrusion = ApiIntrusion(
        metrics.api, rule=AuthFailureRule(count=8, window_s=600), publish=alerts.append
    )
    breaker = _TinyBreaker()
    state = ApiState(history=store.database, hub=LiveHub(), breaker=breaker, intrusion=intrusion)
    async with serving(state, token=None) as server, httpx.AsyncClient(base_url=server.url) as c:
        assert server.url.startswith("http://127.0.0.1:")
        # No token, a made-up one, a revoked one: 401 on reads and control alike.
        assert (await c.get("/status")).status_code == 401
        fake = "oat_0123abcd_" + "A" * 43
        assert (await c.get("/trades", headers=_bearer(fake))).status_code == 401
        assert (await c.get("/trades", headers=_bearer("not-a-token"))).status_code == 401
        gone = await c.get("/status", headers=_bearer(tokens.revoked))
        assert gone.status_code == 401
        assert gone.headers["www-authenticate"] == "Bearer"
        assert (await c.post("/breaker/reset")).status_code == 401
        # A near miss: the right id with a wrong secret.
        near = tokens.read[:-1] + ("A" if tokens.read[-1] != "A" else "B")
        assert (await c.get("/status", headers=_bearer(near))).status_code == 401

        # read: every GET, not the breaker's POSTs, not /config.
        read = _bearer(tokens.read)
        for path in ("/status", "/trades", "/alerts", "/breaker", "/params", "/pnl"):
            assert (await c.get(path, headers=read)).status_code == 200, path
        refused = await c.post("/breaker/trip", headers=read, json={"reason": "read tries"})
        assert refused.status_code == 403
        assert "'control' scope" in refused.json()["detail"]
        assert not breaker.is_open
        config = await c.get("/config", headers=read)
        assert config.status_code == 403
        assert "'admin' scope" in config.json()["detail"]

        # control: the breaker, not /config.
        control = _bearer(tokens.control)
        tripped = await c.post("/breaker/trip", headers=control, json={"reason": "drill"})
        assert tripped.status_code == 200
        assert breaker.is_open
        assert (await c.post("/breaker/reset", headers=control)).status_code == 200
        assert not breaker.is_open
        assert (await c.get("/config", headers=control)).status_code == 403
        missing_scope = await c.post("/breaker/reset?chain=polygon", headers=control)
        assert missing_scope.status_code == 404

        # admin (and the legacy OMNIARB_API_TOKEN is not set here): everything.
        admin = _bearer(tokens.admin)
        assert (await c.get("/config", headers=admin)).status_code == 200
        assert (await c.post("/breaker/reset", headers=admin)).status_code == 200

    audit = store.database.audit(action="api.", limit=100)
    rows = [(e.action, e.outcome, e.actor, e.subject) for e in reversed(audit)]
    assert rows == [
        ("api.breaker.reset", "denied", "anonymous", "/breaker/reset"),
        ("api.breaker.trip", "denied", tokens.read_token.actor, "/breaker/trip"),
        ("api.config.read", "denied", tokens.read_token.actor, "/config"),
        ("api.breaker.trip", "ok", tokens.control_token.actor, "global"),
        ("api.breaker.reset", "ok", tokens.control_token.actor, "global"),
        ("api.config.read", "denied", tokens.control_token.actor, "/config"),
        ("api.breaker.reset", "failed", tokens.control_token.actor, "polygon"),
        ("api.config.read", "ok", tokens.admin_token.actor, "config"),
        ("api.breaker.reset", "ok", tokens.admin_token.actor, "global"),
    ]
    assert audit[5].details == {"reason": "drill"}
    assert audit[8].details == {"reason": "missing"}
    # 2 missing, 3 invalid (made up, malformed, near miss), 1 revoked, 3 scope.
    assert _failures(metrics) == {"missing": 2.0, "invalid": 3.0, "revoked": 1.0, "scope": 3.0}
    exposition = metrics.render().decode()
    assert 'omniarb_api_auth_failures_total{reason="scope"} 3.0' in exposition
    # The 8th failure in the window raised the burst alert (and each one after it).
    assert len(alerts) == 2
    assert alerts[0].rule == "api_auth_failures"
    assert alerts[0].value == 8.0


async def test_the_legacy_env_token_is_admin_beside_stored_tokens(store: HistoryStore) -> None:
    tokens = _Tokens(store)
    state = ApiState(history=store.database, hub=LiveHub(), breaker=_TinyBreaker())
    async with serving(state) as server, httpx.AsyncClient(base_url=server.url) as client:
        assert (await client.get("/config", headers=AUTH)).status_code == 200
        assert (await client.post("/breaker/trip", headers=AUTH, json={"reason": "x"})).is_success
        assert (await client.get("/status", headers=_bearer(tokens.read))).status_code == 200
    actors = {e.actor for e in store.database.audit(action="api.", limit=10)}
    assert actors == {"env-token"}
    used = {t.id: t.last_used_at for t in store.database.api_tokens.list()}
    assert used[tokens.read_token.id] is not None
    assert used[tokens.admin_token.id] is None


async def test_the_websocket_needs_a_valid_token(store: HistoryStore) -> None:
    tokens = _Tokens(store)
    state = ApiState(history=store.database, hub=LiveHub())
    async with serving(state, token=None) as server:
        for query in ("", f"token={tokens.revoked}", "token=oat_nope"):
            with pytest.raises(InvalidStatus) as refused:
                async with websockets.connect(ws_url(server, query)):
                    pass
            assert refused.value.response.status_code == 401
        async with websockets.connect(ws_url(server, f"token={tokens.read}")) as ws:
            await ws.ping()
        async with websockets.connect(
            ws_url(server), additional_headers=_bearer(tokens.read)
        ) as ws:
            await ws.ping()


@pytest.mark.parametrize("backend", ["sqlite_url", "pg_url"])
async def test_the_database_never_holds_a_token(
    backend: str, request: pytest.FixtureRequest
) -> None:
    url: str = request.getfixturevalue(backend)
    store = HistoryStore.open(url)
    try:
        tokens = _Tokens(store)
        state = ApiState(history=store.database, hub=LiveHub(), breaker=_TinyBreaker())
        settings = Settings()
        async with (
            serving(state, settings, token=None) as server,
            httpx.AsyncClient(base_url=server.url) as client,
        ):
            for secret in (tokens.read, tokens.control, tokens.admin, tokens.revoked):
                await client.post("/breaker/reset", headers=_bearer(secret))
        engine = store.database.engine
        metadata = MetaData()
        metadata.reflect(engine)
        dumped = []
        with engine.connect() as connection:
            for table in metadata.sorted_tables:
                dumped += [json.dumps(list(row), default=str) for row in connection.execute(
                    select(table))]  # fmt: skip
        text = "\n".join(dumped)
        assert tokens.admin_token.id in text  # the ids are there, and the audit rows
        assert "api.breaker.reset" in text
        for secret in (tokens.read, tokens.control, tokens.admin, tokens.revoked):
            assert secret not in text
            assert secret.split("_", 2)[2] not in text
    finally:
        await store.close()


async def test_a_revoke_reaches_a_running_api_within_a_second(store: HistoryStore) -> None:
    tokens = _Tokens(store)
    state = ApiState(history=store.database, hub=LiveHub())
    async with serving(state, token=None) as server, httpx.AsyncClient(base_url=server.url) as c:
        headers = _bearer(tokens.control)
        assert (await c.get("/status", headers=headers)).status_code == 200
        revoked_at = time.monotonic()
        store.database.api_tokens.revoke(tokens.control_token.id)

        async def refused() -> bool:
            return (await c.get("/status", headers=headers)).status_code == 401

        await eventually(refused, what="the revoked token refused", timeout_s=5.0)
        # The API reuses a check for at most a second (plus one request's time).
        assert time.monotonic() - revoked_at < 2.5
        # The other tokens still work.
        assert (await c.get("/status", headers=_bearer(tokens.read))).status_code == 200


async def test_a_reason_shaped_like_a_key_is_audited_redacted(store: HistoryStore) -> None:
    tokens = _Tokens(store)
    breaker = _TinyBreaker()
    state = ApiState(history=store.database, hub=LiveHub(), breaker=breaker)
    key_shaped = "ab" * 32
    async with serving(state, token=None) as server, httpx.AsyncClient(base_url=server.url) as c:
        answer = await c.post(
            "/breaker/trip",
            headers=_bearer(tokens.control),
            json={"reason": f"see 0x{key_shaped} now"},
        )
        assert answer.status_code == 200
    (entry,) = store.database.audit(action="api.breaker.trip")
    assert entry.outcome == "ok"
    assert entry.details == {"reason": "see [64 hex redacted] now"}
