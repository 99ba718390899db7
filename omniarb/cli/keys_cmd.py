"""`omniarb keys new|import|list|show|retire`: the bot's signing keys in the `[keys]` backend.

    omniarb keys new --label bot-1             # a new key, generated inside the backend
    omniarb keys import --label old < key.txt  # from stdin, or typed at a hidden prompt; never argv
    omniarb keys list [--json]
    omniarb keys show ADDRESS [--json]
    omniarb keys retire ADDRESS                # kept, never used again

Each create, import and retire appends one row to the audit log of the history database
(`--db`, else `OMNIARB_DB_URL`, else the SQLite file under `OMNIARB_HOME`), failures too.
More verbs (`rotate`) come from other modules: list them in `MORE_VERBS`.
"""

from __future__ import annotations

import argparse
import getpass
import importlib
import sys
from collections.abc import Callable
from typing import Any

from omniarb._secrets import _private_key
from omniarb.cli import Subparsers
from omniarb.cli._output import add_json_flag, emit_json, stdout_console
from omniarb.config import Settings, load_secrets
from omniarb.errors import ConfigError, OmniarbError
from omniarb.keys.base import KeyBackend, KeyInfo
from omniarb.keys.factory import open_backend
from omniarb.keys.keystore import KeystoreBackend
from omniarb.store import HistoryDatabase, resolve_db_url
from omniarb.store.audit import AuditEntry

__all__ = ["MORE_VERBS", "actor", "key_json", "register"]

# Modules whose `register(verbs)` adds a verb under `keys` (with `func=handler` set), e.g.
# "omniarb.cli.keys_rotate_cmd": one line here adds the verb.
MORE_VERBS: tuple[str, ...] = ("omniarb.cli.keys_rotate_cmd",)


def register(subparsers: Subparsers) -> None:
    """Add `keys` with its verbs, then the verbs of `MORE_VERBS`."""
    parser = subparsers.add_parser(
        "keys",
        help="create, import, list, show, rotate or retire the bot's signing keys",
        description="The bot's signing keys in the backend `[keys] backend` names (env, "
        "keystore, pkcs11). Keystore files are unlocked with OMNIARB_KEYSTORE_PASSPHRASE or a "
        "prompt. Creating, importing and retiring write the audit log.",
    )
    verbs = parser.add_subparsers(dest="keys_verb", required=True, metavar="VERB")
    new = verbs.add_parser("new", help="generate a new key in the backend")
    new.add_argument("--label", required=True, help="what the key is for (shown by `list`)")
    _writing(new, _new)
    imported = verbs.add_parser(
        "import",
        help="import a private key (hex) from stdin or a hidden prompt",
        description="Read a private key (64 hex digits, with or without 0x) from a hidden "
        "prompt on a terminal, else from the first line of stdin; never from the command line.",
    )
    imported.add_argument("--label", required=True, help="what the key is for")
    _writing(imported, _import)
    listed = verbs.add_parser("list", help="list the backend's keys (never a secret)")
    add_json_flag(listed)
    listed.set_defaults(func=_list)
    show = verbs.add_parser("show", help="show one key's public facts")
    show.add_argument("address", metavar="ADDRESS")
    add_json_flag(show)
    show.set_defaults(func=_show)
    retire = verbs.add_parser("retire", help="mark a key retired: kept, never used again")
    retire.add_argument("address", metavar="ADDRESS")
    _writing(retire, _retire)
    for name in MORE_VERBS:
        importlib.import_module(name).register(verbs)


def _writing(parser: argparse.ArgumentParser, func: Callable[..., int]) -> None:
    parser.add_argument(
        "--db",
        metavar="URL",
        help="audit log database (default: $OMNIARB_DB_URL, else "
        "sqlite:///$OMNIARB_HOME/history.sqlite)",
    )
    add_json_flag(parser)
    parser.set_defaults(func=func)


