"""Reading the fields of an object a node sent (a header, a log, a receipt, a fee history).

A node's answer is untrusted: a provider may lie, a proxy may mangle it. Every parser of one
reads its fields through these, so a missing field or a value of the wrong type is one error,
`MalformedNodeValueError` (a `ValueError`: the parsers have always raised that for a bad hex
value), with a message naming the field, never a `KeyError`, `TypeError` or `IndexError` that
reads as a bug of ours. The hypothesis fuzzers (`tests/unit/chains/test_fuzz_rpc_answers.py`)
hold every parser to it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "MalformedNodeValueError",
    "node_int",
    "node_list",
    "node_object",
    "node_quantity",
    "node_text",
]


class MalformedNodeValueError(ValueError):
    """A node's object lacks a field, or has one of the wrong type or form."""


def node_object(value: Any, what: str) -> Mapping[str, Any]:
    """`value` if it is a JSON object."""
    if not isinstance(value, Mapping):
        raise MalformedNodeValueError(f"{what} is a {type(value).__name__}, not an object")
    return value


def node_int(raw: Mapping[str, Any], key: str, what: str, default: int | None = None) -> int:
    """The quantity at `key`: a hex string (or a JSON integer); `default` when it is absent or
    null (an error when there is no default)."""
    value = raw.get(key)
    if value is None:
        if default is None:
            raise MalformedNodeValueError(f"{what} has no {key!r}")
        return default
    return node_quantity(value, f"{what}: {key!r}")


def node_quantity(value: Any, what: str) -> int:
    """`value` as a quantity: a hex string, or a JSON integer (some nodes send those)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if not isinstance(value, str):
        raise MalformedNodeValueError(f"{what} is a {type(value).__name__}, not hex")
    try:
        return int(value, 16)
    except ValueError:
        raise MalformedNodeValueError(f"{what} is not a hex quantity") from None


def node_text(raw: Mapping[str, Any], key: str, what: str) -> str:
    """The string at `key` (a hash, an address), which must be there."""
    value = raw.get(key)
    if not isinstance(value, str):
        raise MalformedNodeValueError(f"{what} has no {key!r} string")
    return value


def node_list(value: Any, what: str) -> Sequence[Any]:
    """`value` if it is a JSON array."""
    if not isinstance(value, list | tuple):
        raise MalformedNodeValueError(f"{what} is a {type(value).__name__}, not a list")
    return value
