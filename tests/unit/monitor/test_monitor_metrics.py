"""`Metrics`: each observe_* moves the series it should, by the amount it should, in a private
registry; `render()` is valid Prometheus text."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from _monitor_values import decision, execution, opportunity, trade
from prometheus_client.parser import text_string_to_metric_families

from omniarb.chains.fee_models import FeeQuote, OpL1Prices
from omniarb.chains.spec import FeeModel
from omniarb.monitor import Metrics
from omniarb.types import ExecutionStatus, Replacement, ReplacementReason


def sample(metrics: Metrics, name: str, **labels: str) -> float | None:
    """The value of one sample of a scrape (None when absent), parsed back from `render()`."""
    for family in text_string_to_metric_families(metrics.render().decode()):
        for s in family.samples:
            if s.name == name and s.labels == labels:
                return float(s.value)
    return None


def test_chains_start_at_zero_so_ratios_exist_from_the_first_scrape() -> None:
    metrics = Metrics(chains=["polygon"])
    assert sample(metrics, "omniarb_trade_successes_total", chain="polygon") == 0
    for reason in ("reverted", "dropped", "send_failed", "precheck_revert"):
        assert sample(metrics, "omniarb_trade_failures_total", chain="polygon", reason=reason) == 0
    assert sample(metrics, "omniarb_start_time_seconds") > 1.7e9


def test_two_objects_do_not_share_a_registry() -> None:
    first, second = Metrics(chains=["ethereum"]), Metrics(chains=["ethereum"])
    first.observe_outcome(trade())
    assert sample(first, "omniarb_trade_successes_total", chain="ethereum") == 1
    assert sample(second, "omniarb_trade_successes_total", chain="ethereum") == 0


def test_an_opportunity_counts_and_times_detection() -> None:
    metrics = Metrics()
    opp = opportunity(gas_price_wei=25 * 10**9)
    metrics.observe_opportunity(opp, received_ns=opp.detected_ns - 3_000_000)
    metrics.observe_opportunity(opp)  # no block stamp: counted, not timed
    assert sample(metrics, "omniarb_opportunities_total", chain="ethereum", source="block") == 2
    assert sample(metrics, "omniarb_gas_price_gwei", chain="ethereum") == 25
    stage = {"chain": "ethereum", "stage": "detect"}
    assert sample(metrics, "omniarb_stage_latency_seconds_count", **stage) == 1
    assert sample(metrics, "omniarb_stage_latency_seconds_sum", **stage) == pytest.approx(0.003)
    # $21 net each: in the (10, 100] bucket; a histogram of signed values has no _sum.
    profit = "omniarb_opportunity_profit_usd"
    assert sample(metrics, f"{profit}_bucket", chain="ethereum", le="10.0") == 0
    assert sample(metrics, f"{profit}_bucket", chain="ethereum", le="100.0") == 2
    assert sample(metrics, f"{profit}_sum", chain="ethereum") is None


def test_decisions_and_executions_by_verdict_and_status() -> None:
    metrics = Metrics()
    approved = decision(opportunity())
    metrics.observe_decision(approved)
    metrics.observe_decision(replace(approved, approved=False))
    for status in ExecutionStatus:
        metrics.observe_execution(execution(approved, status=status))
    for verdict in ("approved", "declined"):
        assert sample(metrics, "omniarb_decisions_total", chain="ethereum", verdict=verdict) == 1
    for status in ExecutionStatus:
        assert sample(metrics, "omniarb_executions_total", chain="ethereum", status=status) == 1
    failures = "omniarb_trade_failures_total"
    assert sample(metrics, failures, chain="ethereum", reason="precheck_revert") == 1
    assert sample(metrics, failures, chain="ethereum", reason="send_failed") == 1
    submit = {"chain": "ethereum", "stage": "submit"}
    assert sample(metrics, "omniarb_stage_latency_seconds_sum", **submit) == pytest.approx(0.005)


def test_a_successful_trade() -> None:
    metrics = Metrics()
    # Realized 1% less than predicted: 1e14 wei below on 1e18 in is -1 bps of the amount in.
    net_usd = metrics.observe_outcome(trade(realized_profit=10**16 - 10**14))
    # (realized − gas 2.4e15 wei, gas priced 1:1 in WETH) × $3000 per WETH
    assert net_usd == pytest.approx((10**16 - 10**14 - 2.4e15) * 3000 / 1e18)
    chain = {"chain": "ethereum"}
    assert sample(metrics, "omniarb_trade_successes_total", **chain) == 1
    assert sample(metrics, "omniarb_profit_usd_total", **chain) == pytest.approx(net_usd)
    assert sample(metrics, "omniarb_loss_usd_total", **chain) == 0
    assert sample(metrics, "omniarb_trade_profit_usd_bucket", **chain, le="10.0") == 0
    assert sample(metrics, "omniarb_trade_profit_usd_bucket", **chain, le="100.0") == 1
    assert sample(metrics, "omniarb_gas_used_sum", **chain) == 120_000
    assert sample(metrics, "omniarb_effective_gas_price_gwei_sum", **chain) == 20
    assert sample(metrics, "omniarb_slippage_bps_bucket", **chain, le="-1.0") == 1
    assert sample(metrics, "omniarb_slippage_bps_bucket", **chain, le="-2.0") == 0
    # detected → sent 5 ms, sent → mined 2 s
    assert sample(metrics, "omniarb_execution_seconds_sum", **chain) == pytest.approx(2.005)
    confirm = {"chain": "ethereum", "stage": "confirm"}
    assert sample(metrics, "omniarb_stage_latency_seconds_sum", **confirm) == pytest.approx(2.0)


def test_failed_trades_count_by_reason_and_their_gas_as_a_loss() -> None:
    metrics = Metrics()
    reverted = metrics.observe_outcome(trade(success=False))
    dropped = metrics.observe_outcome(trade(included=False))
    assert reverted == pytest.approx(-2.4e15 * 3000 / 1e18)
    assert dropped == 0
    failures = "omniarb_trade_failures_total"
    assert sample(metrics, failures, chain="ethereum", reason="reverted") == 1
    assert sample(metrics, failures, chain="ethereum", reason="dropped") == 1
    assert sample(metrics, "omniarb_loss_usd_total", chain="ethereum") == pytest.approx(7.2)
    # No slippage from a failure, and no gas figure from a transaction that never landed.
    assert sample(metrics, "omniarb_slippage_bps_count", chain="ethereum") is None
    assert sample(metrics, "omniarb_gas_used_count", chain="ethereum") == 1


def test_an_unknown_chain_id_gets_a_label_instead_of_an_error() -> None:
    metrics = Metrics()
    metrics.observe_outcome(trade(chain_id=31337))
    assert sample(metrics, "omniarb_trade_successes_total", chain="chain-31337") == 1


def test_plain_figures() -> None:
    metrics = Metrics()
    metrics.observe_rpc("bnb", "eth_call", 0.004)
    metrics.observe_rpc("bnb", "eth_call", 0.5, error="RpcTransportError")
    metrics.observe_block("bnb", head_block=120, processed_block=117)
    metrics.observe_block("arbitrum", head_block=5, processed_block=9)  # ahead: no lag
    metrics.set_queue_depth("bnb", "updates", 7)
    metrics.observe_queue_drop("bnb", "updates", 3)
    metrics.observe_error("track", "RpcTransportError")
    metrics.observe_price_move("bnb", -5.5, outliers=2)
    metrics.set_breaker("global", is_open=True, trip_reason="loss")
    rpc = {"chain": "bnb", "method": "eth_call"}
    assert sample(metrics, "omniarb_rpc_latency_seconds_count", **rpc) == 2
    assert sample(metrics, "omniarb_rpc_errors_total", **rpc, kind="RpcTransportError") == 1
    assert sample(metrics, "omniarb_head_block", chain="bnb") == 120
    assert sample(metrics, "omniarb_block_lag_blocks", chain="bnb") == 3
    assert sample(metrics, "omniarb_block_lag_blocks", chain="arbitrum") == 0
    assert sample(metrics, "omniarb_queue_depth", chain="bnb", stage="updates") == 7
    assert sample(metrics, "omniarb_queue_dropped_total", chain="bnb", stage="updates") == 3
    assert sample(metrics, "omniarb_errors_total", component="track", kind="RpcTransportError") == 1
    assert sample(metrics, "omniarb_price_move_zscore", chain="bnb") == 5.5
    assert sample(metrics, "omniarb_price_outliers_total", chain="bnb") == 2
    assert sample(metrics, "omniarb_breaker_open", scope="global") == 1
    assert sample(metrics, "omniarb_breaker_trips_total", scope="global", reason="loss") == 1
    metrics.set_breaker("global", is_open=False)
    assert sample(metrics, "omniarb_breaker_open", scope="global") == 0
    assert sample(metrics, "omniarb_breaker_trips_total", scope="global", reason="loss") == 1


def test_alerts_count_raised_and_suppressed_apart() -> None:
    metrics = Metrics()
    metrics.observe_alert("market_move", "warning")
    metrics.observe_alert("market_move", "warning", suppressed="rate_limited")
    metrics.observe_alert("market_move", "warning", suppressed="duplicate")
    metrics.observe_alert_delivery("slack", ok=False)
    raised = {"rule": "market_move", "severity": "warning"}
    assert sample(metrics, "omniarb_alerts_total", **raised) == 2  # a duplicate is not new
    for why in ("rate_limited", "duplicate"):
        assert sample(metrics, "omniarb_alerts_suppressed_total", rule="market_move", why=why) == 1
    assert sample(metrics, "omniarb_alert_deliveries_total", sink="slack", result="error") == 1


def test_series_names_cover_every_sample_a_scrape_has() -> None:
    metrics = Metrics(chains=["ethereum"])
    metrics.observe_opportunity(opportunity())
    metrics.observe_outcome(trade())
    scraped = {
        s.name
        for family in text_string_to_metric_families(metrics.render().decode())
        for s in family.samples
        if not s.name.endswith("_created")
    }
    assert scraped <= metrics.series_names()
    assert {"omniarb_execution_seconds_bucket", "omniarb_opportunities_total"} <= scraped
    assert "omniarb_trade_profit_usd_sum" not in metrics.series_names()  # signed: no _sum
    assert "omniarb_execution_seconds_sum" in scraped
    assert metrics.content_type.startswith("text/plain; version=0.0.4")


def test_fee_quotes_and_l1_fees_paid_per_chain() -> None:
    metrics = Metrics()
    gwei = 10**9
    l1 = OpL1Prices(
        l1_base_fee_wei=12 * gwei, blob_base_fee_wei=1, base_fee_scalar=1, blob_base_fee_scalar=1
    )
    quote = FeeQuote(
        chain_id=10,
        block_number=5,
        fee_model=FeeModel.L2_EIP1559,
        base_fee_wei=gwei // 100,
        tip_wei=gwei // 1000,
        l1=l1,
    )
    metrics.observe_fees("optimism", quote)
    assert sample(metrics, "omniarb_tip_gwei", chain="optimism") == pytest.approx(0.001)
    assert sample(metrics, "omniarb_l1_base_fee_gwei", chain="optimism") == 12
    # An L1's quote sets the tip only.
    metrics.observe_fees("polygon", replace(quote, chain_id=137, tip_wei=30 * gwei, l1=None))
    assert sample(metrics, "omniarb_tip_gwei", chain="polygon") == 30
    assert sample(metrics, "omniarb_l1_base_fee_gwei", chain="polygon") is None
    paid = replace(trade(chain_id=10), l1_fee_wei=7_000_000_000_000)
    metrics.observe_outcome(paid)
    metrics.observe_outcome(paid)
    assert sample(metrics, "omniarb_l1_fee_wei_total", chain="optimism") == 14_000_000_000_000


def test_a_cancelled_trade_is_a_failure_and_its_replacements_are_counted() -> None:
    metrics = Metrics()
    successor = Replacement(
        chain_id=1,
        key="k",
        nonce=7,
        original_tx_hash="0x" + "11" * 32,
        replaced_tx_hash="0x" + "11" * 32,
        new_tx_hash="0x" + "22" * 32,
        old_max_fee_per_gas_wei=1,
        old_priority_fee_wei=1,
        new_max_fee_per_gas_wei=2,
        new_priority_fee_wei=2,
        reason=ReplacementReason.CANCEL,
        block_number=1,
        replaced_at=datetime(2026, 12, 6, tzinfo=UTC),
    )
    cancelled = replace(trade(success=False), cancelled=True, replacements=(successor,))
    metrics.observe_outcome(cancelled)
    failures = "omniarb_trade_failures_total"
    assert sample(metrics, failures, chain="ethereum", reason="cancelled") == 1
    assert sample(metrics, failures, chain="ethereum", reason="reverted") is None
    replaced = "omniarb_tx_replacements_total"
    assert sample(metrics, replaced, chain="ethereum", reason="cancel") == 1
    assert sample(metrics, "omniarb_loss_usd_total", chain="ethereum") > 0
