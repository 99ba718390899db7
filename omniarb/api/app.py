"""The FastAPI application: REST routes over the history and the live figures, and `/ws`.

    app = create_app(state, settings)       # settings: the whole `Settings`; [api] is used here

Routes (all GET unless said): `/status`, `/chains`, `/latency`, `/opportunities`, `/trades`, `/pnl`,
`/params`, `/alerts`, `/breaker` (+ `/breaker/trips`, POST `/breaker/trip`, POST
`/breaker/reset`, each with `?chain=` for one chain's breaker), `/model` (the profit
predictor), `/cross-chain/trades`, `/cross-chain/transfers`, `/cross-chain/exposures`,
`/cross-chain/inventory` (`omniarb.api.cross_chain_routes`), `/cluster/workers` (the
scaled-out cluster's processes, `omniarb.api.cluster_routes`), `/config`, `/metrics`,
`/openapi.json`, and the WebSocket `/ws?types=trade,opportunity,...`. History reads run in a
worker thread; a database that cannot be reached answers 503, and so does a part (metrics,
breaker) that is not attached. With `dashboard_dir`, its files are served at `/`.

Security (see `omniarb.api.auth`, `guards`, `control`): each route declares its token scope,
requests are rate-limited per address and per token, bodies above `api.max_body_bytes` get 413,
CORS is off unless `api.cors_origins` lists origins, and control calls are audited.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response, WebSocket
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from omniarb import __version__
from omniarb.api.audit_trail import ApiAudit
from omniarb.api.auth import ApiAuth
from omniarb.api.cluster_routes import ClusterUnavailableError, register_cluster
from omniarb.api.control import (
    CHAIN_PATTERN,
    BreakerScope,
    BreakerUnavailableError,
    breaker_of,
    register_control,
)
from omniarb.api.cross_chain_routes import register_cross_chain
from omniarb.api.guards import AddressRateLimit, BodyLimit, LoopbackGuard
from omniarb.api.history import load_opportunities, load_pnl
from omniarb.api.inventory import InventoryUnavailableError
from omniarb.api.keys_routes import register_key_routes
from omniarb.api.latency import ChainLatency
from omniarb.api.model_status import ModelStatus, load_model_status
from omniarb.api.params import register_params
from omniarb.api.ratelimit import RateLimiter
from omniarb.api.schemas import (
    AlertItem,
    BreakerStatus,
    BreakerTripItem,
    ChainStatus,
    OpportunityItem,
    PnlBody,
    StatusBody,
    TradeItem,
)
from omniarb.api.state import ApiState, MetricsSource
from omniarb.api.views import alert_item, breaker_status, stats_body, trade_item, trip_item
from omniarb.api.websocket import stream
from omniarb.config import Secrets, Settings, load_secrets
from omniarb.errors import NotFoundError, OmniarbError, RetryableError

__all__ = ["create_app"]

log = logging.getLogger(__name__)

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
_Chain = Annotated[str | None, Query(pattern=CHAIN_PATTERN, description="a chain name or chain id")]
_Limit = Annotated[int, Query(ge=1, le=1000, description="at most this many, newest first")]
_UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {"description": "a part the route needs is not attached or not reachable"}
}
_UNAUTHORIZED: dict[int | str, dict[str, Any]] = {
    401: {"description": "no bearer token, or not a valid one"},
    403: {"description": "the token lacks the scope this route needs"},
}
_LIMITED: dict[int | str, dict[str, Any]] = {
    429: {
        "description": "too many requests: retry after `Retry-After` seconds",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    }
}


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
    api = settings.api
    intrusion = state.intrusion
    audit = ApiAudit(state.history)
    auth = ApiAuth(
        token,
        metrics_public=api.metrics_public,
        tokens=state.history.api_tokens,
        limiter=RateLimiter(rate_per_s=api.token_rate_per_s, burst=api.token_burst),
        intrusion=intrusion,
        audit=audit,
    )
    token_mode = auth.mode == "token"
    # Every route but /metrics (when public) and the WebSocket (which checks at the handshake).
    responses = {**_LIMITED, **(_UNAUTHORIZED if token_mode else {})}
    reads = APIRouter(dependencies=[Depends(auth.require("read"))], responses=responses)
    controls = APIRouter(responses=responses)
    app = FastAPI(
        title="omni-arb API",
        version=__version__,
        description="Live figures, history, alerts and the circuit breaker of an omni-arb bot. "
        "Amounts in base units are decimal strings. Each route names the token scope it needs "
        "(read, control or admin).",
        docs_url=None,
        redoc_url=None,
    )
    app.state.auth = auth
    # Added innermost first: a request meets the address limit, the loopback guard, CORS, and
    # the body limit, in that order.
    app.add_middleware(BodyLimit, max_bytes=api.max_body_bytes)
    if api.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(api.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    if auth.mode == "loopback":
        app.add_middleware(LoopbackGuard)

    def address_limited() -> None:
        if intrusion is not None:
            intrusion.rate_limited("address")

    app.add_middleware(
        AddressRateLimit,
        limiter=RateLimiter(rate_per_s=api.address_rate_per_s, burst=api.address_burst),
        on_limited=address_limited,
    )

    @app.exception_handler(OmniarbError)
    async def _omniarb_error(request: Request, exc: OmniarbError) -> JSONResponse:
        if isinstance(exc, NotFoundError):
            return JSONResponse({"detail": str(exc)}, status_code=404)
        unavailable = isinstance(
            exc,
            RetryableError
            | _UnavailableError
            | BreakerUnavailableError
            | InventoryUnavailableError
            | ClusterUnavailableError,
        )
        if not unavailable:
            log.error("%s %s failed: %s", request.method, request.url.path, exc)
        return JSONResponse({"detail": str(exc)}, status_code=503 if unavailable else 500)

    history = state.history

    @reads.get("/status")
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

    @reads.get("/chains")
    async def chains() -> list[ChainStatus]:
        """Each chain's live pipeline figures (empty when no engine is attached)."""
        if state.live is None:
            return []
        return stats_body(state.live()).chains

    @reads.get("/latency")
    async def latency() -> list[ChainLatency]:
        """Each chain's live path over its last sent trades: p50/p99 per segment and total."""
        if state.live is None:
            return []
        return [
            ChainLatency(chain=c.chain, chain_id=c.chain_id, stages=c.stages)
            for c in stats_body(state.live()).chains
        ]

    @reads.get("/opportunities", responses=_UNAVAILABLE)
    async def opportunities(
        chain: _Chain = None, status: OpportunityStatus | None = None, limit: _Limit = 50
    ) -> list[OpportunityItem]:
        """Recorded opportunities, newest first, with how far down the pipeline each went."""
        return await asyncio.to_thread(
            load_opportunities, history, chain=chain, status=status, limit=limit
        )

    @reads.get("/trades", responses=_UNAVAILABLE)
    async def trades(
        chain: _Chain = None, status: TradeStatus | None = None, limit: _Limit = 50
    ) -> list[TradeItem]:
        """Recorded trades, newest first (the items of `omniarb history --json`)."""
        records = await asyncio.to_thread(history.trades, chain=chain, status=status, limit=limit)
        return [trade_item(record) for record in records]

    @reads.get("/pnl", responses=_UNAVAILABLE)
    async def pnl(
        points: Annotated[int, Query(ge=1, le=10_000, description="curve points")] = 1000,
    ) -> PnlBody:
        """Profit per chain and in total, and the PnL curve of the latest settled trades."""
        return await asyncio.to_thread(load_pnl, history, points=points)

    @reads.get("/alerts", responses=_UNAVAILABLE)
    async def alerts(limit: _Limit = 50) -> list[AlertItem]:
        """The latest alerts, newest first: the stored ones (rate-limited ones included, with
        `suppressed` set), or the attached alert feed's."""
        if state.alerts is not None:
            return [alert_item(alert) for alert in state.alerts.recent(limit)]
        stored = await asyncio.to_thread(history.alerts, limit=limit)
        return [alert_item(alert) for alert in stored]

    @reads.get("/model")
    async def model() -> ModelStatus:
        """The profit predictor in use (or why the baseline decides), with its metrics."""
        return await asyncio.to_thread(load_model_status, settings.score)

    @reads.get("/breaker", responses=_UNAVAILABLE)
    async def breaker() -> BreakerStatus:
        """The circuit breaker's state and current trip (the global scope's), with every
        scope's in `scopes`."""
        return breaker_status(breaker_of(state))

    @reads.get("/breaker/trips", responses=_UNAVAILABLE)
    async def breaker_trips(
        limit: _Limit = 50, chain: BreakerScope = None
    ) -> list[BreakerTripItem]:
        """The stored circuit-breaker trips, newest first, each with its reset once reset;
        `chain` keeps one scope's ("global" or a chain's name)."""
        trips = await asyncio.to_thread(history.breaker_trips, scope=chain, limit=limit)
        return [trip_item(trip) for trip in trips]

    def metrics_or_503() -> MetricsSource:
        if state.metrics is None:
            raise _UnavailableError("no metrics are attached")
        return state.metrics

    @app.get(
        "/metrics",
        dependencies=[] if auth.metrics_public else [Depends(auth.require("read"))],
        response_class=Response,
        responses={
            200: {"content": {"text/plain": {"schema": {"type": "string"}}}},
            **_UNAVAILABLE,
            **_LIMITED,
            **(_UNAUTHORIZED if token_mode and not auth.metrics_public else {}),
        },
    )
    async def metrics() -> Response:
        """Prometheus series in the text exposition format."""
        source = metrics_or_503()
        return Response(source.render(), media_type=source.content_type)

    register_params(reads, state)
    register_cross_chain(reads, state)
    register_cluster(reads, state.cluster)
    register_control(
        controls, state=state, settings=settings, secrets=secrets, auth=auth, audit=audit
    )
    register_key_routes(controls, auth=auth, audit=audit, control=state.key_rotation)
    app.include_router(reads)
    app.include_router(controls)

    @app.websocket("/ws")
    async def live(websocket: WebSocket) -> None:
        await stream(websocket, auth, state.hub, api, intrusion)

    if dashboard_dir is not None:
        app.mount("/", StaticFiles(directory=dashboard_dir, html=True), name="dashboard")
    return app
