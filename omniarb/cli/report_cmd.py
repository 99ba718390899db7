"""`omniarb report [--db URL] [--out FILE]`: a self-contained HTML report of the history.

Reads every recorded trade and the per-chain summary from the history database (the same one
`omniarb history` reads) and writes one HTML file with the PnL curve, the success rate over
time, profit and latency histograms and the per-chain table. A database that does not exist,
or holds no history yet, is "not found" (exit code 2): there is nothing to report.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from omniarb.cli import Subparsers
from omniarb.cli._output import stdout_console
from omniarb.config import Settings
from omniarb.errors import NotFoundError
from omniarb.report import render_report, settled_trades
from omniarb.store import ChainSummary, HistoryDatabase, TradeRecord, display_url, resolve_db_url
from omniarb.store.engine import parse_db_url, sqlite_path
from omniarb.store.schema import current_revision, head_revision, upgrade

__all__ = ["read_history", "register"]

DEFAULT_OUT = Path("omniarb-report.html")
# Every trade: a report is of the whole run, and a row is a few hundred bytes.
_ALL = 10_000_000


def register(subparsers: Subparsers) -> None:
    """Add `report`."""
    parser = subparsers.add_parser(
        "report",
        help="write a self-contained HTML report of the recorded history",
        description="Write one HTML file (no external assets) with the PnL curve, success rate "
        "over time, profit and latency histograms and a per-chain table of the history.",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help="database URL (default: $OMNIARB_DB_URL, else sqlite:///$OMNIARB_HOME/history.sqlite)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        metavar="FILE",
        help=f"where to write the report (default: {DEFAULT_OUT})",
    )
    parser.set_defaults(func=_report)


def read_history(url: str) -> tuple[list[TradeRecord], list[ChainSummary]]:
    """Every trade and the per-chain summary at `url`; NotFoundError when there is no history."""
    path = sqlite_path(parse_db_url(url))
    if path is not None and not path.exists():
        raise NotFoundError(f"no history at {display_url(url)}: the file does not exist")
    database = HistoryDatabase.open(url, migrate=False)
    try:
        revision = current_revision(database.engine)
        if revision is None:
            raise NotFoundError(f"no history at {display_url(url)}: no tables yet")
        if revision != head_revision():
            upgrade(database.engine)
        return database.trades(limit=_ALL), database.summary()
    finally:
        database.dispose()


def _report(args: argparse.Namespace, settings: Settings) -> int:
    url = resolve_db_url(args.db)
    trades, chains = read_history(url)
    html = render_report(trades, chains, source=display_url(url), generated_at=datetime.now(UTC))
    out: Path = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(out)
    stdout_console().print(
        f"report written to {out} ({len(settled_trades(trades))} settled trades, "
        f"{len(chains)} chains)"
    )
    return 0
