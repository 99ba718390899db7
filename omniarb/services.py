"""The services that run beside the engine: metrics and alerts, the circuit breaker, the API's
live hub and server (which also serves the dashboard), and the optional Redis bus (the hub's
messages published on its events stream).

    async with running_services(settings, store, live=figures) as services:
        await run_bot(..., telemetry=services.telemetry)

Everything is built from the settings; the API starts only when `[api] enabled`, Redis only
when `[redis] enabled`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from omniarb.api import ApiServer, ApiState, LiveHub, create_app
from omniarb.api.inventory import InventorySlot
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

__all__ = ["Services", "breaker_board", "dashboard_build", "running_services"]

log = logging.getLogger(__name__)

# How long the end of a run waits for the bus relay to take the hub's last messages.
_RELAY_DRAIN_S = 2.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Services:
    telemetry: Telemetry
    api_url: str | None
    # What `/cross-chain/inventory` serves: the cross-chain coordinator attaches itself here.
    inventory: InventorySlot


def dashboard_build() -> Path | None:
    """The built dashboard the API serves at `/`; None (logged) when it was not built."""
    dashboard = project_root() / "dashboard" / "dist"
    if not dashboard.is_dir():
        log.warning("no dashboard build at %s (run `make setup`); serving the API only", dashboard)
        return None
    return dashboard


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
    inventory = InventorySlot()

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
                inventory=inventory,
            )
            app = create_app(state, settings, dashboard_dir=dashboard_build())
            server = ApiServer(app, state, settings.api)
            api_url = server.url
            background.append(asyncio.create_task(server.serve()))
            await server.wait_started()
            log.info("API and dashboard at %s", api_url)
        if settings.redis.enabled:
            # Every live message on the bus's events stream, which `omniarb api` processes
            # read; the outbox holds them through a Redis outage and `close` flushes it.
            from omniarb.bus import BusMetrics, StreamBus, publish_hub

            producer = f"run-{socket.gethostname()}-{os.getpid()}"
            bus = await StreamBus.connect(
                settings.redis,
                settings.cluster,
                producer=producer,
                metrics=BusMetrics(monitor.metrics.registry) if settings.monitor.metrics else None,
            )
            stack.push_async_callback(bus.close)
            background.append(asyncio.create_task(publish_hub(hub, bus, producer)))
        try:
            yield Services(telemetry=telemetry, api_url=api_url, inventory=inventory)
        finally:
            if settings.redis.enabled:
                await _relay_drained(hub)
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)


async def _relay_drained(hub: LiveHub, timeout_s: float = _RELAY_DRAIN_S) -> None:
    """Wait (at most `timeout_s`) until the bus relay took every message the run published:
    the relay hands each to the bus's outbox at once, and closing the bus flushes the outbox,
    so the last trades of a run reach the events stream too."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while hub.queued and loop.time() < deadline:
        await asyncio.sleep(0.01)
    if hub.queued:
        log.warning("%d live messages not relayed to the bus at the run's end", hub.queued)
