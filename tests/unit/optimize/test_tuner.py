"""The online tuner and its bandit: reproducible with a seed, converging on the better arm,
within bounds, one change at a time, and reverting a change that did worse."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from omniarb.optimize import ArmBoard, ArmStats, LiveParams, ParamChange, Params, Sample, Tuner
from omniarb.optimize.bandit import SEEN_PER_SAMPLE

# A race against a rival that bribes 4,000 bps: any share above it wins the whole profit
# ($10 before the bribe), any share at or below it loses (0).
RIVAL_BPS = 4_000
PROFIT_USD = 10.0
SHARES = (1_000, 2_000, 3_000, 5_000, 7_000, 9_000)


def race_reward(share_bps: int, rng: random.Random) -> float:
    if share_bps <= RIVAL_BPS:
        return 0.0
    return PROFIT_USD * (1 - share_bps / 10_000) + rng.gauss(0.0, 0.3)


def tuner_at(
    share_bps: int, *, seed: int = 7, min_samples: int = 4, arms: tuple[int, ...] = SHARES
) -> Tuner:
    live = LiveParams("ethereum", Params(bribe_share_bps=share_bps))
    return Tuner(
        live=live,
        arms={"bribe_share_bps": arms},
        min_samples=min_samples,
        seed=seed,
        clock=lambda: datetime(2026, 12, 6, tzinfo=UTC),
    )


def run(tuner: Tuner, trades: int, reward: Callable[[int], float]) -> list[ParamChange]:
    """Feed `trades` rewards, each decided under the tuner's current parameters."""
    changes: list[ParamChange] = []
    for _ in range(trades):
        params = tuner.live.current
        changes += tuner.observe_sample(
            Sample(params=params, reward_usd=reward(params.bribe_share_bps))
        )
    return changes


def test_arm_stats_mean_and_spread() -> None:
    stats = ArmStats().add(1.0).add(3.0)
    assert stats.n == 2
    assert stats.mean_usd == 2.0
    assert stats.std_usd == pytest.approx(2**0.5)


def test_exploration_walks_out_from_the_current_value() -> None:
    board = ArmBoard({"bribe_share_bps": (1_000, 2_000, 3_000)}, explore_samples=1, seed=1)
    assert board.choose("bribe_share_bps", 1_000).value == 2_000
    # Equally near on both sides: the higher first.
    assert board.choose("bribe_share_bps", 2_000).value == 3_000


def test_it_converges_on_the_share_that_wins_the_race_and_keeps_most() -> None:
    rng = random.Random(3)
    tuner = tuner_at(1_000)
    run(tuner, 400, lambda share: race_reward(share, rng))
    assert tuner.live.current.bribe_share_bps == 5_000
    best = tuner.board.stats("bribe_share_bps", 5_000)
    assert best.mean_usd == pytest.approx(5.0, abs=0.3)


def test_a_seed_makes_a_run_reproducible() -> None:
    def history(seed: int) -> list[tuple[object, object, bool]]:
        rng = random.Random(11)
        tuner = tuner_at(1_000, seed=seed)
        run(tuner, 200, lambda share: race_reward(share, rng))
        return [(c.old_value, c.new_value, c.reverted) for c in tuner.history]

    assert history(5) == history(5)
    assert len(history(5)) > 3


def test_every_change_stays_within_the_bounds_and_only_one_is_under_test() -> None:
    rng = random.Random(5)
    tuner = tuner_at(3_000)
    open_changes: set[str] = set()
    for _ in range(300):
        params = tuner.live.current
        for change in tuner.observe_sample(
            Sample(params=params, reward_usd=race_reward(params.bribe_share_bps, rng))
        ):
            assert change.new_value in SHARES
            assert change.old_value in SHARES
            if change.measured:
                open_changes.discard(change.id)
            else:
                open_changes.add(change.id)
            assert len(open_changes) <= 1
        assert tuner.live.current.bribe_share_bps in SHARES


def test_a_worse_change_is_reverted_with_its_measured_effect() -> None:
    tuner = tuner_at(1_000, arms=(1_000, 2_000), min_samples=3)
    rewards = {1_000: 1.0, 2_000: 0.25}
    made = run(tuner, 3, rewards.__getitem__)
    assert [(c.param, c.old_value, c.new_value, c.measured) for c in made] == [
        ("bribe_share_bps", 1_000, 2_000, False)
    ]
    assert made[0].baseline_reward_usd == 1.0
    assert made[0].reason.startswith("explore: bribe_share_bps=2000")
    assert tuner.live.current.bribe_share_bps == 2_000

    measured = run(tuner, 3, rewards.__getitem__)[0]
    assert measured.id == made[0].id
    assert measured.reverted
    assert measured.effect_reward_usd == pytest.approx(-0.75)
    assert measured.effect_samples == 3
    assert measured.evaluated_at is not None
    # Reverted before anything else was tried: the next change, if any, starts from 1,000.
    rest = [c for c in tuner.history if c.id != made[0].id]
    assert all(c.old_value == 1_000 for c in rest)
    if not rest:
        assert tuner.live.current.bribe_share_bps == 1_000


