"""`omniarb train` and `omniarb model list|show` from the command line: an empty history is a
clear error, an empty store an empty list, an unknown model exit code 2, and a saved model is
listed, marked current and shown with its features and metrics."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from omniarb.cli.main import main
from omniarb.score.features import FEATURE_VERSION, FEATURES
from omniarb.score.store import ModelStore

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "score"))
from _nets import meta, random_net


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OMNIARB_HOME", str(tmp_path))
    monkeypatch.delenv("OMNIARB_DB_URL", raising=False)
    return tmp_path


def test_train_without_history_is_a_clear_error(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train"]) == 1
    err = capsys.readouterr().err
    assert "0 settled trades" in err
    assert "at least 10" in err
    assert not (home / "models").exists()


def test_list_and_show_the_model_store(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["model", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["model", "show"]) == 2
    assert "no usable model" in capsys.readouterr().err

    ModelStore(str(home / "models")).save(
        random_net(seed=1), meta(id="m-cli", created_at=datetime.now(UTC))
    )
    assert main(["model", "list", "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["id"] == "m-cli"
    assert listed["current"] is True
    assert listed["features"] == list(FEATURES)
    assert main(["model", "list"]) == 0
    assert f"* m-cli  v{FEATURE_VERSION}" in capsys.readouterr().out

    assert main(["model", "show", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["id"], shown["usable"], shown["metrics"]) == (
        "m-cli",
        True,
        {"auc": 0.9, "brier": 0.1},
    )
    assert main(["model", "show", "m-missing"]) == 2
    assert "no model 'm-missing'" in capsys.readouterr().err
