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
from collections.abc import AsyncIterator
from dataclasses import dataclass

from omniarb.api import ApiServer, ApiState, LiveHub, create_app
from omniarb.api.live import HubAlertSink
from omniarb.api.state import StatsProvider
from omniarb.api.views import breaker_status
from omniarb.config import Settings, load_secrets
from omniarb.monitor.hub import Monitor
from omniarb.paths import project_root
from omniarb.risk import BreakerTrip, CircuitBreaker
from omniarb.store import HistoryStore
from omniarb.telemetry import Telemetry

__all__ = ["Services", "running_services"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class Services:
    telemetry: Telemetry
    api_url: str | None


@contextlib.asynccontextmanager
async def running_services(
    settings: Settings, store: HistoryStore, *, live: StatsProvider, chains: list[str]
) -> AsyncIterator[Services]:
    """Start the services for one run; on exit stop the API and the bus."""
    hub = LiveHub(queue_size=settings.api.ws_queue_size)
    monitor = Monitor.from_settings(
        settings.monitor,
        load_secrets(),
        recorder=store,
        chains=chains,
        extra_sinks=[HubAlertSink(hub)],
    )
    breaker = CircuitBreaker(
        max_consecutive_failures=settings.monitor.breaker.max_consecutive_failures,
        max_loss_usd=settings.monitor.breaker.max_loss_usd,
        loss_window_s=settings.monitor.breaker.loss_window_s,
    )
    breaker.subscribe(monitor.breaker_event)

    def publish_breaker(_trip: BreakerTrip) -> None:
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
