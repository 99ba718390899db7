"""How the command line writes: JSON or text on stdout, `error: ...` lines on stderr.

With `--json`, stdout carries the JSON document and nothing else, so scripts can parse it.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping
from typing import Any

from rich.console import Console

__all__ = ["add_json_flag", "emit_json", "report_error", "stdout_console", "to_toml"]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    """The `--json` flag every read-only verb has."""
    parser.add_argument(
        "--json", action="store_true", help="machine-readable JSON on stdout, nothing else"
    )


def emit_json(data: Any) -> None:
    """Write `data` as one JSON document on stdout."""
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


def report_error(message: str) -> None:
    """Write `message` to stderr, each of its lines prefixed with `error: `."""
    for line in message.splitlines() or [""]:
        sys.stderr.write(f"error: {line}\n")


def stdout_console() -> Console:
    """A rich console on the current stdout (colour only when it is a terminal)."""
    return Console(file=sys.stdout, highlight=False)


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else json.dumps(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    if isinstance(value, int | float):
        return repr(value)
    # JSON string escapes are valid TOML basic-string escapes.
    return json.dumps(str(value))


def to_toml(data: Mapping[str, Any], table: tuple[str, ...] = ()) -> str:
    """Nested JSON-able data as TOML; None values become `# key: not set` comments."""
    lines: list[str] = []
    scalars = {k: v for k, v in data.items() if not isinstance(v, Mapping)}
    tables = {k: v for k, v in data.items() if isinstance(v, Mapping)}
    if table and (scalars or not tables):
        lines.append("[" + ".".join(_key(part) for part in table) + "]")
    for key, value in scalars.items():
        lines.append(
            f"# {_key(key)}: not set" if value is None else f"{_key(key)} = {_value(value)}"
        )
    if lines:
        lines.append("")
    text = "\n".join(lines) + ("\n" if lines else "")
    return text + "".join(to_toml(value, (*table, key)) for key, value in tables.items())


def positive_int(text: str) -> int:
    """An argparse type: an integer of at least 1, else a usage error naming the value."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value
