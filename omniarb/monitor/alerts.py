"""Alerts: the `Alert` value and the `AlertManager` that de-duplicates, rate-limits, stores and
delivers them.

The rules (`alert_rules`) decide *that* something is wrong and say it as an `Alert`; the manager
decides whether anyone hears about it:

* **de-duplication** — an alert whose `key` (rule + subject, e.g. `success_rate:polygon`) was
  raised less than `dedup_window_s` ago is a duplicate: counted, neither stored nor sent. A
  condition that holds for an hour therefore alerts once per window, not once per evaluation.
* **rate limiting** — at most `rate_limit_count` alerts of one rule per `rate_limit_window_s`
  are sent; the rest are stored with `suppressed="rate_limited"` so the history stays complete
  while a flood (a volatile market, a dying RPC) does not bury the one alert that matters.
  The limit is per rule, so a flood of market moves never silences a breaker trip.
* **storage and delivery** — `publish` is synchronous and cheap (the engine calls it on its hot
  path); one task (`run`) records each alert in the store and sends it to every sink, each sink
  independently, so a dead webhook costs a log line and a counter, never the bot.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from omniarb.errors import OmniarbError

if TYPE_CHECKING:
    from omniarb.monitor.metrics import Metrics
    from omniarb.risk.breaker import BreakerTrip

__all__ = [
    "AUTH_FAILURES",
    "BREAKER_TRIP",
    "MARKET_MOVE",
    "PROFIT_RATE",
    "RULES",
    "SUCCESS_RATE",
    "SYSTEM_ERROR",
    "Alert",
    "AlertManager",
    "AlertRecorder",
    "AlertSink",
    "AlertStats",
    "Severity",
]

log = logging.getLogger(__name__)

SUCCESS_RATE = "success_rate"
PROFIT_RATE = "profit_rate"
SYSTEM_ERROR = "system_error"
MARKET_MOVE = "market_move"
BREAKER_TRIP = "breaker_trip"
# A burst of failed API authentications (omniarb.monitor.api_metrics).
AUTH_FAILURES = "api_auth_failures"
RULES = (SUCCESS_RATE, PROFIT_RATE, SYSTEM_ERROR, MARKET_MOVE, BREAKER_TRIP, AUTH_FAILURES)


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


@dataclass(frozen=True, slots=True, kw_only=True)
class Alert:
    """Something an operator should know: which rule, about what (`key`), how bad, and the
    figure against its threshold. `suppressed` is set by the manager when it is not sent."""

    id: str
    rule: str
    severity: Severity
    key: str
    summary: str
    fired_at: datetime
    chain: str | None = None
    value: float | None = None
    threshold: float | None = None
    suppressed: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The alert as JSON (time ISO 8601 UTC): the webhook's, the API's and the store's shape."""
        return {
            "id": self.id,
            "rule": self.rule,
            "severity": str(self.severity),
            "key": self.key,
            "chain": self.chain,
            "summary": self.summary,
            "value": self.value,
            "threshold": self.threshold,
            "suppressed": self.suppressed,
            "fired_at": self.fired_at.isoformat(),
        }

    @classmethod
    def new(
        cls,
        *,
        rule: str,
        severity: Severity,
        key: str,
        summary: str,
        chain: str | None = None,
        value: float | None = None,
        threshold: float | None = None,
    ) -> Alert:
        """An alert fired now, with a fresh id."""
        return cls(
            id=f"{rule}-{uuid.uuid4().hex[:20]}",
            rule=rule,
            severity=severity,
            key=key,
            summary=summary,
            fired_at=datetime.now(UTC),
            chain=chain,
            value=value,
            threshold=threshold,
        )


class AlertSink(Protocol):
    """Somewhere alerts go (a log, a webhook); `send` raises `OmniarbError` when it failed."""

    @property
    def name(self) -> str: ...

    async def send(self, alert: Alert) -> None: ...

    async def close(self) -> None: ...


class AlertRecorder(Protocol):
    """What stores alerts and breaker trips: `HistoryStore` is one."""

    async def record(self, value: Alert | BreakerTrip) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertStats:
    published: int
    duplicates: int
    rate_limited: int
    delivered: int
    failed_deliveries: int
    dropped: int
    pending: int


