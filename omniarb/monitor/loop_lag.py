"""Event-loop lag: how late a task that asks to wake every `interval_s` actually wakes.

Everything on the bot's hot path (a new head decoded, the state updated, a transaction signed and
sent) shares one event loop with the view, the API and the monitor. A callback that holds the
loop (a slow render, a large JSON encode, a blocking call) delays every block behind it; the
lag this task measures is that delay, as a histogram `omniarb_event_loop_lag_seconds` and the
worst of the last minute as the gauge `omniarb_event_loop_lag_max_seconds`.

    lag = LoopLagMonitor(LoopLagMetrics(registry))
    tasks.create_task(lag.run())        # until cancelled
    lag.worst_s                         # for a health figure
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Gauge, Histogram

__all__ = ["LOOP_LAG_BUCKETS_S", "LoopLagMetrics", "LoopLagMonitor"]

# A millisecond matters on the hot path (its p50 target is 3 ms); a second is a stall.
LOOP_LAG_BUCKETS_S = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)


class LoopLagMetrics:
    """The loop-lag series, in `registry` (the bot's `Metrics` owns one)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.lag = Histogram(
            "omniarb_event_loop_lag_seconds",
            "How late the event loop woke a task that sleeps a fixed interval",
            buckets=LOOP_LAG_BUCKETS_S,
            registry=registry,
        )
        self.worst = Gauge(
            "omniarb_event_loop_lag_max_seconds",
            "The worst event-loop lag of the last minute",
            registry=registry,
        )


class LoopLagMonitor:
    """Wakes every `interval_s` and records how late it woke; `worst_s` is the worst lag of the
    last `window_s` (kept as one maximum per second, so memory stays bounded)."""

    def __init__(
        self,
        metrics: LoopLagMetrics | None = None,
        *,
        interval_s: float = 0.02,
        window_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if interval_s <= 0:
            raise ValueError(f"interval_s must be > 0, got {interval_s}")
        self._metrics = metrics
        self._interval_s = interval_s
        self._window_s = window_s
        self._clock = clock
        self._maxima: deque[tuple[int, float]] = deque()
        self.samples = 0

    @property
    def worst_s(self) -> float:
        """The worst lag recorded in the last `window_s` (0.0 before the first sample)."""
        self._forget(int(self._clock()))
        return max((lag for _, lag in self._maxima), default=0.0)

    async def run(self) -> None:
        """Measure until cancelled."""
        while True:
            due = self._clock() + self._interval_s
            await asyncio.sleep(self._interval_s)
            self.record(max(0.0, self._clock() - due))

    def record(self, lag_s: float) -> None:
        """One wake-up that came `lag_s` late."""
        self.samples += 1
        second = int(self._clock())
        if self._maxima and self._maxima[-1][0] == second:
            if lag_s > self._maxima[-1][1]:
                self._maxima[-1] = (second, lag_s)
        else:
            self._maxima.append((second, lag_s))
        self._forget(second)
        if self._metrics is not None:
            self._metrics.lag.observe(lag_s)
            self._metrics.worst.set(max(lag for _, lag in self._maxima))

    def _forget(self, second: int) -> None:
        while self._maxima and second - self._maxima[0][0] >= self._window_s:
            self._maxima.popleft()
