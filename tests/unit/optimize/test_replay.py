"""The offline replay: each trade credited to the values in force when it was sent (from the
recorded changes, a reverted one until its measurement; the bribe share from the trade)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from omniarb.optimize import ParamChange
from omniarb.optimize.replay import HistoricTrade, ValueTimeline, replay

T0 = datetime(2026, 12, 6, 12, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def change(
    minutes: int, old: float, new: float, *, reverted_after: int | None = None
) -> ParamChange:
    return ParamChange(
        id=f"c{minutes}",
        chain="base",
        param="min_net_profit_usd",
        old_value=old,
        new_value=new,
        reason="test",
        baseline_reward_usd=0.0,
        baseline_samples=2,
        changed_at=at(minutes),
        evaluated_at=None if reverted_after is None else at(reverted_after),
        effect_reward_usd=None if reverted_after is None else -1.0,
        reverted=reverted_after is not None,
    )


def trade(minutes: int, reward_usd: float | None, *, status: str = "succeeded") -> HistoricTrade:
    return HistoricTrade(
        chain="base",
        status=status,
        submitted_at=at(minutes),
        net_profit_usd=reward_usd,
        channel="public",
        predicted_profit=10**15,
        bribe_wei=0,
    )


def test_the_timeline_applies_changes_and_reverts_in_time() -> None:
    timeline = ValueTimeline([change(10, 0.01, 0.02), change(20, 0.02, 0.05, reverted_after=30)])
    assert timeline.value_at("min_net_profit_usd", at(5)) == 0.01
    assert timeline.value_at("min_net_profit_usd", at(15)) == 0.02
    assert timeline.value_at("min_net_profit_usd", at(25)) == 0.05
    assert timeline.value_at("min_net_profit_usd", at(35)) == 0.02
    assert timeline.value_at("max_hops", at(35)) is None
    assert timeline.latest("min_net_profit_usd") == 0.02


def test_the_best_value_with_enough_trades_is_proposed() -> None:
    changes = [change(10, 0.01, 0.02)]
    trades = [
        trade(1, 1.0),
        trade(2, 1.0),
        trade(11, 3.0),
        trade(12, 2.0),
        trade(13, None, status="pending"),  # not settled: no evidence
        trade(14, 9.0, status="simulated"),
    ]
    (proposal,) = replay(trades, changes, min_samples=2)
    assert proposal.param == "min_net_profit_usd"
    assert proposal.current == 0.02
    assert proposal.proposed == 0.02
    assert [(a.value, a.trades, a.mean_reward_usd) for a in proposal.evidence] == [
        (0.01, 2, 1.0),
        (0.02, 2, 2.5),
    ]
    (short,) = replay(trades, changes, min_samples=3)
    assert short.proposed is None
    assert "3 settled trades" in short.reason


def test_the_bribe_share_is_read_from_each_bundle() -> None:
    profit = 10**16
    share = HistoricTrade(
        chain="ethereum",
        status="succeeded",
        submitted_at=T0,
        net_profit_usd=1.0,
        channel="bundle",
        predicted_profit=profit - profit * 3_700 // 10_000,
        bribe_wei=profit * 3_700 // 10_000,
    )
    assert share.bribe_share_bps == 3_700
    # A bundle that paid no bribe (its route did not start in WETH) says nothing of the share.
    assert replace(share, bribe_wei=0).bribe_share_bps is None
    (proposal,) = replay([share], [], min_samples=1)
    assert (proposal.param, proposal.proposed, proposal.current) == (
        "bribe_share_bps",
        3_700,
        3_700,
    )


def test_values_are_scored_per_opportunity_judged_when_it_is_recorded() -> None:
    """At the lower floor two trades of $2 came from 4 opportunities ($1 each); at the higher
    one two of $3 from 10 ($0.6 each): per trade the higher floor looks better, per
    opportunity judged the lower one is."""
    changes = [change(10, 0.05, 0.01)]
    trades = [trade(1, 3.0), trade(2, 3.0), trade(11, 2.0), trade(12, 2.0)]
    judged = [("base", at(m)) for m in range(10)] + [("base", at(10 + m)) for m in range(4)]
    (per_trade,) = replay(trades, changes, min_samples=2)
    assert per_trade.proposed == 0.05
    (proposal,) = replay(trades, changes, min_samples=2, judged=judged)
    assert [(a.value, a.trades, a.judged, a.mean_reward_usd) for a in proposal.evidence] == [
        (0.01, 2, 4, 1.0),
        (0.05, 2, 10, 0.6),
    ]
    assert proposal.proposed == 0.01
    assert "per opportunity judged" in proposal.reason
