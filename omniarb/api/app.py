"""The FastAPI application: REST routes over the history and the live figures, and `/ws`.

    app = create_app(state, settings)       # settings: the whole `Settings`; [api] is used here

Routes (all GET unless said): `/status`, `/chains`, `/latency`, `/opportunities`, `/trades`, `/pnl`,
`/params`, `/alerts`, `/breaker` (+ `/breaker/trips`, POST `/breaker/trip`, POST
`/breaker/reset`, each with `?chain=` for one chain's breaker), `/model` (the profit
predictor), `/config`, `/metrics`,
`/openapi.json`, and the WebSocket `/ws?types=trade,opportunity,...`. History reads run in a
worker thread; a database that cannot be reached answers 503, and so does a part (metrics,
breaker) that is not attached. With `dashboard_dir`, its files are served at `/`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response, WebSocket
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.websockets import WebSocketDisconnect

from omniarb import __version__
from omniarb.api.auth import ApiAuth, LoopbackGuard
from omniarb.api.history import load_opportunities, load_pnl
from omniarb.api.keys_routes import register_key_routes
from omniarb.api.latency import ChainLatency
from omniarb.api.live import MESSAGE_TYPES, LiveHub
from omniarb.api.model_status import ModelStatus, load_model_status
from omniarb.api.params import register_params
from omniarb.api.schemas import (
    AlertItem,
    BreakerStatus,
    BreakerTripItem,
    BreakerTripRequest,
    ChainStatus,
    ConfigBody,
    OpportunityItem,
    PnlBody,
    StatusBody,
    TradeItem,
)
from omniarb.api.state import ApiState, BreakerControl, MetricsSource, ScopedBreakerControl
from omniarb.api.views import alert_item, breaker_status, stats_body, trade_item, trip_item
from omniarb.config import Secrets, Settings, load_secrets
from omniarb.errors import NotFoundError, OmniarbError, RetryableError

__all__ = ["create_app"]

log = logging.getLogger(__name__)

# A chain by name (lower-case letters, digits, - and _) or by id (digits that fit a BIGINT).
_CHAIN_PATTERN = r"^([a-z][a-z0-9_-]{0,31}|[0-9]{1,18})$"
TradeStatus = Literal[
    "succeeded",
    "reverted",
    "dropped",
    "cancelled",
    "submitted",
    "simulated",
    "rejected",
    "failed",
]
OpportunityStatus = Literal[
    "detected",
    "approved",
    "declined",
    "simulated",
    "submitted",
    "rejected",
    "failed",
    "succeeded",
    "reverted",
    "dropped",
    "cancelled",
]
_Chain = Annotated[
    str | None, Query(pattern=_CHAIN_PATTERN, description="a chain name or chain id")
]
_Limit = Annotated[int, Query(ge=1, le=1000, description="at most this many, newest first")]
_UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {"description": "a part the route needs is not attached or not reachable"}
}
_UNAUTHORIZED: dict[int | str, dict[str, Any]] = {
    401: {"description": "no bearer token, or not the right one"}
}
_MALFORMED: dict[int | str, dict[str, Any]] = {400: {"description": "the body is not JSON"}}
_NO_SCOPE: dict[int | str, dict[str, Any]] = {
    404: {"description": "the breaker has no such scope (per-chain breakers are off?)"}
}
_BreakerScope = Annotated[
    str | None,
    Query(
        pattern=_CHAIN_PATTERN,
        description='a chain\'s name for its own breaker, or "global" (the default)',
    ),
]


class _UnavailableError(OmniarbError):
    """A part the route needs (metrics, breaker) is not attached: 503."""


def create_app(
    state: ApiState,
    settings: Settings,
    *,
    secrets: Secrets | None = None,
    dashboard_dir: Path | None = None,
) -> FastAPI:
    """The API over `state`; `secrets` default to the environment's (`load_secrets()`)."""
    secrets = load_secrets() if secrets is None else secrets
    token = None if secrets.api_token is None else secrets.api_token.get_secret_value()
    auth = ApiAuth(token, metrics_public=settings.api.metrics_public)
    token_mode = auth.mode == "token"
    # Every route but /metrics (when public) and the WebSocket (which checks at the handshake).
    routes = APIRouter(
        dependencies=[Depends(auth.http)] if token_mode else [],
        responses=_UNAUTHORIZED if token_mode else {},
    )
    app = FastAPI(
        title="omni-arb API",
        version=__version__,
        description="Live figures, history, alerts and the circuit breaker of an omni-arb bot. "
        "Amounts in base units are decimal strings.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.auth = auth
    if auth.mode == "loopback":
        app.add_middleware(LoopbackGuard)

    @app.exception_handler(OmniarbError)
    async def _omniarb_error(request: Request, exc: OmniarbError) -> JSONResponse:
        if isinstance(exc, NotFoundError):
            return JSONResponse({"detail": str(exc)}, status_code=404)
        unavailable = isinstance(exc, RetryableError | _UnavailableError)
        if not unavailable:
            log.error("%s %s failed: %s", request.method, request.url.path, exc)
        return JSONResponse({"detail": str(exc)}, status_code=503 if unavailable else 500)

    history = state.history

    @routes.get("/status")
    async def status() -> StatusBody:
        """Is the bot up, since when, on which chains."""
        figures = state.live() if state.live is not None else None
        breaker = state.breaker
        return StatusBody(
            version=__version__,
            started_at=state.started_at,
            uptime_s=(datetime.now(UTC) - state.started_at).total_seconds(),
            auth="loopback" if auth.mode == "loopback" else "token",
            chains=[] if figures is None else [c.chain for c in figures.chains],
            live=figures is not None,
            history=history.display_url,
            breaker=None if breaker is None else ("open" if breaker.is_open else "closed"),
            hub=state.hub.figures,
            event_loop_lag_max_s=None if state.loop_lag is None else state.loop_lag(),
        )

    @routes.get("/chains")
    async def chains() -> list[ChainStatus]:
        """Each chain's live pipeline figures (empty when no engine is attached)."""
        if state.live is None:
            return []
        return stats_body(state.live()).chains

    @routes.get("/latency")
    async def latency() -> list[ChainLatency]:
        """Each chain's live path over its last sent trades: p50/p99 per segment and total."""
        if state.live is None:
            return []
        return [
            ChainLatency(chain=c.chain, chain_id=c.chain_id, stages=c.stages)
            for c in stats_body(state.live()).chains
        ]

    @routes.get("/opportunities", responses=_UNAVAILABLE)
    async def opportunities(
        chain: _Chain = None, status: OpportunityStatus | None = None, limit: _Limit = 50
    ) -> list[OpportunityItem]:
        """Recorded opportunities, newest first, with how far down the pipeline each went."""
        return await asyncio.to_thread(
            load_opportunities, history, chain=chain, status=status, limit=limit
        )

    @routes.get("/trades", responses=_UNAVAILABLE)
    async def trades(
        chain: _Chain = None, status: TradeStatus | None = None, limit: _Limit = 50
    ) -> list[TradeItem]:
        """Recorded trades, newest first (the items of `omniarb history --json`)."""
        records = await asyncio.to_thread(history.trades, chain=chain, status=status, limit=limit)
        return [trade_item(record) for record in records]

    @routes.get("/pnl", responses=_UNAVAILABLE)
    async def pnl(
        points: Annotated[int, Query(ge=1, le=10_000, description="curve points")] = 1000,
    ) -> PnlBody:
        """Profit per chain and in total, and the PnL curve of the latest settled trades."""
        return await asyncio.to_thread(load_pnl, history, points=points)

    @routes.get("/alerts", responses=_UNAVAILABLE)
    async def alerts(limit: _Limit = 50) -> list[AlertItem]:
        """The latest alerts, newest first: the stored ones (rate-limited ones included, with
        `suppressed` set), or the attached alert feed's."""
        if state.alerts is not None:
            return [alert_item(alert) for alert in state.alerts.recent(limit)]
        stored = await asyncio.to_thread(history.alerts, limit=limit)
        return [alert_item(alert) for alert in stored]

    def breaker_or_503(chain: str | None = None) -> BreakerControl:
        """The breaker of `chain`'s scope (the global one for None or "global"); 404 for a
        scope the attached breaker does not have."""
        control = state.breaker
        if control is None:
            raise _UnavailableError("no circuit breaker is attached")
        if chain is None or chain == control.scope:
            return control
        if isinstance(control, ScopedBreakerControl):
            return control.scope_breaker(chain)
        raise NotFoundError(f"no circuit breaker for {chain!r} (scopes: {control.scope})")

    def publish(control: BreakerControl) -> BreakerStatus:
        # Whatever scope changed, the status is the whole breaker's, as GET /breaker has it.
        now = breaker_status(control)
        state.hub.publish_breaker(now)
        return now

    @routes.get("/model")
    async def model() -> ModelStatus:
        """The profit predictor in use (or why the baseline decides), with its metrics."""
        return await asyncio.to_thread(load_model_status, settings.score)

    @routes.get("/breaker", responses=_UNAVAILABLE)
    async def breaker() -> BreakerStatus:
        """The circuit breaker's state and current trip (the global scope's), with every
        scope's in `scopes`."""
        return breaker_status(breaker_or_503())

    @routes.get("/breaker/trips", responses=_UNAVAILABLE)
    async def breaker_trips(
        limit: _Limit = 50, chain: _BreakerScope = None
    ) -> list[BreakerTripItem]:
        """The stored circuit-breaker trips, newest first, each with its reset once reset;
        `chain` keeps one scope's ("global" or a chain's name)."""
        trips = await asyncio.to_thread(history.breaker_trips, scope=chain, limit=limit)
        return [trip_item(trip) for trip in trips]

    @routes.post("/breaker/trip", responses={**_UNAVAILABLE, **_MALFORMED, **_NO_SCOPE})
    async def trip(request: BreakerTripRequest, chain: _BreakerScope = None) -> BreakerStatus:
        """Open the breaker: trading stops until a reset (with `chain`, only that chain's
        trading). Tripping an open breaker keeps its current trip."""
        breaker_or_503(chain).trip(request.reason, by="api")
        return publish(breaker_or_503())

    @routes.post("/breaker/reset", responses={**_UNAVAILABLE, **_NO_SCOPE})
    async def reset(chain: _BreakerScope = None) -> BreakerStatus:
        """Close the breaker: trading resumes (with `chain`, that chain's breaker only)."""
        breaker_or_503(chain).reset(by="api")
        return publish(breaker_or_503())

    @routes.get("/config")
    async def config() -> ConfigBody:
        """The effective settings; secrets only as `***` (set) or null (not set)."""
        return ConfigBody(settings=settings.to_public_dict(), secrets=secrets.to_public_dict())

    def metrics_or_503() -> MetricsSource:
        if state.metrics is None:
            raise _UnavailableError("no metrics are attached")
        return state.metrics

    @app.get(
        "/metrics",
        dependencies=[Depends(auth.http)] if token_mode and not auth.metrics_public else [],
        response_class=Response,
        responses={
            200: {"content": {"text/plain": {"schema": {"type": "string"}}}},
            **_UNAVAILABLE,
            **(_UNAUTHORIZED if token_mode and not auth.metrics_public else {}),
        },
    )
    async def metrics() -> Response:
        """Prometheus series in the text exposition format."""
        source = metrics_or_503()
        return Response(source.render(), media_type=source.content_type)

    register_params(routes, state)
    register_key_routes(routes, state.history, state.key_rotation)
    app.include_router(routes)

    @app.websocket("/ws")
    async def live(websocket: WebSocket) -> None:
        await _stream(websocket, auth, state.hub)

    if dashboard_dir is not None:
        app.mount("/", StaticFiles(directory=dashboard_dir, html=True), name="dashboard")
    return app


async def _refuse(websocket: WebSocket, status: int, detail: str) -> None:
    """Answer the handshake with an HTTP error when the server can, else close it."""
    try:
        await websocket.send_denial_response(JSONResponse({"detail": detail}, status_code=status))
    except RuntimeError:
        await websocket.close(code=1008, reason=detail[:120])


async def _stream(websocket: WebSocket, auth: ApiAuth, hub: LiveHub) -> None:
    """Send the hub's messages until the client leaves, lags too far, or the server stops."""
    if not auth.websocket_allowed(websocket):
        await _refuse(websocket, 401, "a token is required: ?token=... or a bearer header")
        return
    asked = websocket.query_params.get("types")
    types = MESSAGE_TYPES if not asked else frozenset(t.strip() for t in asked.split(","))
    if not types <= MESSAGE_TYPES:
        await _refuse(websocket, 400, f"types: choose from {', '.join(sorted(MESSAGE_TYPES))}")
        return
    await websocket.accept()
    started = time.monotonic()
    with hub.subscribe(types) as subscription:

        async def send() -> None:
            with contextlib.suppress(WebSocketDisconnect, OSError):
                while True:
                    await websocket.send_text(await subscription.get())

        async def listen() -> None:
            # Clients only listen; what they send is read so a close is noticed at once.
            while (await websocket.receive())["type"] != "websocket.disconnect":
                pass

        async with asyncio.TaskGroup() as tasks:
            running = [
                tasks.create_task(send()),
                tasks.create_task(listen()),
                tasks.create_task(subscription.dropped.wait()),
            ]
            await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in running:
                task.cancel()
        if subscription.dropped.is_set():
            # 1013 "try again later": the client fell a whole queue behind.
            with contextlib.suppress(WebSocketDisconnect, OSError, RuntimeError):
                await websocket.close(code=1013, reason="too slow: dropped")
    log.debug("live client left after %.1f s", time.monotonic() - started)
