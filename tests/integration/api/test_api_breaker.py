"""`/breaker`: the operator trips and resets the circuit breaker through the API, and every
WebSocket client hears about it; with a tiny breaker written for the test and with the real
`CircuitBreaker`, which trading then respects."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import httpx
import pytest
import websockets
from _api_server import AUTH, TOKEN, serving, ws_url
from _api_values import decision, opportunity

from omniarb.api import ApiState, BreakerControl, LiveHub
from omniarb.api.schemas import BreakerStatus
from omniarb.risk.breaker import CircuitBreaker
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
