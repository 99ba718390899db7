"""The submission series: trades sent by source and channel, bribes paid per chain."""

from __future__ import annotations

from dataclasses import replace

from _monitor_values import decision, execution, opportunity, trade
from prometheus_client.parser import text_string_to_metric_families

from omniarb.monitor import Metrics
from omniarb.types import ExecutionStatus, OpportunitySource, SubmitChannel

TRIGGER = "0x" + "ab" * 32


def sample(metrics: Metrics, name: str, **labels: str) -> float | None:
    for family in text_string_to_metric_families(metrics.render().decode()):
        for s in family.samples:
            if s.name == name and s.labels == labels:
                return float(s.value)
    return None


def test_trades_sent_count_by_source_and_channel() -> None:
    metrics = Metrics()
    backrun = replace(opportunity(1), source=OpportunitySource.MEMPOOL, trigger_tx=TRIGGER)
    bundled = replace(execution(decision(backrun)), channel=SubmitChannel.BUNDLE)
    metrics.observe_execution(bundled)
    metrics.observe_execution(bundled)
    metrics.observe_execution(execution(decision(opportunity(2))))
    # Not sent: refused by the pre-check, so not a trade sent through any channel.
    metrics.observe_execution(
        execution(decision(opportunity(3)), status=ExecutionStatus.REJECTED, error="revert")
    )
    name = "omniarb_trades_sent_total"
    labels = {"chain": "ethereum", "source": "mempool", "channel": "bundle"}
    assert sample(metrics, name, **labels) == 2
    labels = {"chain": "ethereum", "source": "block", "channel": "public"}
    assert sample(metrics, name, **labels) == 1
    assert "omniarb_trades_sent_total" in metrics.series_names()


def test_bribes_paid_sum_per_chain_from_zero() -> None:
    metrics = Metrics(chains=["ethereum", "bnb"])
    assert sample(metrics, "omniarb_bribes_paid_wei_total", chain="ethereum") == 0
    paid = replace(trade(1), bribe_paid_wei=3 * 10**15)
    metrics.observe_outcome(paid)
    metrics.observe_outcome(replace(trade(2), bribe_paid_wei=10**15))
    metrics.observe_outcome(trade(3))  # none paid
    assert sample(metrics, "omniarb_bribes_paid_wei_total", chain="ethereum") == 4 * 10**15
    assert sample(metrics, "omniarb_bribes_paid_wei_total", chain="bnb") == 0
