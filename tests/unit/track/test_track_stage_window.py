"""`StageWindow`: the median and 99th percentile of each live-path segment and of the total over
a chain's last sent trades; bounded; incomplete times left out."""

from __future__ import annotations

from dataclasses import replace

import pytest
from _monitor_values import decision, execution, opportunity

from omniarb.stage_times import SEGMENTS, STAMPS, StageTimes
from omniarb.track import ChainBotStats, StageWindow
from omniarb.track.stage_window import nearest_rank
from omniarb.types import ExecutionStatus


def _times(step_ns: int, *, origin_ns: int = 10**9) -> StageTimes:
    """Every segment `step_ns` long."""
    return StageTimes(**{f"{n}_ns": origin_ns + i * step_ns for i, n in enumerate(STAMPS)})


def test_nearest_rank_is_an_observed_value() -> None:
    assert nearest_rank([7], 0.5) == nearest_rank([7], 0.99) == 7
    assert nearest_rank([1, 2, 3, 4], 0.5) == 2
    assert nearest_rank(list(range(1, 101)), 0.99) == 99
    assert nearest_rank(list(range(1, 101)), 0.5) == 50


def test_an_empty_window_has_no_breakdown() -> None:
    assert StageWindow().breakdown() is None
    with pytest.raises(ValueError, match="at least one"):
        StageWindow(size=0)


def test_the_breakdown_of_one_trade_is_that_trade() -> None:
    window = StageWindow()
    window.add(_times(1_500_000))
    breakdown = window.breakdown()
    assert breakdown is not None
    assert breakdown.trades == 1
    assert [s.name for s in breakdown.segments] == list(SEGMENTS)
    assert all(s.p50_ms == s.p99_ms == 1.5 for s in breakdown.segments)
    assert breakdown.total.name == "total"
    assert breakdown.total.p50_ms == 1.5 * len(SEGMENTS)


def test_percentiles_over_many_trades_and_the_bound() -> None:
    window = StageWindow(size=100)
    for ms in range(1, 201):  # the first 100 fall out of the window
        window.add(_times(ms * 1_000_000))
    breakdown = window.breakdown()
    assert breakdown is not None
    assert breakdown.trades == len(window) == 100
    queue = breakdown.segments[SEGMENTS.index("queue")]
    assert (queue.p50_ms, queue.p99_ms) == (150.0, 199.0)
    assert breakdown.total.p50_ms == 150.0 * len(SEGMENTS)


def test_incomplete_or_disordered_times_are_left_out() -> None:
    window = StageWindow()
    window.add(_times(1_000).at(sent_ns=0))
    window.add(_times(1_000).at(signed_ns=1))
    window.add(StageTimes())
    assert window.breakdown() is None


def test_chain_stats_keep_the_window_of_submitted_executions() -> None:
    stats = ChainBotStats(chain="ethereum", chain_id=1)
    dec = decision(opportunity())
    stats.on_execution(replace(execution(dec, status=ExecutionStatus.REJECTED), times=_times(5)))
    assert stats.stages.breakdown() is None
    stats.on_execution(replace(execution(dec), times=_times(2_000_000)))
    breakdown = stats.stages.breakdown()
    assert breakdown is not None
    assert breakdown.trades == 1
    assert breakdown.total.p99_ms == 2.0 * len(SEGMENTS)