def actor() -> str:
    """Who acts, for the audit log: `cli:<login name>`."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return "cli:unknown"


def key_json(info: KeyInfo) -> dict[str, Any]:
    return {
        "address": info.address,
        "backend": info.backend,
        "label": info.label,
        "created_at": info.created_at.isoformat(),
        "retired": info.retired,
    }


def _print(info: KeyInfo, verb: str, args: argparse.Namespace) -> None:
    if args.json:
        emit_json(key_json(info))
    else:
        stdout_console().print(
            f"{verb} {info.address} ({info.label}) in the {info.backend} backend"
        )


def _audited(
    args: argparse.Namespace,
    settings: Settings,
    action: str,
    subject: str,
    operation: Callable[[KeyBackend], KeyInfo],
) -> KeyInfo:
    """Run `operation` on the backend and append its audit row, whether it worked or not. The
    database is opened first: an operation that could not be audited is not done."""
    secrets = load_secrets()
    database = HistoryDatabase.open(resolve_db_url(args.db, secrets))
    try:
        backend = open_backend(settings, secrets, confirm_passphrase=action == "key.create")
        try:
            info = operation(backend)
        except OmniarbError as exc:
            database.append_audit(
                AuditEntry.now(
                    actor=actor(),
                    action=action,
                    subject=subject,
                    outcome="failed",
                    details={"backend": backend.name, "error": str(exc)},
                )
            )
            raise
        database.append_audit(
            AuditEntry.now(
                actor=actor(),
                action=action,
                subject=info.address,
                details={"backend": info.backend, "label": info.label},
            )
        )
        return info
    finally:
        database.dispose()


def _new(args: argparse.Namespace, settings: Settings) -> int:
    info = _audited(args, settings, "key.create", "", lambda b: b.create_key(args.label))
    _print(info, "created", args)
    return 0


def _read_key() -> bytes:
    if sys.stdin.isatty():
        raw = getpass.getpass("private key (hex, hidden): ")
    else:
        raw = sys.stdin.readline()
    secret = _private_key(raw.strip(), "the imported key")
    return bytes.fromhex(secret.get_secret_value().removeprefix("0x"))


def _import(args: argparse.Namespace, settings: Settings) -> int:
    key = _read_key()

    def operation(backend: KeyBackend) -> KeyInfo:
        if not isinstance(backend, KeystoreBackend):
            raise ConfigError(
                f'the {backend.name} backend cannot import keys; use `[keys] backend = "keystore"`'
            )
        return backend.import_key(key, label=args.label)

    info = _audited(args, settings, "key.import", "", operation)
    _print(info, "imported", args)
    return 0


def _retire(args: argparse.Namespace, settings: Settings) -> int:
    info = _audited(
        args, settings, "key.retire", args.address, lambda b: b.retire_key(args.address)
    )
    _print(info, "retired", args)
    return 0


def _list(args: argparse.Namespace, settings: Settings) -> int:
    keys = open_backend(settings, load_secrets()).list_keys()
    if args.json:
        emit_json([key_json(k) for k in keys])
        return 0
    console = stdout_console()
    if not keys:
        console.print(f"no keys in the {settings.keys.backend} backend")
    for key in keys:
        state = "retired" if key.retired else "live"
        console.print(f"{key.address}  {state:7}  {key.created_at:%Y-%m-%d %H:%M:%S}  {key.label}")
    return 0


def _show(args: argparse.Namespace, settings: Settings) -> int:
    backend = open_backend(settings, load_secrets())
    wanted = args.address.lower()
    info = next((k for k in backend.list_keys() if k.address.lower() == wanted), None)
    if info is None:
        raise ConfigError(f"the {backend.name} backend has no key {args.address}")
    if args.json:
        emit_json(key_json(info))
    else:
        console = stdout_console()
        for name, value in key_json(info).items():
            console.print(f"{name:10} {value}")
    return 0
