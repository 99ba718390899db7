"""The bus's Prometheus series, and the sampler that keeps its backlog gauges current.

    omniarb_bus_backlog{stream,group}                      entries not yet delivered (XINFO lag)
    omniarb_bus_pending{stream,group}                      delivered, not acknowledged
    omniarb_bus_oldest_pending_age_seconds{stream,group}   age of the oldest unacknowledged one
    omniarb_bus_stream_length{stream}                      XLEN
    omniarb_bus_published_total{stream}                    entries XADD'ed by this process
    omniarb_bus_outbox_events                              waiting in this process's outbox
    omniarb_bus_publish_waits_total                        publishes that waited for room
    omniarb_bus_trimmed_total{stream}                      entries trimmed (all acknowledged)
    omniarb_bus_handled_total{stream,group}                handler returned, entry acknowledged
    omniarb_bus_duplicates_total{stream,group}             key already handled: acked, skipped
    omniarb_bus_handler_errors_total{stream,group}         handler raised: left for redelivery
    omniarb_bus_claimed_total{stream,group}                taken over from an idle consumer
    omniarb_bus_dead_lettered_total{stream,group}          moved to `:dead` after max deliveries
    omniarb_bus_reconnects_total{side}                     outages survived (publisher/consumer)

A role creates one `BusMetrics` on its registry (`BusMetrics(metrics.registry)`), hands it to
`StreamBus.connect(..., metrics=...)` and runs `sample_backlog` beside its consumers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge

from omniarb.bus.cancelling import reraise_if_cancelling
from omniarb.bus.stream_entries import StreamBacklog
from omniarb.errors import RetryableError

__all__ = ["BusMetrics", "sample_backlog"]

log = logging.getLogger(__name__)

BacklogReader = Callable[[str, str], Awaitable[StreamBacklog]]
LengthReader = Callable[[str], Awaitable[int]]


class BusMetrics:
    """The bus series on `registry` (a private one when None: nothing shared between tests)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        r = self.registry = registry if registry is not None else CollectorRegistry()
        group = ("stream", "group")
        self.backlog = Gauge(
            "omniarb_bus_backlog", "Bus entries not yet delivered to the group", group, registry=r
        )
        self.pending = Gauge(
            "omniarb_bus_pending", "Bus entries delivered, not acknowledged", group, registry=r
        )
        self.oldest_pending_age = Gauge(
            "omniarb_bus_oldest_pending_age_seconds",
            "Age of the group's oldest unacknowledged bus entry",
            group,
            registry=r,
        )
        self.length = Gauge(
            "omniarb_bus_stream_length", "Entries in the bus stream", ("stream",), registry=r
        )
        self.published = Counter(
            "omniarb_bus_published_total", "Bus entries written to Redis", ("stream",), registry=r
        )
        self.outbox = Gauge(
            "omniarb_bus_outbox_events", "Bus entries waiting in the outbox", registry=r
        )
        self.publish_waits = Counter(
            "omniarb_bus_publish_waits_total", "Publishes that waited for outbox room", registry=r
        )
        self.trimmed = Counter(
            "omniarb_bus_trimmed_total", "Acknowledged bus entries trimmed", ("stream",), registry=r
        )
        self.handled = Counter(
            "omniarb_bus_handled_total", "Bus entries handled and acknowledged", group, registry=r
        )
        self.duplicates = Counter(
            "omniarb_bus_duplicates_total", "Bus entries whose key was handled", group, registry=r
        )
        self.handler_errors = Counter(
            "omniarb_bus_handler_errors_total", "Bus handler failures", group, registry=r
        )
        self.claimed = Counter(
            "omniarb_bus_claimed_total",
            "Bus entries claimed from idle consumers",
            group,
            registry=r,
        )
        self.dead_lettered = Counter(
            "omniarb_bus_dead_lettered_total",
            "Bus entries moved to the dead stream",
            group,
            registry=r,
        )
        self.reconnects = Counter(
            "omniarb_bus_reconnects_total", "Redis outages the bus survived", ("side",), registry=r
        )

    def observe_backlog(self, backlog: StreamBacklog) -> None:
        labels = (backlog.stream, backlog.group)
        self.backlog.labels(*labels).set(backlog.lag)
        self.pending.labels(*labels).set(backlog.pending)
        self.oldest_pending_age.labels(*labels).set(backlog.oldest_age_s)


async def sample_backlog(
    read_backlog: BacklogReader,
    read_length: LengthReader,
    metrics: BusMetrics,
    groups: Sequence[tuple[str, str]],
    *,
    every_s: float,
    stop: asyncio.Event,
) -> None:
    """Set the backlog gauges of each (stream, group) every `every_s` until `stop` is set
    (`bus.backlog`, `bus.length`). A Redis outage skips samples (logged once), never ends it."""
    failing = False
    while not stop.is_set():
        try:
            for stream, group in groups:
                metrics.observe_backlog(await read_backlog(stream, group))
            for stream in sorted({stream for stream, _ in groups}):
                metrics.length.labels(stream).set(await read_length(stream))
        except RetryableError as exc:
            reraise_if_cancelling(exc)
            if not failing:
                log.warning("bus backlog not sampled while Redis is unreachable: %s", exc)
            failing = True
        else:
            failing = False
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every_s)
