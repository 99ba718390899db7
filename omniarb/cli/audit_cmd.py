"""`omniarb audit [--json] [--action A] [--chain NAME] [--limit N] [--db URL]`: the audit log.

Lists the security-relevant actions newest first (keys created, authorized, rotated and retired;
treasury sweeps; API control calls and refused attempts), as `omniarb.store.audit` stored them.
With `--json`, stdout is one JSON list of `AuditEntry.to_json()` objects. `--action key.` (a
trailing dot) selects every action of a family. A database without history is an empty log.
"""

from __future__ import annotations

import argparse
import json

from rich.table import Table

from omniarb.cli import Subparsers
from omniarb.cli._output import add_json_flag, emit_json, positive_int, stdout_console
from omniarb.config import Settings
from omniarb.store import resolve_db_url
from omniarb.store.audit import AuditEntry
from omniarb.store.existing import existing_history

__all__ = ["read_audit", "register"]

_DEFAULT_LIMIT = 50


def register(subparsers: Subparsers) -> None:
    """Add `audit`."""
    parser = subparsers.add_parser("audit", help="list the audit log, newest first")
    add_json_flag(parser)
    parser.add_argument("--action", metavar="A", help="only this action, or family ('key.')")
    parser.add_argument("--chain", metavar="NAME", help="only this chain")
    parser.add_argument(
        "--limit",
        type=positive_int,
        default=_DEFAULT_LIMIT,
        metavar="N",
        help=f"at most N entries (default {_DEFAULT_LIMIT})",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help="database URL (default: $OMNIARB_DB_URL, else sqlite:///$OMNIARB_HOME/history.sqlite)",
    )
    parser.set_defaults(func=_audit)


def read_audit(
    url: str, *, action: str | None = None, chain: str | None = None, limit: int = _DEFAULT_LIMIT
) -> list[AuditEntry]:
    """The audit entries at `url`; empty, without creating anything, when there is no history."""
    with existing_history(url) as database:
        if database is None:
            return []
        return database.audit(action=action, chain=chain, limit=limit)


def _audit(args: argparse.Namespace, settings: Settings) -> int:
    url = resolve_db_url(args.db)
    entries = read_audit(url, action=args.action, chain=args.chain, limit=args.limit)
    if args.json:
        emit_json([entry.to_json() for entry in entries])
        return 0
    table = Table(title=f"audit log ({len(entries)} newest)")
    for column in ("id", "at", "actor", "action", "chain", "subject", "outcome", "details"):
        table.add_column(column)
    for entry in entries:
        table.add_row(
            str(entry.id),
            entry.at.strftime("%Y-%m-%d %H:%M:%S"),
            entry.actor,
            entry.action,
            entry.chain or "-",
            entry.subject,
            entry.outcome,
            json.dumps(entry.details, sort_keys=True),
        )
    stdout_console().print(table)
    return 0
