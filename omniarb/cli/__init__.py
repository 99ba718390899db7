"""The `omniarb` command line: argparse verbs over the library; the only layer that prints.

Each verb is a module with `register(subparsers)`, which adds its parser and sets
`func=handler`; `main` loads the settings, then calls `handler(args, settings) -> exit code`.
Errors become one `error: ...` line on stderr and a stable exit code (see `omniarb.errors`).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeAlias

from omniarb.config import Settings

__all__ = ["Handler", "Subparsers"]

# What `ArgumentParser.add_subparsers()` returns; argparse names its class privately.
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

# A verb's entry point: parsed arguments and loaded settings in, process exit code out.
Handler: TypeAlias = Callable[[argparse.Namespace, Settings], int]
