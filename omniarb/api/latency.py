"""The live path's stage times on the wire: a trade's own segments, and each chain's recent
breakdown (p50 and p99 of each segment and of the whole path over its last sent trades).

`/trades` items and `trade` messages carry `segments` (name, ms) beside the stored
`stage_offsets_ns`; `/chains` items and `stats` messages carry `stages`, which `/latency`
also serves alone. Segment names are `omniarb.stage_times.SEGMENTS`, in the path's order.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

from omniarb.stage_times import StageTimes, offset_segments_ns
from omniarb.track import SegmentFigures, StageBreakdown

__all__ = [
    "ChainLatency",
    "StageBreakdownBody",
    "StageFigure",
    "StageSegment",
    "breakdown_body",
    "live_offsets",
    "segment_items",
]

_BODY = ConfigDict(extra="forbid", frozen=True)
_NS_PER_MS = 1e6


class StageSegment(BaseModel):
    """One segment of a trade's live path and how long it took."""

    model_config = _BODY
    name: str = Field(description="the segment (logs, apply, queue, ... ack)")
    ms: float


class StageFigure(BaseModel):
    """One segment (or `total`) over a chain's recent sent trades."""

    model_config = _BODY
    name: str
    p50_ms: float
    p99_ms: float


class StageBreakdownBody(BaseModel):
    """A chain's live path over its last sent trades: each segment in the path's order, and
    the whole path (block notification → node acknowledgment)."""

    model_config = _BODY
    trades: int = Field(description="sent trades the figures are over (a bounded window)")
    segments: list[StageFigure]
    total: StageFigure


class ChainLatency(BaseModel):
    """A chain and its live-path breakdown (null before its first sent trade)."""

    model_config = _BODY
    chain: str
    chain_id: int
    stages: StageBreakdownBody | None


def segment_items(offsets_ns: Mapping[str, int | None] | None) -> list[StageSegment] | None:
    """A trade's segments from its stored offsets; None when it has none."""
    if offsets_ns is None:
        return None
    return [
        StageSegment(name=name, ms=duration_ns / _NS_PER_MS)
        for name, duration_ns in offset_segments_ns(offsets_ns)
    ]


def live_offsets(times: StageTimes) -> dict[str, int | None] | None:
    """A live trade's offsets as the store will keep them (None when never stamped)."""
    return times.offsets_ns() if times.notified_ns else None


def _figure(figures: SegmentFigures) -> StageFigure:
    return StageFigure(name=figures.name, p50_ms=figures.p50_ms, p99_ms=figures.p99_ms)


def breakdown_body(breakdown: StageBreakdown | None) -> StageBreakdownBody | None:
    if breakdown is None:
        return None
    return StageBreakdownBody(
        trades=breakdown.trades,
        segments=[_figure(s) for s in breakdown.segments],
        total=_figure(breakdown.total),
    )
