"""The score stage: the model decides while it is valid; with no model, a model too old or one
of another feature version the baseline does (p = 1, EV = net profit), and says why; a batch
scores as its decisions one by one; EV <= 0 declines with the figures."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import timedelta

import pytest
import torch
from _monitor_values import decision, opportunity, trade
from _nets import CREATED, active, fixed_net, random_net

from omniarb.collect.pending_activity import PendingActivity
from omniarb.score.features import FEATURE_VERSION, FEATURES, FeatureContext, extract
from omniarb.score.model import Normalization
from omniarb.score.recent import RecentOutcomes
from omniarb.score.scorer import ProfitScorer

NOW_NS = 2_000_000_000
DAY_S = 86_400.0


def _scorer(model, *, age_s: float = 60.0, max_age_s: float = DAY_S, recent=None):
    return ProfitScorer(
        model=model,
        max_age_s=max_age_s,
        recent=recent,
        clock_ns=lambda: NOW_NS,
        wall=lambda: CREATED + timedelta(seconds=age_s),
    )


def _decisions(n: int = 6):
    return [decision(opportunity(i, gross_profit=(i + 4) * 10**15)) for i in range(n)]


async def test_without_a_model_the_baseline_decides_and_features_are_kept() -> None:
    scorer = _scorer(None)
    (scored,) = scorer.score([decision(opportunity())])
    assert scored.p_success == 1.0
    assert scored.expected_value_usd == scored.opportunity.net_profit_usd
    assert scored.approved
    assert len(scored.features) == len(FEATURES)
    assert scored.feature_version == FEATURE_VERSION
    status = scorer.status()
    assert status.fallback
    assert status.model_id is None
    assert "no trained model" in status.reason


async def test_a_model_too_old_falls_back_to_the_baseline() -> None:
    model = active(fixed_net(logit=-8.0, share=1.0))
    scorer = _scorer(model, age_s=2 * DAY_S, max_age_s=DAY_S)
    scored = await scorer.process(decision(opportunity()))
    assert (scored.p_success, scored.approved) == (1.0, True)
    status = scorer.status()
    assert status.fallback
    assert status.model_id == "m-test"
    assert status.age_s == 2 * DAY_S
    assert "old" in status.reason
    # The same model within its age decides (here: declines).
    fresh = await _scorer(model, age_s=DAY_S / 2).process(decision(opportunity()))
    assert not fresh.approved


@pytest.mark.parametrize(
    "changes",
    [{"feature_version": FEATURE_VERSION + 1}, {"features": (*FEATURES[:-1], "renamed")}],
)
async def test_a_model_of_other_features_falls_back_to_the_baseline(changes) -> None:
    scorer = _scorer(active(fixed_net(logit=-8.0, share=1.0), **changes))
    scored = await scorer.process(decision(opportunity()))
    assert (scored.p_success, scored.approved) == (1.0, True)
    assert scorer.status().fallback
    assert "feature version" in scorer.status().reason


async def test_the_model_declines_a_trade_whose_expected_value_is_not_positive() -> None:
    # p = sigmoid(-4) ~ 0.018; half the predicted 21 USD net if it lands; a failed attempt
    # pays 9 USD of gas (150,000 gas at 20 gwei, WETH at 3000 USD).
    scorer = _scorer(active(fixed_net(logit=-4.0, share=0.5)))
    d = decision(opportunity())
    scored = await scorer.process(d)
    p = scored.p_success
    assert p == pytest.approx(1 / (1 + math.exp(4)), rel=1e-6)
    assert d.opportunity.net_profit_usd == pytest.approx(21.0)
    failed_gas_usd = 150_000 * 20 * 10**9 * 3000 / 10**18
    assert scored.expected_value_usd == pytest.approx(p * 0.5 * 21.0 - (1 - p) * failed_gas_usd)
    assert not scored.approved
    assert scored.reasons[:-1] == d.reasons
    assert scored.reasons[-1].startswith("expected value -")
    assert not scorer.status().fallback


async def test_the_model_approves_a_likely_winner_with_its_expected_value() -> None:
    scorer = _scorer(active(fixed_net(logit=4.0, share=1.0)))
    scored = await scorer.process(decision(opportunity()))
    assert scored.approved
    assert 0.98 < scored.p_success < 0.99
    assert 0 < scored.expected_value_usd < 21.0


async def test_a_declined_decision_stays_declined_with_its_reasons() -> None:
    scorer = _scorer(active(fixed_net(logit=-4.0, share=0.5)))
    d = replace(decision(opportunity()), approved=False, reasons=("too large",))
    scored = await scorer.process(d)
    assert not scored.approved
    assert scored.reasons == ("too large",)


async def test_a_batch_scores_as_its_decisions_one_by_one() -> None:
    decisions = _decisions()
    vectors = torch.tensor([extract(d, FeatureContext(now_ns=NOW_NS)) for d in decisions])
    norm = Normalization(
        feature_mean=tuple(vectors.mean(dim=0).tolist()),
        feature_std=tuple(max(s, 1e-3) for s in vectors.std(dim=0).tolist()),
        share_mean=1.0,
        share_std=0.5,
    )
    scorer = _scorer(active(random_net(norm)))
    batch = scorer.score(decisions)
    singles = [await scorer.process(d) for d in decisions]
    assert [b.approved for b in batch] == [s.approved for s in singles]
    assert [b.features for b in batch] == [s.features for s in singles]
    # float32 sums may round differently between a batch and one row, by an ulp or so.
    assert [b.p_success for b in batch] == pytest.approx([s.p_success for s in singles], 1e-6)
    assert [b.expected_value_usd for b in batch] == pytest.approx(
        [s.expected_value_usd for s in singles], rel=1e-5
    )
    assert len({round(b.p_success, 6) for b in batch}) > 1  # the inputs differ, so do answers


async def test_settled_trades_move_the_route_record() -> None:
    recent = RecentOutcomes()
    scorer = _scorer(None, recent=recent)
    d = decision(opportunity())
    before = dict(zip(FEATURES, (await scorer.process(d)).features, strict=True))
    for n in range(3):
        scorer.on_outcome(trade(n, success=False))
    after = dict(zip(FEATURES, (await scorer.process(d)).features, strict=True))
    assert before["route_success_rate"] == 0.5
    assert after["route_success_rate"] == 1 / 5  # (0 + 1) / (3 + 2)
    assert after["pool_success_rate"] == 1 / 5


async def test_the_tip_and_the_mempool_are_read_at_scoring_time() -> None:
    tip = {"wei": 2 * 10**9}
    activity = PendingActivity(window_s=1.0)
    scorer = ProfitScorer(
        model=None,
        max_age_s=DAY_S,
        tip_wei=lambda: tip["wei"],
        pending=activity,
        clock_ns=lambda: NOW_NS,
    )
    d = decision(opportunity())
    pools = d.opportunity.route.pools
    activity.saw([pools[0]], seen_ns=NOW_NS - 2_000_000_000)  # before the window
    activity.saw([pools[1]], seen_ns=NOW_NS - 500_000_000)
    activity.saw(["0x" + "ee" * 20], seen_ns=NOW_NS - 400_000_000)
    got = dict(zip(FEATURES, (await scorer.process(d)).features, strict=True))
    assert got["log_tip_gwei"] == math.log1p(2.0)
    assert got["log_pending_route_swaps"] == math.log1p(1)
    assert got["log_pending_swaps"] == math.log1p(2)
    # The next decision sees the tip and the mempool as they are then.
    tip["wei"] = 5 * 10**9
    activity.saw([pools[0], pools[1]], seen_ns=NOW_NS)
    again = dict(zip(FEATURES, (await scorer.process(d)).features, strict=True))
    assert again["log_tip_gwei"] == math.log1p(5.0)
    assert again["log_pending_route_swaps"] == math.log1p(2)
    assert again["log_pending_swaps"] == math.log1p(3)


async def test_without_a_tip_or_a_mempool_those_features_are_zero() -> None:
    (scored,) = _scorer(None).score([decision(opportunity())])
    got = dict(zip(FEATURES, scored.features, strict=True))
    assert got["log_tip_gwei"] == got["log_pending_route_swaps"] == got["log_pending_swaps"] == 0
