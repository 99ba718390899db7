"""The demo's training plan (when it trains), its settings and how it reads `omniarb train
--json`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from omniarb.cli.demo_cmd import DEMO_RELOAD_S, demo_settings
from omniarb.cli.demo_train import Attempt, TrainPlan, parse_train_json
from omniarb.config import Settings, load_settings
from omniarb.errors import ConfigError


def _load(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "omniarb.toml"
    path.write_text(text)
    return load_settings(path)


def test_first_training_waits_for_the_threshold() -> None:
    plan = TrainPlan(after_trades=150, every_trades=0)
    assert not plan.due(0, None)
    assert not plan.due(149, None)
    assert plan.due(150, None)
    assert plan.due(400, None)


def test_without_retraining_a_trained_model_is_the_last() -> None:
    plan = TrainPlan(after_trades=150, every_trades=0)
    assert not plan.due(10_000, Attempt(at_trades=150, ok=True))


def test_retraining_every_n_more_trades() -> None:
    plan = TrainPlan(after_trades=150, every_trades=100)
    last = Attempt(at_trades=160, ok=True)
    assert not plan.due(259, last)
    assert plan.due(260, last)


def test_a_failed_training_is_retried_only_after_more_trades() -> None:
    once = TrainPlan(after_trades=150, every_trades=0)
    failed = Attempt(at_trades=150, ok=False)
    assert not once.due(151, failed)
    assert not once.due(299, failed)
    assert once.due(300, failed)
    every = TrainPlan(after_trades=150, every_trades=50)
    assert not every.due(199, failed)
    assert every.due(200, failed)


def test_zero_never_trains() -> None:
    assert not TrainPlan(after_trades=0, every_trades=10).due(1_000_000, None)


def test_the_settings_and_their_defaults(tmp_path: Path) -> None:
    score = Settings().score
    assert (score.demo_train_after_trades, score.demo_retrain_every_trades) == (150, 0)
    assert TrainPlan.from_settings(score) == TrainPlan(150, 0)
    loaded = _load(
        tmp_path, "[score]\ndemo_train_after_trades = 10\ndemo_retrain_every_trades = 25\n"
    ).score
    assert TrainPlan.from_settings(loaded) == TrainPlan(10, 25)
    assert (
        _load(tmp_path, "[score]\ndemo_train_after_trades = 0\n").score.demo_train_after_trades == 0
    )


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("demo_train_after_trades = 9", "0 or from 10 to 1000000, got 9"),
        ("demo_train_after_trades = -1", "demo_train_after_trades"),
        ('demo_train_after_trades = "many"', "demo_train_after_trades"),
        ("demo_retrain_every_trades = -5", "demo_retrain_every_trades"),
    ],
)
def test_a_bad_threshold_is_a_clear_error(tmp_path: Path, line: str, shown: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, f"[score]\n{line}\n")
    assert shown in str(caught.value)
    assert "score." in str(caught.value)


def test_the_demo_reloads_models_often_unless_configured(tmp_path: Path) -> None:
    assert demo_settings(Settings()).score.reload_s == DEMO_RELOAD_S
    configured = demo_settings(_load(tmp_path, "[score]\nreload_s = 30\n"))
    assert configured.score.reload_s == 30
    # The rest of `[score]` stays as configured.
    other = demo_settings(_load(tmp_path, "[score]\ndemo_train_after_trades = 20\n"))
    assert other.score.demo_train_after_trades == 20
    assert other.score.reload_s == DEMO_RELOAD_S


def test_the_train_verbs_json_is_read() -> None:
    now = datetime(2026, 12, 6, tzinfo=UTC)
    text = json.dumps(
        {
            "model": {"id": "m-1", "n_train": 105, "n_test": 45},
            "store": "/x",
            "held_out": {"trades": 45, "model_ev_usd": 1.5, "baseline_ev_usd": 1.25},
        }
    )
    model = parse_train_json(text, now)
    assert (model.model_id, model.train_trades, model.held_out_trades) == ("m-1", 105, 45)
    assert (model.model_ev_usd, model.baseline_ev_usd, model.saved_at) == (1.5, 1.25, now)
    assert "held-out EV 1.5000 USD vs baseline 1.2500 USD (45 trades)" in model.line()


@pytest.mark.parametrize("text", ["", "not json", "{}", '{"model": {"id": "m"}, "held_out": {}}'])
def test_other_output_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError, match="omniarb train --json"):
        parse_train_json(text, datetime(2026, 12, 6, tzinfo=UTC))
