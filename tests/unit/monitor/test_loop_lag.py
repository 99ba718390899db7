"""`LoopLagMonitor`: a call that blocks the event loop shows up in the lag histogram, and the
worst lag of the last minute is kept (and forgotten after it)."""

from __future__ import annotations

import asyncio
import time

import pytest
from _waits import eventually
from prometheus_client import CollectorRegistry

from omniarb.config import MonitorSettings, Secrets
from omniarb.monitor import Monitor
from omniarb.monitor.loop_lag import LoopLagMetrics, LoopLagMonitor

_BLOCK_S = 0.3


def _count_above(registry: CollectorRegistry, bound_s: float) -> float:
    """Samples of `omniarb_event_loop_lag_seconds` above `bound_s` (a bucket boundary)."""
    total = registry.get_sample_value("omniarb_event_loop_lag_seconds_count") or 0.0
    below = registry.get_sample_value("omniarb_event_loop_lag_seconds_bucket", {"le": str(bound_s)})
    assert below is not None
    return total - below


async def test_a_blocking_call_shows_up_in_the_histogram() -> None:
    registry = CollectorRegistry()
    lag = LoopLagMonitor(LoopLagMetrics(registry), interval_s=0.01)
    task = asyncio.create_task(lag.run())
    try:
        await eventually(lambda: _async(lag.samples >= 3), what="the first wake-ups")
        time.sleep(_BLOCK_S)  # the deliberate stall: holds the loop, as a slow render would
        await eventually(
            lambda: _async(_count_above(registry, 0.25) >= 1), what="the stall in the histogram"
        )
        worst = registry.get_sample_value("omniarb_event_loop_lag_max_seconds")
        assert worst is not None
        assert worst >= 0.25
        assert lag.worst_s == worst
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


def test_the_worst_lag_is_forgotten_after_the_window() -> None:
    now = [1000.0]
    lag = LoopLagMonitor(interval_s=0.02, window_s=60.0, clock=lambda: now[0])
    lag.record(0.5)
    lag.record(0.001)
    now[0] += 30
    lag.record(0.002)
    assert lag.worst_s == 0.5
    now[0] += 31
    assert lag.worst_s == 0.002
    now[0] += 60
    assert lag.worst_s == 0.0


async def test_the_monitor_measures_the_loop_while_it_runs() -> None:
    monitor = Monitor.from_settings(MonitorSettings(), Secrets())
    task = asyncio.create_task(monitor.run())
    try:
        await eventually(
            lambda: _async(
                (
                    monitor.metrics.registry.get_sample_value(
                        "omniarb_event_loop_lag_seconds_count"
                    )
                    or 0
                )
                >= 2
            ),
            what="loop-lag samples from the monitor's task",
        )
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert b"omniarb_event_loop_lag_seconds_bucket" in monitor.metrics.render()


async def _async(value: bool) -> bool:
    return value
