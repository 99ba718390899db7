"""`omniarb train` on a history with real failures: the bot raced a rival for planted gaps on a
devnet chain (`_rival_history`), losing the large ones and paying their gas. Training builds
the dataset from that history, holds out the latest trades, and prints the EV the model's rule
and the baseline's would have captured on them. The printed figures are recomputed here from
the database and the saved model, and the model's is at least the baseline's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch
from _rival_history import race_history

from omniarb.cli.main import main
from omniarb.cli.train_cmd import read_training_rows
from omniarb.config import Settings
from omniarb.score.features import FEATURES
from omniarb.score.metrics import ev_captured, expected_value
from omniarb.score.store import ModelStore

pytestmark = pytest.mark.integration

_CAPTURED = re.compile(
    r"held-out EV captured: model (-?[\d.]+) USD \((\d+) trades\) vs baseline (-?[\d.]+) USD "
    r"\((\d+) trades\)"
)
# The bot's own floor ([bot] min_net_profit_usd): the baseline sends what clears it.
_THRESHOLD_USD = Settings().bot.min_net_profit_usd


async def test_trained_model_captures_at_least_the_baselines_ev_on_held_out_trades(
    devnet_factory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "history.sqlite"
    store_url = str(tmp_path / "models")
    bot_settings = Settings.model_validate({"score": {"store_url": store_url}})
    async with devnet_factory({"ethereum": 0.5}) as net:
        race = await race_history(net, db, gaps=44, rival_floor_usd=100.0, settings=bot_settings)
    # Real failures and real wins: the rival took the large gaps first.
    assert race.rival_sent >= 5
    assert race.reverted >= 5
    assert race.succeeded >= 5

    url = f"sqlite:///{db}"
    assert main(["train", "--from", url, "--store", store_url]) == 0
    printed = capsys.readouterr().out
    print(printed)
    found = _CAPTURED.search(printed)
    assert found is not None, printed
    model_usd, model_taken = float(found[1]), int(found[2])
    baseline_usd, baseline_taken = float(found[3]), int(found[4])

    # The printed figures are the held-out trades' real outcomes under each rule.
    rows = read_training_rows(url)
    (meta,) = ModelStore(store_url).list()
    net_, meta = ModelStore(store_url).load(meta.id)
    assert meta.features == FEATURES
    test = rows[meta.n_train :]
    assert len(test) == meta.n_test >= 10
    assert any(not r.success for r in test)
    assert any(r.success for r in test)
    with torch.inference_mode():
        p, share = net_(torch.tensor([r.features for r in test], dtype=torch.float32))
    model_ev = [
        expected_value(pi, si * r.predicted_net_usd, r.gas_cost_usd, 0.0)
        for pi, si, r in zip(p.tolist(), share.tolist(), test, strict=True)
    ]
    again = ev_captured(
        [r.realized_net_usd for r in test],
        model_ev,
        [r.predicted_net_usd for r in test],
        _THRESHOLD_USD,
    )
    assert (model_taken, baseline_taken) == (again.model_taken, again.baseline_taken)
    assert model_usd == pytest.approx(again.model_usd, abs=1e-4)
    assert baseline_usd == pytest.approx(again.baseline_usd, abs=1e-4)
    assert meta.metrics["ev_model_usd"] == pytest.approx(model_usd, abs=1e-4)

    assert model_usd >= baseline_usd
