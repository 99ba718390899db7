"""The running figures of one chain: each settled trade lands in exactly one count, a success
whose realized profit differs from the prediction is counted as such, and the summary lists
every trade with the fields of the `--summary` format."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from _monitor_values import USDC, WETH, decision, execution, opportunity, trade

from omniarb.track.stats import ChainBotStats
from omniarb.types import ExecutionStatus, Replacement, ReplacementReason


def _stats() -> ChainBotStats:
    return ChainBotStats(chain="ethereum", chain_id=1, symbols={WETH.lower(): "WETH"})


def test_outcomes_are_counted_once_each() -> None:
    stats = _stats()
    exact = trade(1)
    short = trade(2, realized_profit=trade(2).realized_profit - 1)
    touched = replace(trade(3, realized_profit=0), touched_earlier_in_block=True)
    reverted = trade(4, success=False)
    for outcome in (exact, short, touched, reverted):
        stats.on_outcome(outcome)
    assert (stats.succeeded, stats.reverted, stats.touched_earlier, stats.mismatched) == (
        3,
        1,
        1,
        2,
    )
    assert stats.success_rate == 0.75
    assert stats.realized_profit[WETH] == exact.realized_profit + short.realized_profit
    counts = stats.counts()
    assert counts["touched_earlier_in_block"] == 1
    assert counts["realized_differs_from_predicted"] == 2
    assert counts["realized_profit"] == {"WETH": exact.realized_profit + short.realized_profit}


def test_summary_trade_has_the_format_fields() -> None:
    stats = _stats()
    outcome = trade(5)
    summary = stats.on_outcome(outcome).to_json()
    assert summary["status"] == "success"
    assert summary["profit_token"] == "WETH"
    assert summary["predicted_profit_wei"] == summary["realized_profit_wei"] == 10**16
    assert summary["touched_earlier_in_block"] is False
    assert [hop["token_in"] for hop in summary["route"]] == ["WETH", USDC]
    assert summary["gas_cost_wei"] == outcome.gas_cost_wei


def test_realized_net_usd_subtracts_the_gas_paid_at_detection_prices() -> None:
    outcome = trade(6)
    opp = outcome.execution.decision.opportunity
    usd_per_unit = opp.net_profit_usd / opp.net_profit
    gas_paid_in_token = (opp.gross_profit - opp.net_profit) * 120_000 / 150_000
    expected = (outcome.realized_profit - gas_paid_in_token) * usd_per_unit
    assert abs(outcome.realized_net_usd() - expected) < 1e-9
    # Paying exactly the estimated gas leaves the detector's own net profit.
    as_estimated = replace(outcome, gas_cost_wei=opp.gas_cost_wei)
    assert abs(as_estimated.realized_net_usd() - opp.net_profit_usd) < 1e-9


def test_executions_and_decisions_are_counted() -> None:
    stats = _stats()
    approved = decision(opportunity(7))
    stats.on_decision(approved)
    stats.on_decision(decision(opportunity(8), approved=False))
    stats.on_execution(execution(approved))
    stats.on_execution(execution(approved, status=ExecutionStatus.SIMULATED))
    stats.on_execution(execution(approved, status=ExecutionStatus.REJECTED, error="revert"))
    assert (stats.approved, stats.declined) == (1, 1)
    assert (stats.submitted, stats.simulated, stats.rejected) == (1, 1, 1)
    assert stats.last_submit_ms == 5.0


def test_a_correction_takes_the_old_verdict_back_and_rewrites_the_line() -> None:
    stats = _stats()
    first, second = trade(1), trade(2)
    stats.on_outcome(first)
    stats.on_outcome(second)
    usd_before = stats.net_profit_usd
    reverted = replace(first, success=False, realized_profit=0, block_number=99)
    dropped = replace(second, included=False, success=False, realized_profit=0, gas_used=0)
    dropped = replace(dropped, block_number=None, gas_cost_wei=0)
    stats.on_correction(first, reverted, "reincluded")
    stats.on_correction(second, dropped, "dropped")
    assert (stats.succeeded, stats.reverted, stats.dropped) == (0, 1, 1)
    assert stats.realized_profit[WETH] == 0
    expected_usd = usd_before - first.realized_net_usd() - second.realized_net_usd()
    assert abs(stats.net_profit_usd - (expected_usd + reverted.realized_net_usd())) < 1e-9
    assert [(t.tx_hash, t.status, t.block_number) for t in stats.trades] == [
        (first.execution.tx_hash, "reverted", 99),
        (second.execution.tx_hash, "dropped", None),
    ]
    assert stats.counts()["reorged_trades"] == {"reincluded": 1, "dropped": 1}


def test_a_final_trade_is_marked_on_its_line() -> None:
    stats = _stats()
    outcome = trade(1)
    stats.on_outcome(outcome)
    stats.on_outcome(trade(2))
    stats.on_final(replace(outcome, final=True))
    assert [t.final for t in stats.trades] == [True, False]
    assert stats.trades[0].to_json()["final"] is True
    counts = stats.counts()
    assert (counts["final"], counts["not_final"]) == (1, 1)
    assert stats.succeeded == 2  # finality changes no count


def _successor(n: int, reason: ReplacementReason) -> Replacement:
    return Replacement(
        chain_id=1,
        key=f"k{n}",
        nonce=n,
        original_tx_hash=f"0x{n:064x}",
        replaced_tx_hash=f"0x{n:064x}",
        new_tx_hash=f"0x{n + 100:064x}",
        old_max_fee_per_gas_wei=1,
        old_priority_fee_wei=1,
        new_max_fee_per_gas_wei=2,
        new_priority_fee_wei=2,
        reason=reason,
        block_number=n,
        replaced_at=datetime(2026, 12, 6, tzinfo=UTC),
    )


def test_cancelled_and_dropped_trades_and_replacements_are_counted_apart() -> None:
    stats = _stats()
    repriced = replace(
        trade(1),
        mined_tx_hash=f"0x{101:064x}",
        replacements=(_successor(1, ReplacementReason.REPRICE),),
    )
    cancelled = replace(
        trade(2, success=False),
        cancelled=True,
        mined_tx_hash=f"0x{102:064x}",
        replacements=(
            _successor(2, ReplacementReason.REPRICE),
            _successor(2, ReplacementReason.CANCEL),
        ),
    )
    dropped = replace(
        trade(3, included=False), replacements=(_successor(3, ReplacementReason.GAP),)
    )
    summaries = [stats.on_outcome(o) for o in (repriced, cancelled, dropped)]
    assert [s.status for s in summaries] == ["success", "cancelled", "dropped"]
    # The summary names the transaction that was mined, a replacement's when it was one.
    assert [s.tx_hash for s in summaries[:2]] == [f"0x{101:064x}", f"0x{102:064x}"]
    assert (stats.succeeded, stats.reverted, stats.cancelled, stats.dropped) == (1, 0, 1, 1)
    counts = stats.counts()
    assert counts["replacements"] == {"reprice": 2, "cancel": 1, "gap": 1}
    assert (counts["cancelled"], counts["dropped"]) == (1, 1)
