"""Prometheus series of the pending-transaction streams: what became of each announcement
(`omniarb_pending_tx_total{chain,outcome}`, the outcomes of `omniarb.collect.PENDING_OUTCOMES`)
and how many wait for the backrun search (`omniarb_pending_queue_depth{chain}`); and what the
chain's routers made of the calls (`omniarb_router_calls_total{chain,router,outcome}`: swaps,
or skipped as not-a-router, unknown-function or malformed; `dex.router_book`).

`dropped` counts transactions a full buffer (or a full fetch queue) let go, the oldest first;
`received - dropped` is what the consumer was offered. `ChainPendingMetrics` is the stream's
observer for one chain: the collector knows nothing of Prometheus.
"""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge

from omniarb.collect import PENDING_OUTCOMES

__all__ = ["ChainPendingMetrics", "PendingMetrics"]


class PendingMetrics:
    """The pending-stream series, in `registry` (the bot's `Metrics` owns one)."""

    def __init__(self, registry: CollectorRegistry, *, chains: Sequence[str] = ()) -> None:
        self.transactions = Counter(
            "omniarb_pending_tx_total",
            "Pending transactions announced, by what became of them",
            ("chain", "outcome"),
            registry=registry,
        )
        self.queue_depth = Gauge(
            "omniarb_pending_queue_depth",
            "Pending transactions buffered for the backrun search",
            ("chain",),
            registry=registry,
        )
        self.router_calls = Counter(
            "omniarb_router_calls_total",
            "Pending calls decoded by the chain's routers, by router kind and outcome",
            ("chain", "router", "outcome"),
            registry=registry,
        )
        for name in chains:
            for outcome in PENDING_OUTCOMES:
                self.transactions.labels(name, outcome)
            self.queue_depth.labels(name)


class ChainPendingMetrics:
    """A `PendingObserver` (see `omniarb.collect.pending`) for `chain`: give it as
    `PendingStream`'s `observer`."""

    def __init__(self, metrics: PendingMetrics, chain: str) -> None:
        self._metrics = metrics
        self.chain = chain
        # Labelled children looked up once: every announcement lands here.
        self._outcomes = {o: metrics.transactions.labels(chain, o) for o in PENDING_OUTCOMES}
        self._depth = metrics.queue_depth.labels(chain)

    def pending_tx(self, outcome: str, count: int) -> None:
        series = self._outcomes.get(outcome)
        if series is None:  # an outcome this build does not know: counted, not lost
            series = self._outcomes[outcome] = self._metrics.transactions.labels(
                self.chain, outcome
            )
        series.inc(count)

    def pending_depth(self, depth: int) -> None:
        self._depth.set(depth)

    def observe(self, outcome: str, router_kind: str) -> None:
        """A `dex.router_book.DecodeObserver`: one call decoded (or skipped) by the routers."""
        self._metrics.router_calls.labels(self.chain, router_kind or "none", outcome).inc()
