"""Reorg corrections in Prometheus: a verdict taken back goes to the "reversed" counters (a
counter never goes down), the new verdict is counted as any, and the differences are the
corrected figures; trades awaiting finality are a gauge."""

from __future__ import annotations

from dataclasses import replace

from _monitor_values import trade

from omniarb.monitor import Metrics


def _value(metrics: Metrics, name: str, **labels: str) -> float:
    value = metrics.registry.get_sample_value(name, {"chain": "ethereum", **labels})
    assert value is not None, name
    return value


def test_a_success_a_reorg_dropped_is_taken_back() -> None:
    metrics = Metrics(chains=["ethereum"])
    won, lost = trade(1), trade(2, realized_profit=0)  # the second one paid gas for nothing
    for outcome in (won, lost):
        metrics.observe_outcome(outcome)
    dropped = replace(won, included=False, success=False, realized_profit=0, gas_used=0)
    dropped = replace(dropped, gas_cost_wei=0, block_number=None)
    metrics.reorgs.take_back("ethereum", won)
    metrics.reorgs.reorged("ethereum", "dropped")
    metrics.observe_outcome(dropped)

    successes = _value(metrics, "omniarb_trade_successes_total") - _value(
        metrics, "omniarb_trade_outcomes_reversed_total", result="success"
    )
    assert successes == 1  # the losing trade, still mined
    assert _value(metrics, "omniarb_trade_failures_total", reason="dropped") == 1
    net_usd = (
        _value(metrics, "omniarb_profit_usd_total")
        - _value(metrics, "omniarb_profit_usd_reversed_total")
        - _value(metrics, "omniarb_loss_usd_total")
        + _value(metrics, "omniarb_loss_usd_reversed_total")
    )
    assert abs(net_usd - lost.realized_net_usd()) < 1e-9
    assert _value(metrics, "omniarb_trade_reorgs_total", result="dropped") == 1
    assert _value(metrics, "omniarb_trade_reorgs_total", result="reincluded") == 0


def test_finality_is_a_counter_and_a_gauge() -> None:
    metrics = Metrics(chains=["ethereum"])
    assert _value(metrics, "omniarb_trades_awaiting_finality") == 0
    metrics.reorgs.finality("ethereum", finalized=0, waiting=3)
    metrics.reorgs.finality("ethereum", finalized=2, waiting=1)
    assert _value(metrics, "omniarb_trades_awaiting_finality") == 1
    assert _value(metrics, "omniarb_trades_final_total") == 2
    assert "omniarb_trade_reorgs_total" in metrics.series_names()
