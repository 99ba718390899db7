"""`omniarb model list|show [ID] [--store URL] [--json]`: the model store's predictors.

`list` shows every saved model newest first (id, feature version, created, age, held-out AUC,
Brier, EV vs baseline) and which one a bot would use now (`current`: the newest of this code's
feature version, younger than `[score] max_model_age_s`). `show ID` (default: the current one)
prints one model's metadata with its feature list and every metric. `--json` prints the same
as JSON; an empty store is `[]` for `list`, and `show` of an unknown id exits 2.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from omniarb.cli import Subparsers
from omniarb.cli._output import add_json_flag, emit_json, stdout_console
from omniarb.config import Settings
from omniarb.errors import NotFoundError
from omniarb.score.active import open_store
from omniarb.score.features import FEATURE_VERSION
from omniarb.score.scorer import invalid_reason
from omniarb.score.store import ModelMeta

__all__ = ["register"]


def register(subparsers: Subparsers) -> None:
    """Add `model list` and `model show`."""
    parser = subparsers.add_parser("model", help="list or show the trained profit predictors")
    verbs = parser.add_subparsers(dest="model_verb", required=True, metavar="VERB")
    for name, help_text in (("list", "every saved model, newest first"), ("show", "one model")):
        verb = verbs.add_parser(name, help=help_text)
        add_json_flag(verb)
        verb.add_argument(
            "--store", metavar="URL", help="model store (default: [score] store_url, else local)"
        )
        if name == "show":
            verb.add_argument("id", nargs="?", metavar="ID", help="model id (default: current)")
        verb.set_defaults(func=_list if name == "list" else _show)


def _usable(meta: ModelMeta, settings: Settings, now: datetime) -> bool:
    return invalid_reason(meta, settings.score.max_model_age_s, now) is None


def _current(metas: list[ModelMeta], settings: Settings, now: datetime) -> str | None:
    newest = next((m for m in metas if m.feature_version == FEATURE_VERSION), None)
    return newest.id if newest is not None and _usable(newest, settings, now) else None


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def _list(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings.score, args.store)
    metas = store.list()
    now = datetime.now(UTC)
    current = _current(metas, settings, now)
    if args.json:
        emit_json(
            [{**m.to_json(), "age_s": m.age_s(now), "current": m.id == current} for m in metas]
        )
        return 0
    console = stdout_console()
    if not metas:
        console.print(
            f"no models in {store.url} (train one: omniarb train)", highlight=False, soft_wrap=True
        )
        return 0
    for m in metas:
        mark = "*" if m.id == current else " "
        metrics = m.metrics
        console.print(
            f"{mark} {m.id}  v{m.feature_version}  {m.created_at:%Y-%m-%d %H:%M:%S}  "
            f"age {m.age_s(now):.0f} s  auc {_fmt(metrics.get('auc'))}  "
            f"brier {_fmt(metrics.get('brier'))}  EV model {_fmt(metrics.get('ev_model_usd'))} "
            f"vs baseline {_fmt(metrics.get('ev_baseline_usd'))} USD",
            highlight=False,
            soft_wrap=True,
        )
    console.print(
        "* current: the model a bot starting now would use", highlight=False, soft_wrap=True
    )
    return 0


def _show(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings.score, args.store)
    now = datetime.now(UTC)
    model_id = args.id
    if model_id is None:
        model_id = _current(store.list(), settings, now)
        if model_id is None:
            raise NotFoundError(f"no usable model in {store.url} (train one: omniarb train)")
    meta = store.meta(model_id)
    data = {**meta.to_json(), "age_s": meta.age_s(now), "usable": _usable(meta, settings, now)}
    if args.json:
        emit_json(data)
        return 0
    console = stdout_console()
    for key, value in data.items():
        if key == "metrics":
            for name, metric in meta.metrics.items():
                console.print(f"metrics.{name}: {_fmt(metric)}", highlight=False, soft_wrap=True)
        elif key == "features":
            console.print(f"features: {', '.join(meta.features)}", highlight=False, soft_wrap=True)
        else:
            console.print(f"{key}: {value}", highlight=False, soft_wrap=True)
    return 0
