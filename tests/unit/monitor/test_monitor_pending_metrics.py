"""The pending-stream series: each outcome counted per chain, the buffer's depth, every
outcome's series present from the first scrape."""

from __future__ import annotations

from omniarb.collect import PENDING_OUTCOMES
from omniarb.monitor.metrics import Metrics
from omniarb.monitor.pending_metrics import ChainPendingMetrics


def test_the_metrics_count_each_outcome_per_chain() -> None:
    metrics = Metrics(chains=["optimism"])
    observer = ChainPendingMetrics(metrics.pending, "optimism")
    observer.pending_tx("dropped", 8)
    observer.pending_tx("received", 10)
    observer.pending_depth(2)
    text = metrics.render().decode()
    assert 'omniarb_pending_tx_total{chain="optimism",outcome="dropped"} 8.0' in text
    assert 'omniarb_pending_tx_total{chain="optimism",outcome="received"} 10.0' in text
    assert 'omniarb_pending_tx_total{chain="optimism",outcome="unknown"} 0.0' in text
    assert 'omniarb_pending_queue_depth{chain="optimism"} 2.0' in text
    assert {"omniarb_pending_tx_total", "omniarb_pending_queue_depth"} <= metrics.series_names()
    assert set(PENDING_OUTCOMES) >= {"received", "duplicate", "dropped", "malformed", "unknown"}
