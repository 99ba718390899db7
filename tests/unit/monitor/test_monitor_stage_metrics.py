"""`omniarb_live_stage_seconds{chain, stage}`: a sent trade's live-path segments and total land
in their buckets, once per SUBMITTED execution; other executions and unstamped segments add
nothing."""

from __future__ import annotations

from dataclasses import replace

import pytest
from _monitor_values import decision, execution, opportunity
from test_monitor_metrics import sample

from omniarb.monitor import Metrics
from omniarb.stage_times import SEGMENTS, STAMPS, StageTimes
from omniarb.types import ExecutionStatus

_SERIES = "omniarb_live_stage_seconds"
# ns after the notification of each stamp: 2 ms of logs, 80 µs of apply, ... 30 ms of ack.
_STEPS_NS = (2_000_000, 80_000, 300_000, 1_000_000, 4_000_000, 500_000, 200_000, 9_000_000,
             150_000, 7_000_000, 30_000_000)  # fmt: skip


def _times(origin_ns: int = 5_000_000_000) -> StageTimes:
    stamps, at = {"notified_ns": origin_ns}, origin_ns
    for name, step in zip(STAMPS[1:], _STEPS_NS, strict=True):
        at += step
        stamps[f"{name}_ns"] = at
    return StageTimes(**stamps)


def test_every_segment_and_the_total_are_on_the_board_before_the_first_trade() -> None:
    metrics = Metrics(chains=["base"])
    for stage in (*SEGMENTS, "total"):
        assert sample(metrics, f"{_SERIES}_count", chain="base", stage=stage) == 0
    assert f"{_SERIES}_bucket" in metrics.series_names()


def test_a_sent_trade_observes_each_segment_and_the_total_once() -> None:
    metrics = Metrics()
    sent = replace(execution(decision(opportunity())), times=_times())
    metrics.observe_execution(sent)
    for stage, step_ns in zip(SEGMENTS, _STEPS_NS, strict=True):
        labels = {"chain": "ethereum", "stage": stage}
        assert sample(metrics, f"{_SERIES}_count", **labels) == 1, stage
        assert sample(metrics, f"{_SERIES}_sum", **labels) == pytest.approx(step_ns / 1e9)
    total = {"chain": "ethereum", "stage": "total"}
    assert sample(metrics, f"{_SERIES}_sum", **total) == pytest.approx(sum(_STEPS_NS) / 1e9)
    # 80 µs of apply falls in (50 µs, 100 µs]; 30 ms of ack in (20 ms, 35 ms].
    apply = {"chain": "ethereum", "stage": "apply"}
    assert sample(metrics, f"{_SERIES}_bucket", **apply, le="5e-05") == 0
    assert sample(metrics, f"{_SERIES}_bucket", **apply, le="0.0001") == 1
    ack = {"chain": "ethereum", "stage": "ack"}
    assert sample(metrics, f"{_SERIES}_bucket", **ack, le="0.02") == 0
    assert sample(metrics, f"{_SERIES}_bucket", **ack, le="0.035") == 1


def test_only_sent_executions_and_stamped_segments_count() -> None:
    metrics = Metrics()
    dec = decision(opportunity())
    for status in (ExecutionStatus.SIMULATED, ExecutionStatus.REJECTED, ExecutionStatus.FAILED):
        metrics.observe_execution(replace(execution(dec, status=status), times=_times()))
    assert sample(metrics, f"{_SERIES}_count", chain="ethereum", stage="total") is None
    # A resend without the clock's last stamps: the early segments only, no total.
    partial = replace(_times(), signed_ns=0, sent_ns=0, acked_ns=0)
    metrics.observe_execution(replace(execution(dec), times=partial))
    assert sample(metrics, f"{_SERIES}_count", chain="ethereum", stage="logs") == 1
    assert sample(metrics, f"{_SERIES}_count", chain="ethereum", stage="check") == 1
    for stage in ("sign", "claim", "ack", "total"):
        assert sample(metrics, f"{_SERIES}_count", chain="ethereum", stage=stage) is None
