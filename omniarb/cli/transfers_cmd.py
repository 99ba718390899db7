"""`omniarb transfers [--json] [--all] [--limit N] [--db URL]`: the rebalancer's bridge transfers.

Lists the transfers in flight (planned, sent, deposited, stuck), oldest first; with `--all`,
the most recent transfers of every status, newest first. Columns: id, bridge, route, asset,
amount in and received (base units), fee in USD, status, deposit and arrival transactions, and
for a stuck one how long past its deadline it is. With `--json`, stdout is one JSON list of the
transfers' fields (`BridgeTransfer.to_json()`: amounts as decimal strings, times ISO 8601 UTC).
A database that does not exist yet is an empty list and exit code 0.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from rich.table import Table

from omniarb.cli import Subparsers
from omniarb.cli._output import add_json_flag, emit_json, stdout_console
from omniarb.config import Settings
from omniarb.store import HistoryDatabase, resolve_db_url
from omniarb.store.bridge_transfers import BridgeTransfer, BridgeTransferStore
from omniarb.store.engine import parse_db_url, sqlite_path
from omniarb.store.schema import current_revision, head_revision, upgrade

__all__ = ["read_transfers", "register"]

_DEFAULT_LIMIT = 50


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def register(subparsers: Subparsers) -> None:
    """Add `transfers`."""
    parser = subparsers.add_parser(
        "transfers", help="list the rebalancer's bridge transfers in flight (--all: recent)"
    )
    add_json_flag(parser)
    parser.add_argument(
        "--all", action="store_true", help="recent transfers of every status, newest first"
    )
    parser.add_argument(
        "--limit",
        type=_positive,
        default=_DEFAULT_LIMIT,
        metavar="N",
        help=f"with --all, at most N transfers (default {_DEFAULT_LIMIT})",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help="database URL (default: $OMNIARB_DB_URL, else sqlite:///$OMNIARB_HOME/history.sqlite)",
    )
    parser.set_defaults(func=_transfers)


def read_transfers(
    url: str, *, every: bool = False, limit: int = _DEFAULT_LIMIT
) -> list[BridgeTransfer]:
    """The transfers at `url` (in flight, or with `every` the last `limit`); empty, without
    creating anything, when there is no history yet."""
    path = sqlite_path(parse_db_url(url))
    if path is not None and not path.exists():
        return []
    database = HistoryDatabase.open(url, migrate=False)
    try:
        revision = current_revision(database.engine)
        if revision is None:
            return []
        if revision != head_revision():
            upgrade(database.engine)
        store = BridgeTransferStore(database.engine)
        return store.recent_sync(limit) if every else store.in_flight_sync()
    finally:
        database.dispose()


def _short(value: str | None) -> str:
    if not value:
        return "-"
    return f"{value[:10]}…" if len(value) > 12 else value


def _table(transfers: list[BridgeTransfer], *, every: bool) -> Table:
    title = "recent" if every else "in flight"
    table = Table(title=f"omni-arb bridge transfers ({len(transfers)} {title})")
    for column in ("created (UTC)", "id", "bridge", "route", "asset", "status"):
        table.add_column(column, no_wrap=True)
    for column in ("amount in", "received", "fee USD", "deposit", "arrival", "late"):
        table.add_column(column, justify="right")
    now = datetime.now(UTC)
    for t in transfers:
        late_s = (now - t.deadline_at).total_seconds()
        table.add_row(
            t.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            _short(t.id),
            t.bridge,
            f"{t.src_chain}→{t.dst_chain}",
            t.asset,
            str(t.status),
            str(t.amount_in),
            "-" if t.amount_received is None else str(t.amount_received),
            f"{t.fee_usd:,.2f}",
            _short(t.deposit_tx_hash),
            _short(t.arrival_tx_hash),
            f"{late_s:,.0f} s" if late_s > 0 and not t.final else "-",
        )
    return table


def _transfers(args: argparse.Namespace, settings: Settings) -> int:
    transfers = read_transfers(resolve_db_url(args.db), every=args.all, limit=args.limit)
    if args.json:
        emit_json([t.to_json() for t in transfers])
        return 0
    console = stdout_console()
    if transfers:
        console.print(_table(transfers, every=args.all))
    else:
        console.print("no bridge transfers" + ("" if args.all else " in flight"))
    return 0
