"""`omniarb doctor`: check that this machine can run omni-arb, and say how to fix what cannot."""

from __future__ import annotations

import argparse

from rich.table import Table
from rich.text import Text

from omniarb.cli import Subparsers
from omniarb.cli._checks import Check, run_checks
from omniarb.cli._output import add_json_flag, emit_json, stdout_console
from omniarb.config import Settings

__all__ = ["register", "run"]


def register(subparsers: Subparsers) -> None:
    """Add the `doctor` verb."""
    parser = subparsers.add_parser(
        "doctor",
        help="check the tools, build outputs, ports, config and devnet",
        description="Check Python, Node.js, anvil, solc-js, the compiled contracts, free ports, "
        "the config, the secrets in the environment and the running devnet. Exit code 0 when "
        "every check passes, 1 otherwise.",
    )
    add_json_flag(parser)
    parser.set_defaults(func=run)


def _render(checks: list[Check]) -> None:
    console = stdout_console()
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("check")
    table.add_column("status")
    table.add_column("detail", overflow="fold")
    for check in checks:
        status = Text("ok", style="green") if check.ok else Text("FAIL", style="bold red")
        # Text, not str: a detail holding "[...]" must not be read as rich markup.
        table.add_row(Text(check.name), status, Text(check.detail))
    console.print(table)
    failed = [check for check in checks if not check.ok]
    for check in failed:
        console.print(f"fix {check.name}: {check.fix}", markup=False)
    console.print(
        "all checks passed" if not failed else f"{len(failed)} of {len(checks)} checks failed",
        markup=False,
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run every check; print them as a table or as `{"ok": ..., "checks": [...]}`."""
    checks = run_checks(settings, args.config)
    ok = all(check.ok for check in checks)
    if args.json:
        emit_json({"ok": ok, "checks": [check.to_dict() for check in checks]})
    else:
        _render(checks)
    return 0 if ok else 1
