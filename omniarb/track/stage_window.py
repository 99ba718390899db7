"""The live path's recent speed on one chain: the stage times of its last sent trades, and the
median and 99th percentile of each segment and of the whole path over them.

The engine adds each SUBMITTED execution's `StageTimes` (complete by then) to its chain's
window; the API's live figures read `breakdown()`, which the dashboard draws as a stacked bar.
The window is bounded, so the figures follow the run rather than average it since the start.

    window = StageWindow(size=200)
    window.add(execution.times)
    window.breakdown()   # None before the first trade
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from omniarb.stage_times import SEGMENTS, StageTimes

__all__ = ["SegmentFigures", "StageBreakdown", "StageWindow", "nearest_rank"]

_NS_PER_MS = 1e6


def nearest_rank(sorted_values: Sequence[int], quantile: float) -> int:
    """The nearest-rank percentile of `sorted_values` (ascending, not empty): always a value
    that was observed, so a window of one trade shows that trade's figures exactly."""
    rank = max(1, math.ceil(quantile * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass(frozen=True, slots=True, kw_only=True)
class SegmentFigures:
    """One segment (or `total`, notification → acknowledgment) over the window, in ms."""

    name: str
    p50_ms: float
    p99_ms: float


@dataclass(frozen=True, slots=True, kw_only=True)
class StageBreakdown:
    """Each segment's p50/p99 in `SEGMENTS` order, and the whole path's, over `trades` trades."""

    trades: int
    segments: tuple[SegmentFigures, ...]
    total: SegmentFigures


def _figures(name: str, values_ns: list[int]) -> SegmentFigures:
    values_ns.sort()
    return SegmentFigures(
        name=name,
        p50_ms=nearest_rank(values_ns, 0.5) / _NS_PER_MS,
        p99_ms=nearest_rank(values_ns, 0.99) / _NS_PER_MS,
    )


class StageWindow:
    """The `StageTimes` of the last `size` sent trades of one chain."""

    __slots__ = ("_times",)

    def __init__(self, size: int = 200) -> None:
        if size < 1:
            raise ValueError(f"a stage window holds at least one trade, not {size}")
        self._times: deque[StageTimes] = deque(maxlen=size)

    def __len__(self) -> int:
        return len(self._times)

    def add(self, times: StageTimes) -> None:
        """A sent trade's times; one not stamped end to end (a path that skipped the clock,
        e.g. a restart's resend) is left out rather than skew the segments it lacks."""
        if times.complete and times.monotonic:
            self._times.append(times)

    def breakdown(self) -> StageBreakdown | None:
        """The window's percentiles; None while it is empty."""
        if not self._times:
            return None
        per_segment: dict[str, list[int]] = {name: [] for name in SEGMENTS}
        for times in self._times:
            for name, duration_ns in times.segments_ns():
                per_segment[name].append(duration_ns)
        return StageBreakdown(
            trades=len(self._times),
            segments=tuple(_figures(name, values) for name, values in per_segment.items()),
            total=_figures("total", [times.total_ns for times in self._times]),
        )
