"""`omniarb`: parse the command line, load the settings, run one verb, map errors to exit codes.

Exit codes are stable: 0 ok, 1 error, 2 not found (and usage errors), 3 not running, 4 config
error, 5 timeout, 130 interrupted. Errors are one `error: ...` line on stderr, never a traceback
unless the log level is DEBUG.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import get_args

from omniarb import __version__
from omniarb.cli import (
    Handler,
    config_cmd,
    demo_cmd,
    devnet_cmd,
    doctor,
    history_cmd,
    quote_cmd,
    report_cmd,
    run_cmd,
)
from omniarb.cli._output import report_error
from omniarb.config import LogLevel, load_settings
from omniarb.errors import OmniarbError

__all__ = ["build_parser", "main"]

_INTERRUPTED = 130  # the shell's code for "killed by SIGINT"


def _commands() -> list[ModuleType]:
    return [config_cmd, doctor, devnet_cmd, demo_cmd, run_cmd, history_cmd, report_cmd, quote_cmd]


def build_parser() -> argparse.ArgumentParser:
    """The `omniarb` parser with every verb registered."""
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
    for module in _commands():
        module.register(subparsers)
    return parser


_HANDLER_MARK = "_omniarb_cli_handler"


def _configure_logging(level: str) -> None:
    """Log to stderr at `level`, replacing only a handler an earlier `main()` call installed."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    setattr(handler, _HANDLER_MARK, True)
    root.addHandler(handler)
    root.setLevel(level)


def main(argv: list[str] | None = None) -> int:
    """Run one `omniarb` command line; return its exit code."""
    debug = False
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help, --version and usage errors; argparse has written
            return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 2
        debug = args.log_level == "DEBUG"
        settings = load_settings(args.config)
        level: str = args.log_level or settings.log.level
        debug = level == "DEBUG"
        _configure_logging(level)
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
            traceback.print_exc()
        report_error(str(exc))
        return exc.exit_code
    except Exception as exc:
        if debug:
            traceback.print_exc()
        # One line even when the message has several: the traceback is for --log-level DEBUG.
        report_error(f"internal error: {type(exc).__name__}: {' '.join(str(exc).split())}")
        return 1
