"""The JSON codec of the RPC path: orjson to encode, the standard library to decode.

Encoding, orjson is 13-20x faster than `json` on our requests (a raw transaction, a batch of
calls) and on the API's live messages (`benchmarks/loop.py`); it refuses integers wider than 64
bits (`TypeError`), so such a payload is encoded by `json` instead, exactly.

Decoding stays with `json`: orjson turns an integer literal wider than 64 bits into a float,
silently rounded, and a node or a provider may answer a bare big number where the spec wants a
hex string. Every exact guard measured (a digit-run search before orjson) cost more than orjson
saves on what the hot path decodes: a `newHeads` notification and zero-padded `eth_call` words
(`benchmarks/loop.py` prints the guarded and unguarded figures).

    body = dumps(payload)          # bytes, compact
    answer = loads(body)           # integers exact
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["dumps", "dumps_text", "loads"]


def loads(data: bytes | str) -> Any:
    """Decode JSON text, integers of any width exact; `ValueError` when it is not JSON."""
    return json.loads(data)


def dumps(value: Any) -> bytes:
    """Compact JSON as UTF-8 bytes; integers of any width are encoded exactly."""
    try:
        return orjson.dumps(value)
    except TypeError:
        # Wider than 64 bits (orjson refuses), or a type orjson does not know: `json` encodes
        # the former exactly and raises its own TypeError for the latter.
        return json.dumps(value, separators=(",", ":")).encode()


def dumps_text(value: Any) -> str:
    """`dumps` as a `str`, for a WebSocket text frame."""
    return dumps(value).decode()
