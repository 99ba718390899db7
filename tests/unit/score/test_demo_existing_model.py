"""The demo trains only when the model store has no valid model: a valid one is used as it is,
a too old one (or none) leaves the demo to train."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from _nets import meta, random_net

from omniarb.cli.demo_train import DemoTrainer
from omniarb.config import ScoreSettings
from omniarb.score.store import ModelStore


def _trainer(store_url: str, **score: object) -> DemoTrainer:
    settings = ScoreSettings.model_validate({"store_url": store_url, **score})
    # The history is never read here: a valid model ends `run` before the first count.
    return DemoTrainer(settings, "sqlite:////nonexistent/history.sqlite", None)


async def test_a_valid_model_in_the_store_is_used_not_retrained(tmp_path: Path) -> None:
    store_url = str(tmp_path / "models")
    ModelStore(store_url).save(random_net(), meta(id="m-fresh", created_at=datetime.now(UTC)))
    trainer = _trainer(store_url)
    await trainer.run()
    assert trainer.existing == "m-fresh"
    assert trainer.trained == []
    assert trainer.summary() == "profit predictor: model m-fresh from the store (not retrained)"


def test_a_too_old_or_missing_model_is_no_valid_model(tmp_path: Path) -> None:
    store_url = str(tmp_path / "models")
    assert _trainer(store_url)._valid_model() is None
    old = datetime.now(UTC) - timedelta(days=8)
    ModelStore(store_url).save(random_net(), meta(id="m-old", created_at=old))
    assert _trainer(store_url)._valid_model() is None
    # Without an age limit the same model is valid.
    assert _trainer(store_url, max_model_age_s=0)._valid_model() == "m-old"


async def test_disabled_or_zero_threshold_never_trains(tmp_path: Path) -> None:
    store_url = str(tmp_path / "models")
    for score, said in (
        ({"enabled": False}, "off ([score] enabled = false)"),
        ({"demo_train_after_trades": 0}, "demo training off"),
    ):
        trainer = _trainer(store_url, **score)
        await trainer.run()  # returns at once: nothing to poll
        assert (trainer.existing, trainer.trained) == (None, [])
        assert said in trainer.summary()
        assert "the baseline decided" in trainer.summary()
