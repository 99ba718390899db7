"""`omniarb tokens create|list|revoke`: the API's bearer tokens, with scopes, stored hashed.

    omniarb tokens create --name grafana --scope read     # prints the token ONCE
    omniarb tokens list [--json]
    omniarb tokens revoke ab12cd34

Scopes nest: `read` (every GET and the WebSocket) ⊂ `control` (trip and reset the breaker) ⊂
`admin` (configuration, keys, treasury). The history database (`--db`, default
`$OMNIARB_DB_URL` or the SQLite file) keeps each token's SHA-256, never the token: a lost token
cannot be shown again, only revoked and replaced. A running API checks the table (reusing an
answer for at most a second), so a revoke takes effect within a second; the API switches
from loopback mode to token mode when it starts with at least one active token. Creating and
revoking write the audit log (`api.token.create`, `api.token.revoke`, actor `cli:<user>`).
"""

from __future__ import annotations

import argparse
import getpass
import re

from rich.table import Table

from omniarb.cli import Subparsers
from omniarb.cli._output import add_json_flag, emit_json, report_error, stdout_console
from omniarb.config import Settings
from omniarb.store import SCOPES, HistoryDatabase, resolve_db_url
from omniarb.store.audit import AuditEntry

__all__ = ["register"]

_ID = re.compile(r"^[0-9a-f]{8}$")


def _token_id(text: str) -> str:
    if not _ID.match(text):
        raise argparse.ArgumentTypeError(f"not a token id (8 hex digits): {text!r}")
    return text


def register(subparsers: Subparsers) -> None:
    """Add `tokens` with `create`, `list` and `revoke`."""
    parser = subparsers.add_parser("tokens", help="create, list or revoke API tokens")
    parser.add_argument(
        "--db",
        metavar="URL",
        help="database URL (default: $OMNIARB_DB_URL, else sqlite:///$OMNIARB_HOME/history.sqlite)",
    )
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    create = verbs.add_parser("create", help="make a token and print it once")
    create.add_argument("--name", required=True, help="what the token is for (e.g. grafana)")
    create.add_argument("--scope", required=True, choices=SCOPES, help="read, control or admin")
    add_json_flag(create)
    create.set_defaults(func=_create)
    listing = verbs.add_parser("list", help="every token (never the secrets), oldest first")
    add_json_flag(listing)
    listing.set_defaults(func=_list)
    revoke = verbs.add_parser("revoke", help="revoke a token by its id (effective within a second)")
    revoke.add_argument("id", type=_token_id, help="the token's id (see `tokens list`)")
    revoke.set_defaults(func=_revoke)


def _open(args: argparse.Namespace) -> HistoryDatabase:
    return HistoryDatabase.open(resolve_db_url(args.db))


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _create(args: argparse.Namespace, settings: Settings) -> int:
    database = _open(args)
    try:
        try:
            token, secret = database.api_tokens.create(name=args.name, scope=args.scope)
        except ValueError as exc:
            report_error(f"tokens create: {exc}")
            return 2
        database.append_audit(
            AuditEntry.now(
                actor=_actor(),
                action="api.token.create",
                subject=token.id,
                details={"name": token.name, "scope": token.scope},
            )
        )
    finally:
        database.dispose()
    if args.json:
        emit_json({**token.to_json(), "token": secret})
    else:
        console = stdout_console()
        console.print(f"token {token.id} ({token.name}, scope {token.scope}):", highlight=False)
        console.print(secret, highlight=False, soft_wrap=True)
        console.print("shown once: store it now (Authorization: Bearer <token>)", highlight=False)
    return 0


def _list(args: argparse.Namespace, settings: Settings) -> int:
    database = _open(args)
    try:
        tokens = database.api_tokens.list()
    finally:
        database.dispose()
    if args.json:
        emit_json([token.to_json() for token in tokens])
        return 0
    table = Table(title=f"API tokens ({len(tokens)})")
    for column in ("id", "name", "scope", "created (UTC)", "last used", "revoked"):
        table.add_column(column, no_wrap=True)
    for token in tokens:
        table.add_row(
            token.id,
            token.name,
            token.scope,
            token.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            "-" if token.last_used_at is None else token.last_used_at.strftime("%Y-%m-%d %H:%M"),
            "-" if token.revoked_at is None else token.revoked_at.strftime("%Y-%m-%d %H:%M"),
        )
    stdout_console().print(table)
    return 0


def _revoke(args: argparse.Namespace, settings: Settings) -> int:
    database = _open(args)
    try:
        token = database.api_tokens.revoke(args.id)
        database.append_audit(
            AuditEntry.now(
                actor=_actor(),
                action="api.token.revoke",
                subject=token.id,
                details={"name": token.name, "scope": token.scope},
            )
        )
    finally:
        database.dispose()
    stdout_console().print(f"token {token.id} ({token.name}) revoked", highlight=False)
    return 0
