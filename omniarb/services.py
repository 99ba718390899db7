"""The services that run beside the engine: metrics and alerts, the circuit breaker, the API's
live hub and server (which also serves the dashboard), and the optional Redis bus.

    async with running_services(settings, store, live=figures) as services:
        await run_bot(..., telemetry=services.telemetry)

Everything is built from the settings; the API starts only when `[api] enabled`, Redis only
when `[redis] enabled`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

from omniarb.api import ApiServer, ApiState, LiveHub, create_app
from omniarb.api.keys_routes import KeyRotationControl
from omniarb.api.live import HubAlertSink
from omniarb.api.state import StatsProvider
from omniarb.api.views import breaker_status
from omniarb.config import BreakerSettings, Settings, load_secrets
from omniarb.monitor.hub import Monitor
from omniarb.paths import project_root
from omniarb.risk import GLOBAL_SCOPE, BreakerBoard, BreakerTrip, CircuitBreaker
from omniarb.risk.trip_rules import ErrorBurst, PriceJump, SuccessRate, TripRule
from omniarb.store import HistoryStore
from omniarb.telemetry import Telemetry

__all__ = ["Services", "breaker_board", "running_services"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class Services:
    telemetry: Telemetry
    api_url: str | None


def _rules(settings: BreakerSettings) -> list[TripRule]:
    rules: list[TripRule] = []
    if settings.min_success_rate > 0:
        rules.append(
            SuccessRate(min_rate=settings.min_success_rate, sample=settings.success_sample)
        )
    if settings.max_errors > 0:
        rules.append(ErrorBurst(max_errors=settings.max_errors, window_s=settings.error_window_s))
    if settings.max_price_jump_pct > 0:
        rules.append(PriceJump(max_jump_pct=settings.max_price_jump_pct))
    return rules


def breaker_board(
    settings: BreakerSettings,
    chains: Sequence[str],
    *,
    clock: Callable[[], float] = time.monotonic,
) -> BreakerBoard:
    """The breakers `[monitor.breaker]` describes: the global one, and with `per_chain` one
    per chain of `chains`, each with the same rules (over its own chain's events)."""

    def breaker(scope: str) -> CircuitBreaker:
        return CircuitBreaker(
            max_consecutive_failures=settings.max_consecutive_failures,
            max_loss_usd=settings.max_loss_usd,
            loss_window_s=settings.loss_window_s,
            rules=_rules(settings),
            cooldown_s=settings.cooldown_s or None,
            scope=scope,
            clock=clock,
        )

    per_chain = {name: breaker(name) for name in chains} if settings.per_chain else {}
    return BreakerBoard(global_breaker=breaker(GLOBAL_SCOPE), chains=per_chain)


@contextlib.asynccontextmanager
async def running_services(
    settings: Settings,
    store: HistoryStore,
    *,
    live: StatsProvider,
    chains: list[str],
    key_rotation: KeyRotationControl | None = None,
) -> AsyncIterator[Services]:
    """Start the services for one run; on exit stop the API and the bus. `key_rotation` is
    what the API's `POST /keys/rotate` asks (503 without one)."""
    hub = LiveHub(queue_size=settings.api.ws_queue_size)
    monitor = Monitor.from_settings(
        settings.monitor,
        load_secrets(),
        recorder=store,
        chains=chains,
        extra_sinks=[HubAlertSink(hub)],
    )
    breaker = breaker_board(settings.monitor.breaker, chains)
    breaker.subscribe(monitor.breaker_event)

    def publish_breaker(_trip: BreakerTrip) -> None:
        # The global state, with every scope's in `scopes`: a chain's trip shows there.
        hub.publish_breaker(breaker_status(breaker))

    breaker.subscribe(publish_breaker)
    telemetry = Telemetry(monitor=monitor, hub=hub, breaker=breaker)

    async with contextlib.AsyncExitStack() as stack:
        background: list[asyncio.Task[None]] = []
        api_url = None
        if settings.api.enabled:
            state = ApiState(
                history=store.database,
                hub=hub,
                live=live,
                metrics=monitor.metrics if settings.monitor.metrics else None,
                breaker=breaker,
                loop_lag=lambda: monitor.loop_lag.worst_s,
                intrusion=monitor.api_intrusion,
                key_rotation=key_rotation,
            )
            dashboard = project_root() / "dashboard" / "dist"
            if not dashboard.is_dir():
                log.warning(
                    "no dashboard build at %s (run `make setup`); serving the API only", dashboard
                )
            app = create_app(
                state, settings, dashboard_dir=dashboard if dashboard.is_dir() else None
            )
            server = ApiServer(app, state, settings.api)
            api_url = server.url
            background.append(asyncio.create_task(server.serve()))
            await server.wait_started()
            log.info("API and dashboard at %s", api_url)
        if settings.redis.enabled:
            from omniarb.bus import RedisBus

            bus = await RedisBus.connect(settings.redis)
            stack.push_async_callback(bus.close)
            background.append(asyncio.create_task(bus.forward(hub)))
        try:
            yield Services(telemetry=telemetry, api_url=api_url)
        finally:
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
