"""`omniarb`: parse the command line, load the settings, run one verb, map errors to exit codes.

Exit codes are stable: 0 ok, 1 error, 2 not found (and usage errors), 3 not running, 4 config
error, 5 timeout, 130 interrupted. Errors are one `error: ...` line on stderr, never a traceback
unless the log level is DEBUG.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import get_args

from omniarb import __version__
from omniarb.cli import Handler
from omniarb.cli._output import report_error
from omniarb.config import LogLevel, load_settings
from omniarb.errors import OmniarbError
from omniarb.log_redact import SecretRedactor

__all__ = ["build_parser", "main"]

_INTERRUPTED = 130  # the shell's code for "killed by SIGINT"


# Each verb's module, and the one-line help `omniarb --help` shows without importing it: the
# engine, the store and the signing libraries take seconds to import, and only the verb that
# runs should pay for them.
_COMMANDS: dict[str, tuple[str, str]] = {
    "show-config": ("omniarb.cli.config_cmd", "print the effective configuration (secrets masked)"),
    "doctor": ("omniarb.cli.doctor", "check the tools, build outputs, ports, config and devnet"),
    "devnet": ("omniarb.cli.devnet_cmd", "start, inspect and stop the local chains"),
    "demo": ("omniarb.cli.demo_cmd", "devnet + market activity + the bot, with a live view"),
    "run": ("omniarb.cli.run_cmd", "run the arbitrage bot on the devnet or a described network"),
    "executor": (
        "omniarb.cli.executor_cmd",
        "deploy or fund the bot's executor on a described network",
    ),
    "keys": (
        "omniarb.cli.keys_cmd",
        "create, import, list, show, rotate or retire the bot's signing keys",
    ),
    "treasury": (
        "omniarb.cli.treasury_cmd",
        "the Safe that owns the executor; sweep profit above the float to it",
    ),
    "history": ("omniarb.cli.history_cmd", "list recorded trades"),
    "transfers": (
        "omniarb.cli.transfers_cmd",
        "list the rebalancer's bridge transfers in flight (--all: recent)",
    ),
    "audit": ("omniarb.cli.audit_cmd", "list the audit log of security-relevant actions"),
    "breaker": (
        "omniarb.cli.breaker_cmd",
        "show, trip or reset a running bot's circuit breakers (through its API)",
    ),
    "optimize": (
        "omniarb.cli.optimize_cmd",
        "propose each chain's parameters from the recorded history",
    ),
    "report": ("omniarb.cli.report_cmd", "write a self-contained HTML report of the history"),
    "quote": ("omniarb.cli.quote_cmd", "quote swaps from JSON lines with our exact pool math"),
    "train": ("omniarb.cli.train_cmd", "train the profit predictor on the history"),
    "model": ("omniarb.cli.model_cmd", "list or show the trained profit predictors"),
    "tokens": ("omniarb.cli.tokens_cmd", "create, list or revoke the API's tokens (with scopes)"),
    "worker": (
        "omniarb.cli.worker_cmd",
        "one chain's pipeline as a cluster process (active/standby by signer lease)",
    ),
    "coordinator": (
        "omniarb.cli.coordinator_cmd",
        "cross-chain detection and trading as a cluster process (one active, by lease)",
    ),
    "trainer": (
        "omniarb.cli.trainer_cmd",
        "train the profit predictor from the cluster's shared history (periodically)",
    ),
    "cluster": (
        "omniarb.cli.cluster_cmd",
        "run the roles as separate processes on this machine (up/status/down)",
    ),
    "api": (
        "omniarb.cli.api_cmd",
        "serve the API and the dashboard of a cluster (live events from the bus)",
    ),
}


_GLOBAL_OPTIONS_WITH_VALUE = ("--config", "--log-level")


def _chosen(argv: list[str]) -> str | None:
    """The verb on the command line: the first word, past the global options, naming one."""
    words = iter(argv)
    for word in words:
        if word in _GLOBAL_OPTIONS_WITH_VALUE:
            next(words, None)
        elif word in _COMMANDS:
            return word
        elif not word.startswith("-"):
            return None
    return None


def _commands(argv: list[str] | None = None) -> list[ModuleType]:
    """The modules to register in full: the chosen verb's, or all of them (`argv=None`)."""
    names = list(_COMMANDS) if argv is None else [n for n in [_chosen(argv)] if n is not None]
    return [importlib.import_module(_COMMANDS[name][0]) for name in names]


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The `omniarb` parser: the verb in `argv` registered in full, the others by name and help
    only (all of them in full when `argv` is None)."""
    parser = argparse.ArgumentParser(
        prog="omniarb", description="Multi-chain DEX arbitrage on EVM chains."
    )
    parser.add_argument(
        "--config", type=Path, metavar="FILE", help="TOML settings (default: built-in defaults)"
    )
    parser.add_argument(
        "--log-level",
        type=str.upper,
        choices=get_args(LogLevel),
        help="overrides log.level from the config; DEBUG also shows tracebacks",
    )
    parser.add_argument("--version", action="version", version=f"omniarb {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    full = _commands(argv)
    registered: set[str] = set()
    for module in full:
        before = set(subparsers.choices)
        module.register(subparsers)
        registered |= set(subparsers.choices) - before
    for name, (_, help_text) in _COMMANDS.items():
        if name not in registered:
            subparsers.add_parser(name, help=help_text, add_help=False)
    return parser


_HANDLER_MARK = "_omniarb_cli_handler"


def _configure_logging(level: str, redactor: SecretRedactor) -> None:
    """Log to stderr at `level` through `redactor`, replacing only a handler an earlier
    `main()` call installed."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(redactor)
    setattr(handler, _HANDLER_MARK, True)
    root.addHandler(handler)
    root.setLevel(level)


def main(argv: list[str] | None = None) -> int:
    """Run one `omniarb` command line; return its exit code."""
    debug = False
    # Every secret of the environment, for the log lines and for the error lines below (an
    # exception's message or traceback may quote a value it was given).
    redactor = SecretRedactor.from_environ()
    try:
        words = sys.argv[1:] if argv is None else argv
        parser = build_parser(words)
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help, --version and usage errors; argparse has written
            return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 2
        debug = args.log_level == "DEBUG"
        settings = load_settings(args.config)
        level: str = args.log_level or settings.log.level
        debug = level == "DEBUG"
        _configure_logging(level, redactor)
        handler: Handler = args.func
        return handler(args, settings)
    except KeyboardInterrupt:
        return _INTERRUPTED
    except BrokenPipeError:
        # The reader (`| head`) went away: silence the flush at exit, as the Python docs advise.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OmniarbError as exc:
        if debug:
            sys.stderr.write(redactor.redact(traceback.format_exc()))
        report_error(redactor.redact(str(exc)))
        return exc.exit_code
    except Exception as exc:
        if debug:
            sys.stderr.write(redactor.redact(traceback.format_exc()))
        # One line even when the message has several: the traceback is for --log-level DEBUG.
        message = " ".join(str(exc).split())
        report_error(redactor.redact(f"internal error: {type(exc).__name__}: {message}"))
        return 1
