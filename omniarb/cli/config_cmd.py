"""`omniarb show-config`: the effective configuration, with secrets masked."""

from __future__ import annotations

import argparse
import sys

from omniarb.cli import Subparsers
from omniarb.cli._output import add_json_flag, emit_json, to_toml
from omniarb.config import SECRET_ENV_VARS, Settings, load_secrets

__all__ = ["register", "run"]


def register(subparsers: Subparsers) -> None:
    """Add the `show-config` verb."""
    parser = subparsers.add_parser(
        "show-config",
        help="print the effective configuration (secrets masked)",
        description="Print the configuration after defaults are applied. The text form is a "
        "valid config file; secrets are shown as *** when set and are never read from it.",
    )
    add_json_flag(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Print the settings, and which secrets the environment sets, as JSON or TOML."""
    secrets = load_secrets().to_public_dict()
    if args.json:
        emit_json({**settings.to_public_dict(), "secrets": secrets})
        return 0
    source = args.config if args.config is not None else "built-in defaults"
    header = [f"# omni-arb configuration, from {source}", "# secrets, from the environment only:"]
    header += [
        f"#   {env}: {'set (***)' if secrets[name] is not None else 'not set'}"
        for name, env in SECRET_ENV_VARS.items()
    ]
    sys.stdout.write("\n".join(header) + "\n\n" + to_toml(settings.to_public_dict()))
    return 0
