"""`omniarb optimize --from-history [--db URL] [--chain NAME] [--min-samples N] [--json]`: replay
the recorded history and propose each chain's parameters (`omniarb.optimize.replay`).

Prints, per chain and tuned parameter, the value it had last, the proposed value (or why there
is none: too few settled trades), and the evidence: every value seen with its trades and its
score (USD per opportunity judged where the history tells which value judged each recorded
opportunity, else per trade); then the optimizer's recorded changes, newest first. `--min-samples`
defaults to `[optimize] min_samples`. With `--json`, stdout is one JSON object:
`{"proposals": [...], "changes": [...]}`. Nothing is changed: the online optimizer (`[optimize]
online = true`) changes parameters in the engine; this verb shows what the history supports.
A database that does not exist yet is an empty history.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import datetime

from rich.table import Table

from omniarb.chains.spec import resolve_chain
from omniarb.cli import Subparsers
from omniarb.cli._output import add_json_flag, emit_json, positive_int, stdout_console
from omniarb.config import Settings
from omniarb.optimize import ParamChange
from omniarb.optimize.replay import HistoricTrade, Proposal, replay
from omniarb.store import TradeRecord, resolve_db_url
from omniarb.store.existing import existing_history

__all__ = ["register"]

# Every trade a history holds, for all practical purposes; the replay reads them once.
_ALL_TRADES = 1_000_000
_ALL_CHANGES = 100_000


def register(subparsers: Subparsers) -> None:
    """Add `optimize`."""
    parser = subparsers.add_parser(
        "optimize", help="propose each chain's parameters from the recorded history"
    )
    parser.add_argument(
        "--from-history",
        action="store_true",
        required=True,
        help="replay the recorded trades and parameter changes (the only offline mode)",
    )
    add_json_flag(parser)
    parser.add_argument("--chain", metavar="NAME", help="only this chain (name or chain id)")
    parser.add_argument(
        "--min-samples",
        type=positive_int,
        metavar="N",
        help="settled trades a value needs to be proposed (default: [optimize] min_samples)",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help="database URL (default: $OMNIARB_DB_URL, else sqlite:///$OMNIARB_HOME/history.sqlite)",
    )
    parser.set_defaults(func=_optimize)


@dataclass(frozen=True, slots=True, kw_only=True)
class History:
    """What the replay reads: trades, parameter changes, judged opportunities (chain, time)."""

    trades: list[TradeRecord]
    changes: list[ParamChange]
    judged: list[tuple[str, datetime]]


def read_history(url: str) -> History:
    """The history at `url`; empty when there is none yet."""
    with existing_history(url) as database:
        if database is None:
            return History(trades=[], changes=[], judged=[])
        return History(
            trades=database.trades(limit=_ALL_TRADES),
            changes=database.param_changes(limit=_ALL_CHANGES),
            judged=database.judged_opportunities(),
        )


def historic(trade: TradeRecord) -> HistoricTrade:
    """What the replay needs of a stored trade."""
    return HistoricTrade(
        chain=trade.chain,
        status=trade.status,
        submitted_at=trade.submitted_at,
        net_profit_usd=trade.net_profit_usd,
        channel=trade.channel,
        predicted_profit=trade.predicted_profit,
        bribe_wei=trade.bribe_wei,
    )


def _optimize(args: argparse.Namespace, settings: Settings) -> int:
    min_samples = args.min_samples or settings.optimize.min_samples
    history = read_history(resolve_db_url(args.db))
    trades, changes, judged = history.trades, history.changes, history.judged
    if args.chain is not None:
        chain = resolve_chain(args.chain).name
        trades = [t for t in trades if t.chain == chain]
        changes = [c for c in changes if c.chain == chain]
        judged = [j for j in judged if j[0] == chain]
    proposals = replay(
        [historic(t) for t in trades], changes, min_samples=min_samples, judged=judged
    )
    if args.json:
        emit_json(
            {
                "proposals": [p.to_json() for p in proposals],
                "changes": [c.to_json() for c in changes],
            }
        )
        return 0
    console = stdout_console()
    if not proposals:
        console.print("no settled trades recorded yet: nothing to propose")
    else:
        console.print(_proposals(proposals))
    if changes:
        console.print(_changes(changes))
    return 0


def _proposals(proposals: list[Proposal]) -> Table:
    table = Table(title="proposed parameters")
    for column in ("chain", "parameter", "last", "proposed", "evidence (value: trades, $ score)"):
        table.add_column(column)
    for p in proposals:
        evidence = "; ".join(f"{a.value}: {a.trades}, ${a.mean_reward_usd:.4g}" for a in p.evidence)
        proposed = "-" if p.proposed is None else str(p.proposed)
        table.add_row(p.chain, p.param, str(p.current), proposed, evidence)
    return table


def _changes(changes: list[ParamChange]) -> Table:
    table = Table(title="parameter changes, newest first")
    for column in ("changed at", "chain", "parameter", "old → new", "effect $/opportunity", "kept"):
        table.add_column(column)
    for c in changes:
        effect = "-" if c.effect_reward_usd is None else f"{c.effect_reward_usd:+.4g}"
        kept = "measuring" if not c.measured else ("reverted" if c.reverted else "kept")
        table.add_row(
            c.changed_at.strftime("%Y-%m-%d %H:%M:%S"),
            c.chain,
            c.param,
            f"{c.old_value} → {c.new_value}",
            f"{effect} (n={c.effect_samples})",
            kept,
        )
    return table
