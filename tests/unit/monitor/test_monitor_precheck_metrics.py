"""The pre-check series: rejections by the local simulation (apart from the node's pre-check
reverts) and the sampled audits by result."""

from __future__ import annotations

import pytest
from _monitor_values import decision, execution, opportunity

from omniarb.monitor import Metrics
from omniarb.types import ExecutionStatus


def _value(metrics: Metrics, name: str, **labels: str) -> float:
    value = metrics.registry.get_sample_value(name, {"chain": "ethereum", **labels})
    assert value is not None, name
    return value


def test_local_simulation_rejections_are_counted_apart() -> None:
    metrics = Metrics(chains=["ethereum"])
    assert _value(metrics, "omniarb_local_simulation_rejects_total") == 0
    rejected = ExecutionStatus.REJECTED
    dec = decision(opportunity())
    metrics.observe_execution(
        execution(dec, status=rejected, error="local simulation: insufficient profit 0 < 1")
    )
    metrics.observe_execution(execution(dec, status=rejected, error="pre-check reverted: x"))
    assert _value(metrics, "omniarb_local_simulation_rejects_total") == 1
    # Both are still refusals before the send.
    assert _value(metrics, "omniarb_trade_failures_total", reason="precheck_revert") == 2


def test_audits_are_counted_by_result() -> None:
    metrics = Metrics(chains=["ethereum"])
    assert _value(metrics, "omniarb_precheck_audits_total", result="mismatch") == 0
    for result in ("match", "match", "mismatch", "inconclusive"):
        metrics.precheck.observe_audit("ethereum", result)
    assert _value(metrics, "omniarb_precheck_audits_total", result="match") == 2
    assert _value(metrics, "omniarb_precheck_audits_total", result="mismatch") == 1
    assert _value(metrics, "omniarb_precheck_audits_total", result="inconclusive") == 1
    with pytest.raises(ValueError, match="unknown audit result"):
        metrics.precheck.observe_audit("ethereum", "maybe")