def test_a_better_change_is_kept() -> None:
    tuner = tuner_at(1_000, arms=(1_000, 2_000), min_samples=2)
    rewards = {1_000: 0.0, 2_000: 3.0}
    run(tuner, 2, rewards.__getitem__)
    measured = run(tuner, 2, rewards.__getitem__)[0]
    assert not measured.reverted
    assert measured.effect_reward_usd == 3.0
    assert tuner.live.current.bribe_share_bps == 2_000


def test_trades_decided_before_a_change_do_not_count_toward_its_measurement() -> None:
    tuner = tuner_at(1_000, arms=(1_000, 2_000), min_samples=2)
    before = tuner.live.current
    run(tuner, 2, lambda _: 1.0)
    assert tuner.pending is not None
    # Late outcomes of trades sent at 1,000: credited to that arm, not to the change's window.
    for _ in range(5):
        assert tuner.observe_sample(Sample(params=before, reward_usd=1.0)) == []
    assert tuner.pending is not None
    assert tuner.board.stats("bribe_share_bps", 1_000).n == 7


def test_one_parameter_changes_at_a_time_in_turn() -> None:
    live = LiveParams("base", Params(bribe_share_bps=1_000, max_hops=3))
    tuner = Tuner(
        live=live,
        arms={"bribe_share_bps": (1_000, 2_000), "max_hops": (2, 3)},
        min_samples=1,
        seed=2,
    )
    params = [live.current]
    for _ in range(6):
        tuner.observe_sample(Sample(params=live.current, reward_usd=1.0))
        params.append(live.current)
    for a, b in itertools.pairwise(params):
        differing = [
            name
            for name in ("bribe_share_bps", "min_net_profit_usd", "tip_wei", "max_hops")
            if a.value(name) != b.value(name)  # type: ignore[arg-type]
        ]
        assert len(differing) <= 1
    assert {c.param for c in tuner.history} == {"bribe_share_bps", "max_hops"}


def test_a_start_outside_the_bounds_is_refused() -> None:
    with pytest.raises(ValueError, match=r"outside its bounds 1000\.\.9000"):
        tuner_at(500)


def floor_tuner() -> Tuner:
    live = LiveParams("polygon", Params(min_net_profit_usd=1.0))
    return Tuner(live=live, arms={"min_net_profit_usd": (0.5, 1.0)}, min_samples=2, seed=1)


def test_a_lower_floor_that_trades_more_small_winners_is_kept() -> None:
    """Scored per opportunity judged, not per trade: at $1 the floor takes 2 of 10
    opportunities ($5 from each: $1 per opportunity); at $0.5 it takes 2 of 4 ($2.5 each:
    $1.25 per opportunity) though each trade earns half as much."""
    tuner = floor_tuner()
    for _ in range(8):
        assert tuner.on_seen() == []
    for _ in range(2):
        tuner.on_seen()
    made = run(tuner, 2, lambda _: 5.0)[0]
    assert (made.old_value, made.new_value, made.baseline_reward_usd) == (1.0, 0.5, 1.0)
    for _ in range(4):
        tuner.on_seen()
    run(tuner, 1, lambda _: 2.5)
    measured = run(tuner, 1, lambda _: 2.5)[0]
    assert measured.id == made.id
    assert not measured.reverted
    assert measured.effect_reward_usd == pytest.approx(0.25)
    assert tuner.live.current.min_net_profit_usd == 0.5


def test_a_value_that_never_trades_is_measured_after_enough_opportunities() -> None:
    tuner = floor_tuner()
    made = run(tuner, 2, lambda _: 1.0)[0]
    assert made.new_value == 0.5
    # Nothing trades at 0.5 (say the market went quiet): 2 × 100 judged opportunities close it.
    results = [tuner.on_seen() for _ in range(2 * SEEN_PER_SAMPLE)]
    assert all(r == [] for r in results[:-1])
    measured = results[-1][0]
    assert measured.id == made.id
    assert measured.reverted
    assert measured.effect_reward_usd == pytest.approx(-1.0)
    assert measured.effect_samples == 0
    assert tuner.board.explored("min_net_profit_usd", 0.5)
