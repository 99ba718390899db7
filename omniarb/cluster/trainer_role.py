"""`omniarb trainer`: the profit predictor trained from the shared history, on a period and on
request, away from the workers' CPUs.

A round is what `omniarb train` does (the history's settled trades → `score.train.fit` → the
model store); the workers load a newer model within `[score] reload_s`. Rounds run every
`every_s` and whenever an entry arrives on the bus stream `training` (any process may ask: e.g.
after a parameter change). Too few trades is not a failure of the trainer: the round says so and
the next one tries again.

    await run_trainer(train_round, stop=stop, every_s=3600, requests=consumer, metrics=metrics)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge
from prometheus_client.exposition import generate_latest

from omniarb.bus.streams import StreamConsumer, StreamEntry

__all__ = ["TRAINING", "TrainerMetrics", "TrainingRound", "run_trainer"]

log = logging.getLogger(__name__)

# The bus stream whose entries ask for a training round now.
TRAINING = "training"
_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass(frozen=True, slots=True, kw_only=True)
class TrainingRound:
    """One round: the model it saved (None: none), on how many trades, or why it did not."""

    model_id: str | None
    rows: int
    reason: str | None = None
    took_s: float = 0.0


class TrainerMetrics:
    """The trainer's Prometheus series, on a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.rounds = Counter(
            "omniarb_trainer_rounds",
            "Training rounds, by result (saved, skipped: too few trades, failed)",
            ["result"],
            registry=self.registry,
        )
        self.rows = Gauge(
            "omniarb_trainer_rows", "Settled trades the last round saw", registry=self.registry
        )
        self.last_saved = Gauge(
            "omniarb_trainer_last_saved_timestamp_seconds",
            "Unix time the last model was saved",
            registry=self.registry,
        )
        self.duration = Gauge(
            "omniarb_trainer_round_seconds", "How long the last round took", registry=self.registry
        )

    def observe(self, result: TrainingRound) -> None:
        self.rows.set(result.rows)
        self.duration.set(result.took_s)
        if result.model_id is not None:
            self.rounds.labels("saved").inc()
            self.last_saved.set(time.time())
        else:
            self.rounds.labels("skipped").inc()

    @property
    def content_type(self) -> str:
        return _CONTENT_TYPE

    def render(self) -> bytes:
        return generate_latest(self.registry)


async def _one_round(
    train: Callable[[], TrainingRound], metrics: TrainerMetrics
) -> TrainingRound | None:
    """A round in a thread (torch holds the CPU, not the loop); a failure is logged, counted."""
    try:
        result = await asyncio.to_thread(train)
    except Exception:
        log.exception("training round failed")
        metrics.rounds.labels("failed").inc()
        return None
    metrics.observe(result)
    if result.model_id is not None:
        log.info(
            "model %s trained on %d trades in %.1f s", result.model_id, result.rows, result.took_s
        )
    else:
        log.info("no model this round: %s", result.reason)
    return result


async def run_trainer(
    train: Callable[[], TrainingRound],
    *,
    stop: asyncio.Event,
    every_s: float,
    metrics: TrainerMetrics,
    requests: StreamConsumer | None = None,
) -> int:
    """Train at once, then every `every_s` and on each request, until `stop`; the rounds run."""
    wanted = asyncio.Event()

    async def asked(entry: StreamEntry) -> None:
        log.info("training requested by %s", entry.producer)
        wanted.set()

    rounds = 0
    async with asyncio.TaskGroup() as tasks:
        listening = (
            tasks.create_task(requests.run(asked, stop=stop)) if requests is not None else None
        )
        while not stop.is_set():
            wanted.clear()
            await _one_round(train, metrics)
            rounds += 1
            waits = [asyncio.ensure_future(e.wait()) for e in (stop, wanted)]
            try:
                await asyncio.wait(waits, timeout=every_s, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiting in waits:
                    waiting.cancel()
        if listening is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await listening
    return rounds