class AlertManager:
    """De-duplicates and rate-limits alerts, then stores and delivers them from `run()`.

    Run `run()` as a task (the engine's TaskGroup) and `await close()` on the way out, which
    stores and sends what is still queued. `clock` is monotonic seconds.
    """

    def __init__(
        self,
        *,
        sinks: Sequence[AlertSink],
        recorder: AlertRecorder | None = None,
        metrics: Metrics | None = None,
        dedup_window_s: float = 300.0,
        rate_limit_count: int = 20,
        rate_limit_window_s: float = 60.0,
        queue_size: int = 1_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sinks = tuple(sinks)
        self._recorder = recorder
        self._metrics = metrics
        self._dedup_window_s = dedup_window_s
        self._rate_count = rate_limit_count
        self._rate_window_s = rate_limit_window_s
        self._clock = clock
        self._queue: asyncio.Queue[Alert | BreakerTrip] = asyncio.Queue(queue_size)
        self._last_raised: dict[str, float] = {}
        self._prune_at = 10_000
        self._sent_times: dict[str, deque[float]] = {}
        self._published = self._duplicates = self._rate_limited = 0
        self._delivered = self._failed = self._dropped = 0

    @property
    def sinks(self) -> tuple[AlertSink, ...]:
        return self._sinks

    @property
    def stats(self) -> AlertStats:
        return AlertStats(
            published=self._published,
            duplicates=self._duplicates,
            rate_limited=self._rate_limited,
            delivered=self._delivered,
            failed_deliveries=self._failed,
            dropped=self._dropped,
            pending=self._queue.qsize(),
        )

    def publish(self, alert: Alert) -> Alert | None:
        """Queue `alert` for storage and delivery; returns it as queued (`suppressed` set when
        rate-limited), or None for a duplicate."""
        now = self._clock()
        last = self._last_raised.get(alert.key)
        if last is not None and now - last < self._dedup_window_s:
            self._duplicates += 1
            self._observe(alert, "duplicate")
            return None
        self._remember(alert.key, now)
        sent = self._sent_times.setdefault(alert.rule, deque())
        while sent and now - sent[0] >= self._rate_window_s:
            sent.popleft()
        if len(sent) >= self._rate_count:
            alert = replace(alert, suppressed="rate_limited")
            self._rate_limited += 1
        else:
            sent.append(now)
        self._observe(alert, alert.suppressed)
        self._published += 1
        self._enqueue(alert)
        return alert

    def record(self, trip: BreakerTrip) -> None:
        """Queue a breaker trip (or its reset) for the store, in order with the alerts."""
        self._enqueue(trip)

    async def run(self) -> None:
        """Store and deliver queued alerts, forever (cancel it, then `close()`)."""
        while True:
            item = await self._queue.get()
            try:
                await self._handle(item)
            finally:
                self._queue.task_done()

    async def flush(self) -> None:
        """Return once everything queued so far is stored and delivered (needs `run()`)."""
        await self._queue.join()

    async def close(self) -> None:
        """Store and deliver what is still queued (cancel `run()` first), then close the sinks,
        which the manager owns."""
        try:
            while not self._queue.empty():
                item = self._queue.get_nowait()
                try:
                    await self._handle(item)
                finally:
                    self._queue.task_done()
        finally:
            for sink in self._sinks:
                await sink.close()

    def _enqueue(self, item: Alert | BreakerTrip) -> None:
        if self._queue.full():
            # The task is stuck or not running; the counter and this line say so.
            self._dropped += 1
            log.error("alert queue full; dropped %s", item.id)
            return
        self._queue.put_nowait(item)

    def _remember(self, key: str, now: float) -> None:
        self._last_raised[key] = now
        if len(self._last_raised) > self._prune_at:
            # Keys are per chain and per pool: forget those whose window has passed, and
            # prune again only once the map has doubled (amortized O(1) per alert).
            horizon = now - self._dedup_window_s
            self._last_raised = {k: t for k, t in self._last_raised.items() if t >= horizon}
            self._prune_at = max(10_000, 2 * len(self._last_raised))

    def _observe(self, alert: Alert, suppressed: str | None) -> None:
        if self._metrics is not None:
            self._metrics.observe_alert(alert.rule, str(alert.severity), suppressed=suppressed)

    async def _handle(self, item: Alert | BreakerTrip) -> None:
        if self._recorder is not None:
            await self._store(self._recorder, item)
        if isinstance(item, Alert) and item.suppressed is None and self._sinks:
            await asyncio.gather(*(self._deliver(sink, item) for sink in self._sinks))

    @staticmethod
    async def _store(recorder: AlertRecorder, item: Alert | BreakerTrip) -> None:
        # Still delivered when the store is down: the alert may be about the store.
        try:
            await recorder.record(item)
        except OmniarbError as exc:
            log.warning("alert record %s not stored: %s", item.id, exc)

    async def _deliver(self, sink: AlertSink, alert: Alert) -> None:
        try:
            await sink.send(alert)
        except OmniarbError as exc:
            self._failed += 1
            log.warning("alert %s not delivered to %s: %s", alert.id, sink.name, exc)
            ok = False
        else:
            self._delivered += 1
            ok = True
        if self._metrics is not None:
            self._metrics.observe_alert_delivery(sink.name, ok=ok)
