"""The demo's training: once the history holds `[score] demo_train_after_trades` settled trades
and the model store has no valid model, `omniarb train --json` runs in a child process (training
is CPU-heavy: the bot's loop and threads never wait on it), then again every
`demo_retrain_every_trades` more when set. The running bot picks the model up within `[score]
reload_s`. A failed training is a warning: the demo goes on with the baseline."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from omniarb._config_score import ScoreSettings
from omniarb.errors import OmniarbError
from omniarb.score.active import open_store
from omniarb.score.features import FEATURE_VERSION
from omniarb.score.scorer import invalid_reason
from omniarb.store import HistoryDatabase
from omniarb.store.engine import parse_db_url, sqlite_path
from omniarb.store.schema import current_revision, head_revision

__all__ = ["Attempt", "DemoTrainer", "TrainPlan", "TrainedModel", "parse_train_json"]

log = logging.getLogger(__name__)

# How often the settled trades are counted: one SQL count, cheap, off the loop.
_POLL_S = 3.0
# The training child's niceness, set right after it starts (its imports take longer).
_NICE = 10


@dataclass(frozen=True, slots=True)
class Attempt:
    """One training run: at how many settled trades it started and whether it saved a model."""

    at_trades: int
    ok: bool


@dataclass(frozen=True, slots=True)
class TrainPlan:
    """When the demo trains: first at `after_trades` settled trades (0: never), then every
    `every_trades` more (0: once). A failed attempt is retried only after as many more trades
    as a retraining would wait (else `after_trades`), so a failing training never loops."""

    after_trades: int
    every_trades: int

    @classmethod
    def from_settings(cls, settings: ScoreSettings) -> TrainPlan:
        return cls(settings.demo_train_after_trades, settings.demo_retrain_every_trades)

    def due(self, settled_trades: int, last: Attempt | None) -> bool:
        """Whether to train now, with `settled_trades` in the history after `last`."""
        if self.after_trades == 0:
            return False
        if last is None:
            return settled_trades >= self.after_trades
        if last.ok and self.every_trades == 0:
            return False
        wait_trades = self.every_trades or self.after_trades
        return settled_trades >= last.at_trades + wait_trades


@dataclass(frozen=True, slots=True)
class TrainedModel:
    """A model the demo trained: its id and how it did on the held-out trades."""

    model_id: str
    train_trades: int
    held_out_trades: int
    model_ev_usd: float
    baseline_ev_usd: float
    saved_at: datetime

    def line(self) -> str:
        return (
            f"model {self.model_id} trained on {self.train_trades} trades; held-out EV "
            f"{self.model_ev_usd:.4f} USD vs baseline {self.baseline_ev_usd:.4f} USD "
            f"({self.held_out_trades} trades)"
        )


def parse_train_json(text: str, saved_at: datetime) -> TrainedModel:
    """The model `omniarb train --json` printed; ValueError if the output is not that."""
    try:
        data = json.loads(text)
        model, held_out = data["model"], data["held_out"]
        return TrainedModel(
            model_id=str(model["id"]),
            train_trades=int(model["n_train"]),
            held_out_trades=int(held_out["trades"]),
            model_ev_usd=float(held_out["model_ev_usd"]),
            baseline_ev_usd=float(held_out["baseline_ev_usd"]),
            saved_at=saved_at,
        )
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"unexpected output of `omniarb train --json`: {exc}") from None


def _settled_trades(url: str) -> int:
    """The history's settled trades of this feature version; 0 while the bot has not created
    the database yet (it migrates it; this never does, nor creates a file)."""
    path = sqlite_path(parse_db_url(url))
    if path is not None and not path.exists():
        return 0
    database = HistoryDatabase.open(url, migrate=False)
    try:
        if current_revision(database.engine) != head_revision():
            return 0
        return database.training_row_count(feature_version=FEATURE_VERSION)
    finally:
        database.dispose()


def _model_scored(url: str, since: datetime) -> int:
    database = HistoryDatabase.open(url, migrate=False)
    try:
        return database.model_scored_count(since=since)
    finally:
        database.dispose()


class DemoTrainer:
    """`await trainer.run()` until cancelled; `trainer.summary()` afterwards.

    `config` is the demo's `--config` file, passed on to the child so it trains with the same
    settings (store, baseline threshold); the child inherits the environment (home, history)."""

    def __init__(
        self,
        settings: ScoreSettings,
        db_url: str,
        config: Path | None,
        *,
        poll_s: float = _POLL_S,
    ) -> None:
        self._settings = settings
        self._plan = TrainPlan.from_settings(settings)
        self._db_url = db_url
        self._config = config
        self._poll_s = poll_s
        self.trained: list[TrainedModel] = []
        self.failures = 0
        self.existing: str | None = None

    async def run(self) -> None:
        """Poll, train when due; every error is logged, never raised (the demo goes on)."""
        if not self._settings.enabled:
            return
        self.existing = await asyncio.to_thread(self._valid_model)
        if self.existing is not None:
            log.info("model %s in the store is valid: the demo does not train", self.existing)
            return
        if self._plan.after_trades == 0:
            return
        last: Attempt | None = None
        while True:
            try:
                settled = await asyncio.to_thread(_settled_trades, self._db_url)
            except OmniarbError as exc:
                log.warning("cannot count the settled trades for training: %s", exc)
                settled = 0
            if self._plan.due(settled, last):
                try:
                    ok = await self._train(settled)
                except OSError as exc:
                    log.warning("cannot start the training: %s; the baseline decides", exc)
                    self.failures += 1
                    ok = False
                last = Attempt(settled, ok=ok)
            await asyncio.sleep(self._poll_s)

    def _valid_model(self) -> str | None:
        try:
            meta = open_store(self._settings).newest(FEATURE_VERSION)
        except OmniarbError as exc:
            log.warning("model store unusable: %s", exc)
            return None
        if meta is None or invalid_reason(meta, self._settings.max_model_age_s, datetime.now(UTC)):
            return None
        return meta.id

    async def _train(self, settled: int) -> bool:
        log.info("training the profit predictor on %d settled trades (child process)", settled)
        prefix = [] if self._config is None else ["--config", str(self._config)]
        # One intra-op thread and a lower priority: the machine's cores belong to the bot first.
        env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "omniarb",
            *prefix,
            "--log-level",
            "WARNING",
            "train",
            "--json",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            # Its own session: a terminal's Ctrl-C stops the demo, which kills the child below,
            # rather than failing the training with a KeyboardInterrupt of its own.
            start_new_session=True,
        )
        try:
            with contextlib.suppress(ProcessLookupError):
                os.setpriority(os.PRIO_PROCESS, child.pid, _NICE)
            out, err = await child.communicate()
        finally:
            if child.returncode is None:  # cancelled: the demo stops, the child with it
                child.kill()
                await child.wait()
        if child.returncode != 0:
            tail = err.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
            log.warning(
                "training failed (exit %s): %s; the demo goes on with the baseline",
                child.returncode,
                tail[0],
            )
            self.failures += 1
            return False
        try:
            model = parse_train_json(out.decode(errors="replace"), datetime.now(UTC))
        except ValueError as exc:
            log.warning("%s; the demo goes on with the baseline", exc)
            self.failures += 1
            return False
        self.trained.append(model)
        log.info("%s; the bot loads it within %g s", model.line(), self._settings.reload_s)
        return True

    def summary(self) -> str:
        """What the demo trained and whether the bot scored with it (blocking: one query)."""
        if not self._settings.enabled:
            return "profit predictor: off ([score] enabled = false): the baseline decided"
        if self.existing is not None:
            return f"profit predictor: model {self.existing} from the store (not retrained)"
        if self._plan.after_trades == 0:
            return (
                "profit predictor: no valid model, demo training off ([score] "
                "demo_train_after_trades = 0): the baseline decided"
            )
        if not self.trained:
            why = f" ({self.failures} failed)" if self.failures else ""
            return (
                f"profit predictor: no model trained{why} (the demo trains at "
                f"{self._plan.after_trades} settled trades): the baseline decided"
            )
        first = self.trained[0]
        try:
            scored = _model_scored(self._db_url, first.saved_at)
        except OmniarbError as exc:
            log.warning("cannot count the model's decisions: %s", exc)
            scored = 0
        used = f"the bot scored {scored} decisions with it" if scored else "not used yet"
        lines = [f"profit predictor: {m.line()}" for m in self.trained]
        return "\n".join([*lines, f"profit predictor: {used}"])
