"""`/breaker`: the operator trips and resets the circuit breaker through the API, and every
WebSocket client hears about it; with a tiny breaker written for the test and with the real
`CircuitBreaker`, which trading then respects."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import httpx
import pytest
import websockets
from _api_server import AUTH, TOKEN, serving, ws_url
from _api_values import decision, opportunity

from omniarb.api import ApiState, BreakerControl, LiveHub
from omniarb.api.schemas import BreakerStatus
from omniarb.risk import BreakerBoard, BreakerTrip, CircuitBreaker
from omniarb.store import HistoryStore


@dataclass(frozen=True, slots=True, kw_only=True)
class _Trip:
    id: str
    scope: str
    reason: str
    detail: str
    consecutive_failures: int
    loss_usd: float
    tripped_at: datetime
    tripped_by: str
    reset_at: datetime | None = None
    reset_by: str | None = None


class _TinyBreaker:
    """The least a `BreakerControl` does: open with a trip, close on reset."""

    scope = "global"

    def __init__(self) -> None:
        self.trip_record: _Trip | None = None
        self.trips = 0

    @property
    def is_open(self) -> bool:
        return self.trip_record is not None

    def trip(self, detail: str, *, by: str = "manual") -> _Trip:
        if self.trip_record is None:
            self.trips += 1
            self.trip_record = _Trip(
                id=f"trip-{self.trips}",
                scope=self.scope,
                reason="manual",
                detail=detail,
                consecutive_failures=0,
                loss_usd=0.0,
                tripped_at=datetime.now(UTC),
                tripped_by=by,
            )
        return self.trip_record

    def reset(self, *, by: str = "manual") -> _Trip | None:
        ended = self.trip_record
        self.trip_record = None
        return None if ended is None else replace(ended, reset_at=datetime.now(UTC), reset_by=by)


@pytest.fixture(params=["tiny", "circuit-breaker"])
def breaker(request: pytest.FixtureRequest) -> BreakerControl:
    return _TinyBreaker() if request.param == "tiny" else CircuitBreaker()


async def test_trip_and_reset_through_the_api(sqlite_url: str, breaker: BreakerControl) -> None:
    store = HistoryStore.open(sqlite_url)
    state = ApiState(history=store.database, hub=LiveHub(), breaker=breaker)
    try:
        async with (
            serving(state) as server,
            httpx.AsyncClient(base_url=server.url, headers=AUTH) as client,
            websockets.connect(ws_url(server, f"token={TOKEN}&types=breaker")) as ws,
        ):
            closed = BreakerStatus.model_validate((await client.get("/breaker")).json())
            assert (closed.state, closed.trip) == ("closed", None)

            answer = await client.post("/breaker/trip", json={"reason": "gas spike on polygon"})
            assert answer.status_code == 200
            opened = BreakerStatus.model_validate(answer.json())
            assert opened.state == "open"
            assert opened.trip is not None
            assert opened.trip.detail == "gas spike on polygon"
            assert opened.trip.tripped_by == "api"
            assert opened.trip.reason == "manual"
            assert breaker.is_open
            assert (await client.get("/status")).json()["breaker"] == "open"
            heard = json.loads(await ws.recv())
            assert heard["type"] == "breaker"
            assert BreakerStatus.model_validate(heard["data"]) == opened

            # Tripping an open breaker keeps the trip that opened it.
            again = await client.post("/breaker/trip", json={"reason": "second"})
            assert BreakerStatus.model_validate(again.json()).trip == opened.trip
            await ws.recv()

            answer = await client.post("/breaker/reset")
            assert answer.status_code == 200
            assert BreakerStatus.model_validate(answer.json()).state == "closed"
            assert not breaker.is_open
            heard = json.loads(await ws.recv())
            assert heard["data"]["state"] == "closed"

            bad = await client.post("/breaker/trip", json={"reason": ""})
            assert bad.status_code == 422
            assert not breaker.is_open
    finally:
        await store.close()


async def test_a_tripped_circuit_breaker_declines_trades(sqlite_url: str) -> None:
    breaker = CircuitBreaker()
    store = HistoryStore.open(sqlite_url)
    state = ApiState(history=store.database, hub=LiveHub(), breaker=breaker)
    approved = decision(opportunity(0))
    try:
        async with (
            serving(state) as server,
            httpx.AsyncClient(base_url=server.url, headers=AUTH) as client,
        ):
            await client.post("/breaker/trip", json={"reason": "operator stop"})
            declined = await breaker.process(approved)
            assert not declined.approved
            assert "operator stop" in declined.reasons[-1]
            await client.post("/breaker/reset")
            assert (await breaker.process(approved)).approved
    finally:
        await store.close()


def _board() -> BreakerBoard:
    return BreakerBoard(
        global_breaker=CircuitBreaker(),
        chains={name: CircuitBreaker(scope=name) for name in ("base", "ethereum")},
    )


async def test_each_scope_is_listed_tripped_and_reset_on_its_own(sqlite_url: str) -> None:
    board = _board()
    store = HistoryStore.open(sqlite_url)
    state = ApiState(history=store.database, hub=LiveHub(), breaker=board)
    approved = decision(opportunity(0))
    try:
        async with (
            serving(state) as server,
            httpx.AsyncClient(base_url=server.url, headers=AUTH) as client,
            websockets.connect(ws_url(server, f"token={TOKEN}&types=breaker")) as ws,
        ):
            status = BreakerStatus.model_validate((await client.get("/breaker")).json())
            assert [(s.scope, s.state) for s in status.scopes] == [
                ("global", "closed"),
                ("base", "closed"),
                ("ethereum", "closed"),
            ]

            answer = await client.post("/breaker/trip?chain=base", json={"reason": "base reorgs"})
            assert answer.status_code == 200
            opened = BreakerStatus.model_validate(answer.json())
            assert opened.state == "closed"  # the global breaker
            base = opened.scopes[1]
            assert (base.scope, base.state) == ("base", "open")
            assert base.trip is not None
            assert (base.trip.scope, base.trip.detail) == ("base", "base reorgs")
            heard = json.loads(await ws.recv())
            assert BreakerStatus.model_validate(heard["data"]) == opened
            assert not (await board.for_chain("base").process(approved)).approved
            assert (await board.for_chain("ethereum").process(approved)).approved

            # Resetting the global breaker leaves base's open; resetting base's closes it.
            await client.post("/breaker/reset")
            await ws.recv()
            assert board.scope_breaker("base").is_open
            answer = await client.post("/breaker/reset", params={"chain": "base"})
            assert answer.status_code == 200
            assert [s.state for s in BreakerStatus.model_validate(answer.json()).scopes] == [
                "closed",
                "closed",
                "closed",
            ]
            assert (await board.for_chain("base").process(approved)).approved

            missing = await client.post("/breaker/reset", params={"chain": "polygon"})
            assert missing.status_code == 404
            assert "no circuit breaker for 'polygon'" in missing.json()["detail"]
            bad = await client.post("/breaker/reset", params={"chain": "Not A Chain!"})
            assert bad.status_code == 422
    finally:
        await store.close()


async def test_a_breaker_without_scopes_knows_only_global(sqlite_url: str) -> None:
    store = HistoryStore.open(sqlite_url)
    state = ApiState(history=store.database, hub=LiveHub(), breaker=_TinyBreaker())
    try:
        async with (
            serving(state) as server,
            httpx.AsyncClient(base_url=server.url, headers=AUTH) as client,
        ):
            status = BreakerStatus.model_validate((await client.get("/breaker")).json())
            assert [s.scope for s in status.scopes] == ["global"]
            assert (await client.post("/breaker/reset?chain=global")).status_code == 200
            assert (await client.post("/breaker/reset?chain=base")).status_code == 404
    finally:
        await store.close()


async def test_the_command_line_shows_and_resets_each_scope(sqlite_url: str) -> None:
    """`omniarb breaker` in its own process, against the served API and its token."""
    board = _board()
    board.scope_breaker("ethereum").trip("gas spike", by="api")
    seen: list[BreakerTrip] = []
    board.subscribe(seen.append)
    store = HistoryStore.open(sqlite_url)
    state = ApiState(history=store.database, hub=LiveHub(), breaker=board)

    async def cli(*args: str, token: str = TOKEN) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OMNIARB_")}
        env["OMNIARB_API_TOKEN"] = token
        return await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "omniarb", "breaker", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    try:
        async with serving(state) as server:
            url = server.url
            shown = await cli("--url", url)
            assert shown.returncode == 0, shown.stderr
            lines = shown.stdout.splitlines()
            assert lines[0].split() == ["global", "closed"]
            assert lines[1].split() == ["base", "closed"]
            assert lines[2].startswith("ethereum     open   manual: gas spike (tripped ")

            wrong = await cli("reset", "--chain", "ethereum", "--url", server.url, token="nope")
            assert wrong.returncode == 4
            assert "set OMNIARB_API_TOKEN" in wrong.stderr
            assert board.scope_breaker("ethereum").is_open

            reset = await cli("reset", "--chain", "ethereum", "--url", server.url, "--json")
            assert reset.returncode == 0, reset.stderr
            body = BreakerStatus.model_validate_json(reset.stdout)
            assert [s.state for s in body.scopes] == ["closed", "closed", "closed"]
            assert not board.scope_breaker("ethereum").is_open
            (ended,) = seen
            assert (ended.scope, ended.detail, ended.reset_by) == ("ethereum", "gas spike", "api")

            missing = await cli("reset", "--chain", "polygon", "--url", server.url)
            assert missing.returncode == 2
            assert "no circuit breaker for 'polygon'" in missing.stderr

            tripped = await cli("trip", "--reason", "by hand", "--url", server.url)
            assert tripped.returncode == 0, tripped.stderr
            assert board.is_open
            assert board.trip_record is not None
            assert board.trip_record.detail == "by hand"
        gone = await cli("status", "--url", url)  # the server has stopped
        assert gone.returncode == 3
        assert "no bot API answers" in gone.stderr
    finally:
        await store.close()
