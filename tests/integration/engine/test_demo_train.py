"""`omniarb demo` trains the profit predictor in a child process once the history holds `[score]
demo_train_after_trades` settled trades; the running bot loads the model and scores with it; a
stop while the child trains kills it: nothing outlives the demo."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sqlite3
import sys
from pathlib import Path

import pytest
from _cli_helpers import env_for, private_home, write_config
from _waits import eventually

from omniarb.score.features import FEATURE_VERSION
from omniarb.score.store import ModelStore

pytestmark = pytest.mark.xdist_group("devnet-cli")

_BLOCK_TIMES_S = {"bnb": 0.4, "arbitrum": 0.4, "optimism": 0.4}
_LOADED = re.compile(r"score model (\S+) loaded")


def _config(tmp_path: Path) -> Path:
    config = write_config(tmp_path / "fast.toml", block_times_s=_BLOCK_TIMES_S)
    with config.open("a") as out:
        out.write("[score]\ndemo_train_after_trades = 10\nreload_s = 1\n")
    return config


def _trainers(config: Path) -> list[int]:
    """Live `omniarb --config CONFIG ... train` processes (this test's config path is unique)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        words = [a.decode(errors="replace") for a in argv]
        if state != "Z" and "train" in words and str(config) in words:
            found.append(int(entry.name))
    return found


async def _start_demo(home: Path, config: Path, tmp_path: Path) -> asyncio.subprocess.Process:
    with (tmp_path / "demo.out").open("wb") as out, (tmp_path / "demo.err").open("wb") as err:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "omniarb",
            "--config",
            str(config),
            "demo",
            "--blocks",
            "100000",
            env=env_for(home),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )


async def _stop(demo: asyncio.subprocess.Process, tmp_path: Path, *, ctrl_c: bool = False) -> None:
    """SIGTERM to the demo alone, or a terminal's Ctrl-C: SIGINT to its whole process group."""
    if ctrl_c:
        os.killpg(demo.pid, signal.SIGINT)
    else:
        demo.send_signal(signal.SIGTERM)
    async with asyncio.timeout(90):
        await demo.wait()
    errors = (tmp_path / "demo.err").read_text()
    assert demo.returncode == 0, errors[-3000:]
    assert "Traceback" not in errors, errors[-3000:]


def _model_scored(home: Path) -> int:
    with sqlite3.connect(f"file:{home / 'history.sqlite'}?mode=ro", uri=True) as db:
        return int(db.execute("SELECT count(*) FROM decisions WHERE p_success < 1").fetchone()[0])


async def test_the_demo_trains_a_model_the_bot_then_scores_with(
    tmp_path: Path, omniarb_home: Path
) -> None:
    home = private_home(tmp_path, omniarb_home)
    config = _config(tmp_path)
    demo = await _start_demo(home, config, tmp_path)
    err_path = tmp_path / "demo.err"
    try:
        trainers: set[int] = set()

        async def loaded() -> str | None:
            trainers.update(_trainers(config))
            match = _LOADED.search(err_path.read_text())
            assert demo.returncode is None, err_path.read_text()[-3000:]
            return match.group(1) if match else None

        model_id = await eventually(
            loaded, what="the bot loading a trained model", timeout_s=90, interval_s=0.05
        )

        async def scored() -> int:
            return await asyncio.to_thread(_model_scored, home)

        await eventually(scored, what="a decision scored by the model", timeout_s=30)
    finally:
        if demo.returncode is None:
            await _stop(demo, tmp_path)
    # The model came from the demo's own training child, into the home's model store.
    assert trainers, "no training child was seen"
    assert not _trainers(config)
    stored = ModelStore(str(home / "models")).newest(FEATURE_VERSION)
    assert stored is not None
    assert stored.id == model_id
    out = (tmp_path / "demo.out").read_text()
    assert f"profit predictor: model {model_id} trained on " in out, out[-2000:]
    assert re.search(r"held-out EV -?\d+\.\d{4} USD vs baseline -?\d+\.\d{4} USD", out)
    used = re.search(r"profit predictor: the bot scored (\d+) decisions with it", out)
    assert used, out[-2000:]
    assert int(used.group(1)) >= 1, out[-2000:]


@pytest.mark.parametrize("ctrl_c", [False, True], ids=["sigterm", "ctrl-c"])
async def test_a_stop_while_training_kills_the_training_child(
    tmp_path: Path, omniarb_home: Path, ctrl_c: bool
) -> None:
    home = private_home(tmp_path, omniarb_home)
    config = _config(tmp_path)
    demo = await _start_demo(home, config, tmp_path)
    try:

        async def training() -> list[int]:
            assert demo.returncode is None, (tmp_path / "demo.err").read_text()[-3000:]
            return _trainers(config)

        children = await eventually(
            training, what="the training child", timeout_s=90, interval_s=0.02
        )
    finally:
        if demo.returncode is None:
            await _stop(demo, tmp_path, ctrl_c=ctrl_c)
    assert children
    assert not _trainers(config), "the training child outlived the demo"
    out = (tmp_path / "demo.out").read_text()
    assert "profit predictor: no model trained (the demo trains at 10 settled trades)" in out
    # Stopped, not failed: no warning about a failed training.
    assert "training failed" not in (tmp_path / "demo.err").read_text()
