"""`omniarb train [--from DB] [--store URL] [--test-fraction F] [--epochs N] [--json]`.

Builds the dataset from the history's settled trades (their decision-time features, whether
they landed, their realized net profit in USD), trains on the earlier part, and reports on the
later, held-out part: AUC, Brier score and calibration error of p(success), and the realized USD
the model's rule (EV > 0) would have captured against the baseline's (send what the simulation
says nets at least `[bot] min_net_profit_usd`). The model is saved to the model store with its
feature list, version and these metrics. `--json` prints the saved model's metadata and the
comparison as one object. Too few trades is an error (exit 1) naming how many there are.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from omniarb.cli import Subparsers
from omniarb.cli._output import add_json_flag, emit_json, stdout_console
from omniarb.config import Settings
from omniarb.score.active import open_store
from omniarb.score.features import FEATURE_VERSION
from omniarb.store import resolve_db_url
from omniarb.store.existing import existing_history
from omniarb.store.training import TrainingRow

__all__ = ["read_training_rows", "register"]


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {value}")
    return value


def _epochs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if not 1 <= value <= 100_000:
        raise argparse.ArgumentTypeError(f"must be from 1 to 100000, got {value}")
    return value


def register(subparsers: Subparsers) -> None:
    """Add `train`."""
    parser = subparsers.add_parser(
        "train", help="train the profit predictor on the history and save it to the model store"
    )
    add_json_flag(parser)
    parser.add_argument(
        "--from",
        "--db",
        dest="db",
        metavar="DB",
        help="database URL (default: $OMNIARB_DB_URL, else sqlite:///$OMNIARB_HOME/history.sqlite)",
    )
    parser.add_argument(
        "--store", metavar="URL", help="model store (default: [score] store_url, else local)"
    )
    parser.add_argument(
        "--test-fraction",
        type=_fraction,
        default=0.3,
        metavar="F",
        help="the latest share of trades held out (default 0.3)",
    )
    parser.add_argument(
        "--epochs", type=_epochs, default=400, metavar="N", help="training passes (default 400)"
    )
    parser.set_defaults(func=_train)


def read_training_rows(url: str) -> list[TrainingRow]:
    """The training rows at `url`; none, without creating anything, when there is no history."""
    with existing_history(url) as database:
        if database is None:
            return []
        return database.training_rows(feature_version=FEATURE_VERSION)


def _train(args: argparse.Namespace, settings: Settings) -> int:
    # torch loads only for this verb.
    from omniarb.score.train import TrainSettings, fit

    rows = read_training_rows(resolve_db_url(args.db))
    train_settings = TrainSettings(
        test_fraction=args.test_fraction,
        epochs=args.epochs,
        baseline_threshold_usd=settings.bot.min_net_profit_usd,
    )
    result = fit(rows, train_settings, now=datetime.now(UTC))
    store = open_store(settings.score, args.store)
    store.save(result.net, result.meta)
    captured = result.captured
    better = captured.model_usd > captured.baseline_usd
    if args.json:
        emit_json(
            {
                "model": result.meta.to_json(),
                "store": store.url,
                "held_out": {
                    "trades": captured.rows,
                    "model_ev_usd": captured.model_usd,
                    "model_taken": captured.model_taken,
                    "baseline_ev_usd": captured.baseline_usd,
                    "baseline_taken": captured.baseline_taken,
                    "oracle_ev_usd": captured.oracle_usd,
                    "model_better": better,
                },
            }
        )
        return 0
    console = stdout_console()
    meta = result.meta
    m = meta.metrics
    console.print(f"model {meta.id} saved to {store.url}", highlight=False, soft_wrap=True)
    console.print(
        f"trades: {meta.n_train} train, {meta.n_test} held out (features v{FEATURE_VERSION})",
        highlight=False,
        soft_wrap=True,
    )
    for name in ("auc", "brier", "calibration_error", "test_success_rate"):
        value = m.get(name)
        console.print(f"{name}: {'n/a (one class)' if value is None else f'{value:.4f}'}")
    console.print(
        f"held-out EV captured: model {captured.model_usd:.4f} USD ({captured.model_taken} "
        f"trades) vs baseline {captured.baseline_usd:.4f} USD ({captured.baseline_taken} "
        f"trades); all winners {captured.oracle_usd:.4f} USD",
        highlight=False,
        soft_wrap=True,
    )
    verdict = "better than" if better else "NOT better than"
    if captured.model_usd == captured.baseline_usd:
        verdict = "equal to"
    console.print(
        f"the model is {verdict} the baseline on the held-out trades",
        highlight=False,
        soft_wrap=True,
    )
    return 0
