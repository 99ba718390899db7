"""`omniarb trainer [--once] [--every-s S] [--metrics-port N]`: the profit predictor trained from
the cluster's shared history (`omniarb.cluster.trainer_role`); `--once` for a CronJob."""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from omniarb.cli import Subparsers
from omniarb.cli._output import stdout_console
from omniarb.cli._role import (
    RoleLinks,
    RoleMetrics,
    add_metrics_port,
    require_cluster,
    role_links,
    serving_metrics,
)
from omniarb.cli.train_cmd import read_training_rows
from omniarb.cluster.presence import Presence, RoleIdentity, announced
from omniarb.cluster.trainer_role import TRAINING, TrainerMetrics, TrainingRound, run_trainer
from omniarb.config import Settings
from omniarb.devnet.supervise import StopSignals
from omniarb.errors import OmniarbError

__all__ = ["register"]

log = logging.getLogger(__name__)


class NoModelError(OmniarbError):
    """`--once` saved no model (too few trades): the CronJob's run failed, exit 1."""


def _every_s(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 1 <= value <= 7 * 86_400:
        raise argparse.ArgumentTypeError(f"must be from 1 to 604800 seconds, got {value:g}")
    return value


def register(subparsers: Subparsers) -> None:
    """Add the `trainer` verb."""
    parser = subparsers.add_parser(
        "trainer",
        help="train the profit predictor from the cluster's shared history (periodically)",
        description="Train the profit predictor as `omniarb train` does, from the shared "
        "PostgreSQL history (OMNIARB_DB_URL), saving to the model store the workers load from: "
        "at once, then every --every-s seconds and whenever an entry arrives on the bus stream "
        "`training`. --once trains once and exits (1 if no model was saved), for a CronJob. "
        "Needs [redis] enabled.",
    )
    parser.add_argument("--once", action="store_true", help="one round, then exit")
    parser.add_argument(
        "--every-s",
        type=_every_s,
        default=3600.0,
        metavar="S",
        help="seconds between rounds (default 3600)",
    )
    parser.add_argument(
        "--store", metavar="URL", help="model store (default: [score] store_url, else local)"
    )
    parser.add_argument(
        "--epochs", type=int, default=400, metavar="N", help="training passes (default 400)"
    )
    add_metrics_port(parser)
    parser.set_defaults(func=run)


def _round(args: argparse.Namespace, settings: Settings, db_url: str) -> TrainingRound:
    """What `omniarb train` does, once; too few trades is a round without a model."""
    # torch loads only for this verb.
    from omniarb.score.active import open_store
    from omniarb.score.train import NotEnoughDataError, TrainSettings, fit

    started = time.monotonic()
    rows = read_training_rows(db_url)
    train_settings = TrainSettings(
        epochs=args.epochs, baseline_threshold_usd=settings.bot.min_net_profit_usd
    )
    try:
        result = fit(rows, train_settings, now=datetime.now(UTC))
    except NotEnoughDataError as exc:
        return TrainingRound(
            model_id=None, rows=len(rows), reason=str(exc), took_s=time.monotonic() - started
        )
    open_store(settings.score, args.store).save(result.net, result.meta)
    return TrainingRound(model_id=result.meta.id, rows=len(rows), took_s=time.monotonic() - started)


def run(args: argparse.Namespace, settings: Settings) -> int:
    db_url = require_cluster(settings, "trainer")
    rounds: list[TrainingRound] = []
    asyncio.run(_serve(args, settings, db_url, rounds))
    if args.once:
        (done,) = rounds
        if done.model_id is None:
            raise NoModelError(f"no model saved: {done.reason}")
        stdout_console().print(
            f"model {done.model_id} saved ({done.rows} trades, {done.took_s:.1f} s)",
            highlight=False,
        )
    return 0


async def _serve(
    args: argparse.Namespace, settings: Settings, db_url: str, rounds: list[TrainingRound]
) -> None:
    identity = RoleIdentity.of("trainer")
    metrics = TrainerMetrics()

    def train() -> TrainingRound:
        result = _round(args, settings, db_url)
        rounds.append(result)
        return result

    with StopSignals() as signals:
        async with role_links(settings, identity) as links:
            source = RoleMetrics(metrics.render, RoleMetrics.of(links.bus_metrics.registry))
            async with serving_metrics(source, args.metrics_port):
                await _rounds(args, links, identity, metrics, train, signals.stopped)


async def _rounds(
    args: argparse.Namespace,
    links: RoleLinks,
    identity: RoleIdentity,
    metrics: TrainerMetrics,
    train: Callable[[], TrainingRound],
    stop: asyncio.Event,
) -> None:
    presence = Presence(identity)
    presence.state = "active"
    async with announced(links.registry, presence):
        if args.once:
            metrics.observe(await asyncio.to_thread(train))
            return
        requests = links.bus.consumer(TRAINING, group="trainer", consumer=identity.id)
        await run_trainer(
            train, stop=stop, every_s=args.every_s, metrics=metrics, requests=requests
        )
