"""ABI encoding of calls and decoding of results, on top of eth-abi."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from eth_abi.abi import decode as _decode
from eth_abi.abi import encode as _encode
from eth_utils.crypto import keccak

__all__ = ["decode", "encode_args", "encode_call", "selector", "types_of"]


@lru_cache(maxsize=1024)
def selector(signature: str) -> bytes:
    """The 4-byte selector of `name(type,...)`."""
    return bytes(keccak(text=signature)[:4])


def types_of(signature: str) -> list[str]:
    inner = signature[signature.index("(") + 1 : signature.rindex(")")]
    # Split at top-level commas only, so tuple types like (address,uint24) stay whole.
    types, depth, start = [], 0, 0
    for i, ch in enumerate(inner):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            types.append(inner[start:i])
            start = i + 1
    if inner:
        types.append(inner[start:])
    return types


def encode_args(types: Sequence[str], args: Sequence[Any]) -> bytes:
    return bytes(_encode(list(types), list(args)))


def encode_call(signature: str, *args: Any) -> str:
    """Calldata for `signature` with `args`, as a 0x hex string."""
    return "0x" + (selector(signature) + encode_args(types_of(signature), args)).hex()


def decode(types: Sequence[str], data: str | bytes) -> tuple[Any, ...]:
    raw = bytes.fromhex(data.removeprefix("0x")) if isinstance(data, str) else data
    return tuple(_decode(list(types), raw))
