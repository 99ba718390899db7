"""`omniarb worker --chain X`: one chain's pipeline, run only while this process holds the
chain's signer lease.

The same `run_bot` as `omniarb run`, on a manifest of one chain; only the wiring differs: the
chain's signer and submission guard are fenced by the lease (`run_bot(..., leases=...)`), the
live hub's messages go to the bus, the pool updates to the coordinator's stream. The loop:

    standby ──wait_acquire──► active (token n) ──lease lost / stale token──► standby
                                      │
                                  SIGTERM ──► stop the engine, release the lease, withdraw

Stopping the engine lets a send under way finish and be recorded; a trade sent but not settled
stays pending in the shared history, and whoever holds the lease next reconciles it at start
(`omniarb.reconcile`), so a term that ends never loses or repeats a trade.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from omniarb.api.live import LiveHub
from omniarb.api.state import LiveFigures
from omniarb.bot import run_bot
from omniarb.cluster.lease import LeaseStoppedError, SignerLease, StaleLeaseError
from omniarb.cluster.presence import Presence
from omniarb.cluster.registry import WorkerRegistry
from omniarb.config import Settings
from omniarb.engine import Engine
from omniarb.network import Manifest
from omniarb.services import running_services
from omniarb.store import HistoryStore
from omniarb.telemetry import Telemetry
from omniarb.track import ChainBotStats
from omniarb.types import PoolUpdate
from omniarb.wiring import ChainAccess

__all__ = ["STEP_DOWN_LINE", "WorkerWiring", "run_worker", "term_telemetry", "worker_settings"]

log = logging.getLogger(__name__)

# The one line a worker logs when it loses its lease; the chaos tests look for it.
STEP_DOWN_LINE = "lease lost: stepping down"
# The stats the API shows per chain: as often as its own view refreshes.
_STATS_EVERY_S = 1.0
# How long a term's end waits for the bus relay to take the hub's last messages.
_RELAY_DRAIN_S = 5.0

PoolTap = Callable[[str, PoolUpdate], None]
HubRelay = Callable[[LiveHub], Coroutine[Any, Any, None]]
TermTelemetry = Callable[[], AbstractAsyncContextManager[Telemetry]]


def worker_settings(settings: Settings) -> Settings:
    """`settings` as a worker runs them: no API of its own (the `omniarb api` role serves it),
    no cross-chain trading (the coordinator's), and no Redis forwarder of its own (its hub goes
    to the bus through the relay)."""
    return settings.model_copy(
        update={
            "api": settings.api.model_copy(update={"enabled": False}),
            "cross_chain": settings.cross_chain.model_copy(update={"enabled": False}),
            "redis": settings.redis.model_copy(update={"enabled": False}),
        }
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkerWiring:
    """What a worker is connected to besides its chain: the lease of its signer, the registry
    it announces itself in, where each term's telemetry comes from, and the bus ends (the
    hub's relay, the pool updates' tap; None: not connected)."""

    lease: SignerLease
    registry: WorkerRegistry
    presence: Presence
    telemetry: TermTelemetry
    relay: HubRelay | None = None
    pool_tap: PoolTap | None = None


def term_telemetry(
    settings: Settings, store: HistoryStore, chains: list[str], current: list[Telemetry]
) -> TermTelemetry:
    """Each term's metrics, alerts, breakers and live hub, built as `omniarb run` builds them
    (`running_services`, with `worker_settings`: no API); the latest is `current[0]` for the
    metrics endpoint. A term gets fresh ones: the engine closes its hooks when it stops."""

    @contextlib.asynccontextmanager
    async def build() -> AsyncIterator[Telemetry]:
        engines: list[Engine] = []

        def figures() -> LiveFigures:
            return LiveFigures(chains=engines[0].stats if engines else [])

        async with running_services(settings, store, live=figures, chains=chains) as services:
            current[:] = [services.telemetry]
            yield services.telemetry

    return build


async def run_worker(
    manifest: Manifest,
    settings: Settings,
    *,
    access: ChainAccess,
    store: HistoryStore,
    wiring: WorkerWiring,
    stop: asyncio.Event,
    dry_run: bool = False,
) -> int:
    """Serve the one chain of `manifest` until `stop`: standby until the lease is ours, then
    active until it is lost (back to standby) or `stop` (release it). Returns the number of
    terms served as the active worker."""
    (chain,) = manifest.chains
    lease, presence, registry = wiring.lease, wiring.presence, wiring.registry
    terms = 0
    try:
        while not stop.is_set():
            presence.state, presence.fencing_token = "standby", None
            await presence.announce(registry)
            log.info("%s: standby, waiting for the signer lease", chain.name)
            try:
                token = await lease.wait_acquire(stop)
            except LeaseStoppedError:
                break
            terms += 1
            presence.state, presence.fencing_token = "active", token
            await presence.announce(registry)
            log.info("%s: active with fencing token %d", chain.name, token)
            lost = await _term(
                manifest,
                settings,
                access=access,
                store=store,
                wiring=wiring,
                stop=stop,
                dry_run=dry_run,
            )
            if lost:
                presence.state = "stepping-down"
                await presence.announce(registry)
                log.warning("%s: %s (fencing token %d)", chain.name, STEP_DOWN_LINE, token)
    finally:
        # Released after the engine stopped: the standby takes over at once, not a TTL later.
        # A lease we no longer hold is left alone (the release deletes only our own).
        with contextlib.suppress(Exception):
            await lease.release()
    return terms


async def _term(
    manifest: Manifest,
    settings: Settings,
    *,
    access: ChainAccess,
    store: HistoryStore,
    wiring: WorkerWiring,
    stop: asyncio.Event,
    dry_run: bool,
) -> bool:
    """One term as the active worker; True when it ended because the lease was lost."""
    (chain,) = manifest.chains
    lost = asyncio.Event()
    presence = wiring.presence
    engines: list[Engine] = []

    def on_start(engine: Engine) -> None:
        engines.append(engine)
        if wiring.pool_tap is not None:
            engine.tap_updates(wiring.pool_tap)

    def stop_when(stats: list[ChainBotStats]) -> bool:
        for figures in stats:
            presence.head_block = figures.block_number or presence.head_block
            presence.trades = len(figures.trades)
        return stop.is_set() or lost.is_set()

    async def keep() -> None:
        try:
            await wiring.lease.keep(lost)
        except Exception:
            # The lease can no longer be vouched for: step down rather than sign unfenced.
            log.exception("%s: the lease's renewal failed", chain.name)
            lost.set()

    async def tick_stats(hub: LiveHub) -> None:
        while True:
            if engines:
                hub.publish_stats(LiveFigures(chains=engines[0].stats))
            await asyncio.sleep(_STATS_EVERY_S)

    async with wiring.telemetry() as telemetry, asyncio.TaskGroup() as tasks:
        beside = [tasks.create_task(keep())]
        if telemetry.hub is not None:
            beside.append(tasks.create_task(tick_stats(telemetry.hub)))
            if wiring.relay is not None:
                beside.append(tasks.create_task(wiring.relay(telemetry.hub)))
        try:
            await run_bot(
                manifest,
                settings,
                access=access,
                store=store,
                dry_run=dry_run,
                stop_when=stop_when,
                on_start=on_start,
                telemetry=telemetry,
                leases={chain.name: wiring.lease},
            )
        except* StaleLeaseError as group:
            # The engine's task group wraps it: a submission found a newer token than ours.
            log.warning("%s: %s", chain.name, group.exceptions[0])
            lost.set()
        finally:
            if telemetry.hub is not None:
                await _relayed(telemetry.hub, engines)
            for task in beside:
                task.cancel()
    return lost.is_set() and not stop.is_set()


async def _relayed(hub: LiveHub, engines: list[Engine]) -> None:
    """Let the relay take the term's last messages (the trades settled while the engine
    stopped, the final figures) before it is cancelled: bounded, it never holds a step-down."""
    if engines:
        hub.publish_stats(LiveFigures(chains=engines[0].stats))
    deadline = asyncio.get_running_loop().time() + _RELAY_DRAIN_S
    # The relay hands each message to the bus's outbox without waiting (unless it is full):
    # once the queues are empty, it is waiting for the next message, holding none.
    while hub.queued and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.01)
    if hub.queued:
        log.warning("%d live messages not relayed to the bus at the term's end", hub.queued)
