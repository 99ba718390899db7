"""The bus's values and key layout: what an entry is, and where each thing lives in Redis.

    {prefix}stream:{name}                      the stream (XADD fields: type, key, producer, data)
    {prefix}stream:{name}:dead                 entries a group gave up on after `max_deliveries`
    {prefix}done:{name}:{group}:{key}          "this group handled `key`", kept `dedupe_ttl_s`

`data` is JSON text; a big integer travels as the string its producer made of it (the hub's
codec already does so), because JSON readers in other languages lose precision past 2**53.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

__all__ = [
    "EVENTS",
    "POOLS",
    "StreamBacklog",
    "StreamEntry",
    "dead_key",
    "decode_entry",
    "done_key",
    "encode_fields",
    "stream_key",
]

# The live messages of every worker (`omniarb.api.live.MESSAGE_TYPES`), for the API's hub.
EVENTS: Final = "events"
# Each worker's pool updates (`omniarb.bus.pool_codec`), for the coordinator's cross-chain view.
POOLS: Final = "pools"


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamEntry:
    """One bus entry as a handler gets it (`deliveries`: 1 on the first delivery)."""

    stream: str
    id: str
    type: str
    key: str
    data: dict[str, Any]
    producer: str
    deliveries: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamBacklog:
    """A group's backlog on a stream: entries not yet delivered (`lag`), delivered but not
    acknowledged (`pending`), and the age of the oldest of those in seconds (from the time its
    id was assigned by XADD, so it grows while the entry waits, whoever holds it)."""

    stream: str
    group: str
    lag: int
    pending: int
    oldest_age_s: float


def stream_key(prefix: str, name: str) -> str:
    return f"{prefix}stream:{name}"


def dead_key(prefix: str, name: str) -> str:
    return f"{prefix}stream:{name}:dead"


def done_key(prefix: str, name: str, group: str, key: str) -> str:
    return f"{prefix}done:{name}:{group}:{key}"


def encode_fields(type_: str, key: str, producer: str, data: Mapping[str, Any]) -> dict[str, str]:
    """The XADD fields of one entry; raises `TypeError` at once for data JSON cannot carry, in
    the caller's frame rather than later in the background flush."""
    if not key:
        raise ValueError("a bus entry needs a non-empty key (its idempotency key)")
    text = json.dumps(data, separators=(",", ":"))
    return {"type": type_, "key": key, "producer": producer, "data": text}


def decode_entry(
    stream: str, entry_id: str, fields: Mapping[str, str], deliveries: int = 1
) -> StreamEntry:
    """The entry XREADGROUP or XAUTOCLAIM returned (a `decode_responses` client's strings)."""
    return StreamEntry(
        stream=stream,
        id=entry_id,
        type=fields.get("type", ""),
        key=fields.get("key", entry_id),
        data=json.loads(fields.get("data", "{}")),
        producer=fields.get("producer", ""),
        deliveries=deliveries,
    )
