"""The live path's stage times as Prometheus histograms: one series per chain and segment of
`omniarb.stage_times.SEGMENTS`, plus `total` (the block's notification → the node's
acknowledgment of our transaction), observed once per sent trade.

They live on the bot's one registry (`Metrics.stages`); Grafana's "Live path" row reads them.
"""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Histogram

from omniarb.stage_times import SEGMENTS, StageTimes

__all__ = ["LIVE_STAGE_BUCKETS_S", "StageMetrics"]

_NS = 1e9
# From 50 µs (a state apply) to 1 s (an ack from a slow remote node), about three steps per
# decade, so a p50 read from the buckets is within a third of the true one at every scale.
LIVE_STAGE_BUCKETS_S = (
    0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02,
    0.035, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5,
)  # fmt: skip


class StageMetrics:
    """`omniarb_live_stage_seconds{chain, stage}`; `chains` pre-creates each chain's series so
    every segment is on the board from the first scrape."""

    def __init__(self, registry: CollectorRegistry, *, chains: Sequence[str] = ()) -> None:
        self.seconds = Histogram(
            "omniarb_live_stage_seconds",
            "Live path time per segment of a sent trade (block notification → node "
            "acknowledgment), and the whole path as stage=total",
            ("chain", "stage"),
            buckets=LIVE_STAGE_BUCKETS_S,
            registry=registry,
        )
        for chain in chains:
            for stage in (*SEGMENTS, "total"):
                self.seconds.labels(chain, stage)

    def observe(self, chain: str, times: StageTimes) -> None:
        """A sent trade's times: each segment stamped at both ends, and the total when both
        the notification and the acknowledgment were."""
        for stage, duration_ns in times.segments_ns():
            self.seconds.labels(chain, stage).observe(duration_ns / _NS)
        if times.total_ns:
            self.seconds.labels(chain, "total").observe(times.total_ns / _NS)
