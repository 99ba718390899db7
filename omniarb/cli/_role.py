"""What every scaled-out role's command shares: `--metrics-port`, the cluster's prerequisites
(`[redis] enabled`, a shared PostgreSQL history) and its Redis connections (the registry, the bus).

    db_url = require_cluster(settings)
    async with role_links(settings, identity) as links:
        async with announced(links.registry, presence): ...
"""

from __future__ import annotations

import argparse
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import redis.asyncio as aioredis
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import generate_latest

from omniarb.bus.bus_metrics import BusMetrics
from omniarb.bus.streams import StreamBus
from omniarb.cluster.presence import RoleIdentity
from omniarb.cluster.registry import WorkerRegistry
from omniarb.config import Settings, load_secrets
from omniarb.errors import ConfigError
from omniarb.monitor.metrics_http import MetricsServer
from omniarb.store import resolve_db_url
from omniarb.store.engine import parse_db_url

__all__ = [
    "DEFAULT_METRICS_PORT",
    "IDLE_IN_TRANSACTION_MS",
    "RoleLinks",
    "RoleMetrics",
    "add_metrics_port",
    "require_cluster",
    "role_links",
    "serving_metrics",
]

log = logging.getLogger(__name__)

# Prometheus' port for application exporters, as `omniarb api` (`api_cmd`).
DEFAULT_METRICS_PORT = 9464
# A process frozen inside a database transaction (SIGSTOP, a VM paused) holds that
# transaction's row locks until it resumes; the server ends such a session after this long, so
# the worker that took over its lease is not blocked behind it (its reconciliation was, for as
# long as the freeze lasted, before this bound).
IDLE_IN_TRANSACTION_MS = 10_000
# Every Prometheus version scrapes the text format 0.0.4.
_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if not 0 <= value <= 65_535:
        raise argparse.ArgumentTypeError(f"must be from 0 to 65535, got {value}")
    return value


def add_metrics_port(parser: argparse.ArgumentParser) -> None:
    """`--metrics-port N`."""
    parser.add_argument(
        "--metrics-port",
        type=_port,
        default=DEFAULT_METRICS_PORT,
        metavar="N",
        help=f"serve Prometheus /metrics on port N (default {DEFAULT_METRICS_PORT}; 0: any free)",
    )


def require_cluster(settings: Settings, role: str) -> str:
    """The shared history's URL; ConfigError (exit 4) unless the cluster's parts are configured:
    `[redis] enabled` (the bus, the leases and the registry live there) and a PostgreSQL
    database in OMNIARB_DB_URL (every process of the cluster writes the one history)."""
    if not settings.redis.enabled:
        raise ConfigError(
            f"redis.enabled: `omniarb {role}` needs Redis (the bus, the signer leases and the "
            "worker registry live there): set [redis] enabled = true and its url"
        )
    url = resolve_db_url(secrets=load_secrets())
    parsed = parse_db_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ConfigError(
            f"OMNIARB_DB_URL: `omniarb {role}` needs the history in PostgreSQL, shared by every "
            "process of the cluster (e.g. postgresql://user@host:5432/omniarb); got a SQLite file"
        )
    if "options" in parsed.query:  # the operator's own session settings win
        return url
    bounded = parsed.update_query_dict(
        {"options": f"-c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_MS}"}
    )
    return bounded.render_as_string(hide_password=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleLinks:
    """A role's connections to Redis: a plain client (the leases'), the registry and the bus
    (its series on `bus_metrics`)."""

    client: aioredis.Redis
    registry: WorkerRegistry
    bus: StreamBus
    bus_metrics: BusMetrics


class RoleMetrics:
    """What a role's `/metrics` serves: its registries' series, one after the other (each
    source renders a registry of its own, so no series is named twice)."""

    content_type = _CONTENT_TYPE

    def __init__(self, *sources: Callable[[], bytes]) -> None:
        self._sources = sources

    @staticmethod
    def of(registry: CollectorRegistry) -> Callable[[], bytes]:
        return lambda: generate_latest(registry)

    def render(self) -> bytes:
        return b"".join(source() for source in self._sources)


@contextlib.asynccontextmanager
async def serving_metrics(source: RoleMetrics, port: int) -> AsyncIterator[MetricsServer]:
    """`source` on `GET /metrics` of every interface at `port` (0: a free one) while the
    block runs: Prometheus scrapes it from another machine."""
    server = await MetricsServer.start(source, host="0.0.0.0", port=port)
    log.info("Prometheus metrics at %s", server.url)
    try:
        yield server
    finally:
        await server.close()


@contextlib.asynccontextmanager
async def role_links(settings: Settings, identity: RoleIdentity) -> AsyncIterator[RoleLinks]:
    """Open the role's Redis connections for as long as the block runs."""
    client = aioredis.Redis.from_url(settings.redis.url, decode_responses=True)
    try:
        registry = await WorkerRegistry.connect(settings.redis, settings.cluster)
        try:
            metrics = BusMetrics()
            bus = await StreamBus.connect(
                settings.redis, settings.cluster, producer=identity.id, metrics=metrics
            )
            try:
                yield RoleLinks(client=client, registry=registry, bus=bus, bus_metrics=metrics)
            finally:
                await bus.close()
        finally:
            await registry.close()
    finally:
        await client.aclose()
