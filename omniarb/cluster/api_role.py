"""The API role (`omniarb api`): the REST + WebSocket API and the dashboard, alone in a process,
for a cluster whose trading runs in other processes.

It serves the same app as the single-process bot (`omniarb.api.create_app`, `ApiServer`) over
what a process without an engine has: the history from the shared database, a `LiveHub` fed
from the bus's EVENTS stream (every worker's live messages), `/cluster/workers` from the worker
registry, and its own metrics (API requests, auth failures, the event loop's lag) on
`--metrics-port`. It announces itself in the registry (role "api", state "active").

Each replica reads EVENTS in a consumer group of its own, `api-{replica}` (also its registry
id): a dashboard must see every worker's messages, so replicas must not split them as the
members of one group do. The replica name defaults to `{host}-{pid}`, unique per process
(`--replica NAME` names it, e.g. after its pod). As the bus trims a stream only below what every
group acknowledged, a replica destroys its group when it stops, and removes the groups of
replicas that are gone (`omniarb.cluster.api_groups`).

    async with running_api_role(settings, options, feed=bus_feed(settings, replica)) as role:
        print(role.api_url)
        await role.wait(stop)                  # until `stop`, or a part of it fails
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass

import redis.asyncio as aioredis
from prometheus_client import CollectorRegistry

from omniarb.api import ApiServer, ApiState, HubAlertSink, LiveHub, create_app
from omniarb.bus.bus_metrics import BusMetrics, sample_backlog
from omniarb.bus.streams import EVENTS, StreamBus
from omniarb.cluster.api_feed import EventsToHub
from omniarb.cluster.api_groups import destroy_group, reap_api_groups
from omniarb.cluster.registry import WorkerEntry, WorkerRegistry
from omniarb.config import Settings, load_secrets
from omniarb.errors import ConfigError, OmniarbError, RetryableError
from omniarb.monitor.hub import Monitor
from omniarb.monitor.metrics_http import MetricsServer
from omniarb.services import dashboard_build
from omniarb.store import HistoryStore, resolve_db_url

__all__ = [
    "ApiRole",
    "ApiRoleOptions",
    "HubFeed",
    "bus_feed",
    "default_replica",
    "events_group",
    "require_redis",
    "running_api_role",
]

log = logging.getLogger(__name__)

_STOP_TIMEOUT_S = 5.0
# How often a replica looks for the events groups of replicas that are gone.
_REAP_EVERY_S = 60.0

# Feeds the hub until the event is set, its series on the registry given: the bus's EVENTS
# consumer in production.
HubFeed = Callable[[LiveHub, CollectorRegistry, asyncio.Event], Coroutine[object, object, None]]


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiRoleOptions:
    """Where the role listens: `host`/`port` for the API (None: `[api]`'s), `metrics_port`
    for Prometheus (None: no metrics port; 0: a free one), and the replica's name."""

    host: str | None = None
    port: int | None = None
    metrics_port: int | None = None
    replica: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiRole:
    """The running role: its URLs, its registry id and its consumer group."""

    api_url: str
    metrics_url: str | None
    worker_id: str
    group: str
    tasks: tuple[asyncio.Task[None], ...]

    async def wait(self, stop: asyncio.Event) -> None:
        """Return when `stop` is set; raise when a part (server, feed, heartbeat) fails."""
        stopped = asyncio.ensure_future(stop.wait())
        try:
            done, _ = await asyncio.wait(
                [stopped, *self.tasks], return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            stopped.cancel()
        for task in done:
            if task is not stopped:
                # A part that returns on its own has stopped serving: that is a failure too.
                task.result()
                raise RuntimeError(f"{task.get_name()} stopped on its own")


def default_replica() -> str:
    """`{host}-{pid}`: unique per process, so two replicas never share a group by accident."""
    return f"{socket.gethostname()}-{os.getpid()}"


def events_group(replica: str) -> str:
    """The EVENTS consumer group of the API replica `replica`."""
    return f"api-{replica}"


def require_redis(settings: Settings, role: str) -> None:
    """`ConfigError` (exit 4) unless `[redis] enabled`: the bus and the registry live there."""
    if not settings.redis.enabled:
        raise ConfigError(
            f"redis.enabled: `omniarb {role}` is a role of a cluster and needs Redis (the bus "
            "and the worker registry live there): set enabled = true under [redis]"
        )


def bus_feed(settings: Settings, replica: str) -> HubFeed:
    """The hub fed from EVENTS in the group `events_group(replica)`, with the bus's series
    (its group's backlog sampled every heartbeat) on the role's metrics registry."""

    async def feed(hub: LiveHub, registry: CollectorRegistry, stop: asyncio.Event) -> None:
        group = events_group(replica)
        metrics = BusMetrics(registry)
        bus = await StreamBus.connect(
            settings.redis, settings.cluster, producer=group, metrics=metrics
        )
        try:
            consumer = bus.consumer(EVENTS, group=group, consumer=group)
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(
                    sample_backlog(
                        bus.backlog,
                        bus.length,
                        metrics,
                        [(EVENTS, group)],
                        every_s=settings.cluster.heartbeat_s,
                        stop=stop,
                    )
                )
                tasks.create_task(consumer.run(EventsToHub(hub), stop=stop))
        finally:
            await bus.close()

    return feed


async def _reap_gone_groups(
    client: aioredis.Redis, registry: WorkerRegistry, prefix: str, own: str, stop: asyncio.Event
) -> None:
    """Remove the events groups of gone API replicas now and every `_REAP_EVERY_S`."""
    idle_ms = round(registry.ttl_s * 1000)
    while not stop.is_set():
        try:
            live = {entry.id for entry in await registry.list()} | {own}
            await reap_api_groups(client, prefix, live_ids=live, idle_ms=idle_ms)
        except RetryableError as exc:
            log.warning("events groups not reaped this time: %s", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), _REAP_EVERY_S)


@contextlib.asynccontextmanager
async def running_api_role(
    settings: Settings, options: ApiRoleOptions, *, feed: HubFeed | None
) -> AsyncIterator[ApiRole]:
    """Start the role; on exit withdraw it from the registry and stop every part. `feed`
    None serves no live messages (`/ws` only sends what nothing publishes)."""
    require_redis(settings, "api")
    replica = options.replica or default_replica()
    api = settings.api.model_copy(
        update={
            "host": settings.api.host if options.host is None else options.host,
            "port": settings.api.port if options.port is None else options.port,
        }
    )
    settings = settings.model_copy(update={"api": api})
    secrets = load_secrets()
    hub = LiveHub(queue_size=api.ws_queue_size)
    stop = asyncio.Event()
    async with contextlib.AsyncExitStack() as stack:
        registry = await WorkerRegistry.connect(settings.redis, settings.cluster)
        stack.push_async_callback(registry.close)
        store = await asyncio.to_thread(HistoryStore.open, resolve_db_url(secrets=secrets))
        stack.push_async_callback(store.close)
        monitor = Monitor.from_settings(
            settings.monitor, secrets, recorder=store, extra_sinks=[HubAlertSink(hub)]
        )
        stack.push_async_callback(monitor.close)
        state = ApiState(
            history=store.database,
            hub=hub,
            metrics=monitor.metrics if settings.monitor.metrics else None,
            loop_lag=lambda: monitor.loop_lag.worst_s,
            intrusion=monitor.api_intrusion,
            cluster=registry,
        )
        metrics = None
        if options.metrics_port is not None:
            metrics = await MetricsServer.start(
                monitor.metrics, host=api.host, port=options.metrics_port
            )
            stack.push_async_callback(metrics.close)
        # Bound last: its socket is closed by `serve()`, which starts right after.
        server = ApiServer(create_app(state, settings, dashboard_dir=dashboard_build()), state, api)
        group = events_group(replica)
        entry = WorkerEntry(
            id=group,
            role="api",
            chain=None,
            state="active",
            pid=os.getpid(),
            host=socket.gethostname(),
            started_at=time.time(),
        )
        tasks = [
            asyncio.create_task(server.serve(), name="the API server"),
            asyncio.create_task(monitor.run(), name="the monitor"),
            asyncio.create_task(registry.heartbeat(lambda: entry, stop), name="the heartbeat"),
        ]
        client = aioredis.Redis.from_url(settings.redis.url, decode_responses=True)
        stack.push_async_callback(client.aclose)
        prefix = settings.redis.key_prefix
        if feed is not None:
            # Announced before its group exists, so no other replica takes the group for gone.
            await registry.announce(entry)
            tasks.append(
                asyncio.create_task(
                    feed(hub, monitor.metrics.registry, stop), name="the EVENTS feed"
                )
            )
            tasks.append(
                asyncio.create_task(
                    _reap_gone_groups(client, registry, prefix, group, stop),
                    name="the events-group reaper",
                )
            )
        try:
            await server.wait_started()
            log.info("API role %s at %s, events group %s", entry.id, server.url, group)
            yield ApiRole(
                api_url=server.url,
                metrics_url=None if metrics is None else metrics.url,
                worker_id=entry.id,
                group=group,
                tasks=tuple(tasks),
            )
        finally:
            # The feed and the heartbeat end at `stop` between entries (an entry handled is
            # acknowledged); the server and the monitor only end by cancellation.
            stop.set()
            await asyncio.wait(tasks[2:], timeout=_STOP_TIMEOUT_S)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            try:
                if feed is not None:
                    await destroy_group(client, prefix, group, settings.redis.url)
                await registry.withdraw(entry.id)
            except OmniarbError as exc:
                log.warning("not withdrawn from the registry and the bus: %s", exc)
