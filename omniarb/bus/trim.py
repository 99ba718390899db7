"""Trimming a stream without losing what a group has not acknowledged.

A capped XADD (`MAXLEN ~ n`) drops the oldest entries whether or not every group has read and
acknowledged them: a consumer that was down for a while would silently lose its backlog. We trim
with `XTRIM MINID floor` instead, where `floor` is, over every group of the stream, the lowest
of the id just past its last-delivered one and its lowest pending id: every entry below it was
delivered to and acknowledged by every group. The stream may therefore grow past
`stream_maxlen` while a group lags (the `omniarb_bus_backlog` and `omniarb_bus_stream_length`
gauges show it, and an alert can); a stream with no group at all is never trimmed, so entries
published before the first consumer started are read by it.
"""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis

__all__ = ["parse_id", "trim_acknowledged", "trim_floor"]


def parse_id(entry_id: str) -> tuple[int, int]:
    """`"<ms>-<seq>"` as a pair that orders as Redis orders ids."""
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


async def trim_floor(client: aioredis.Redis, key: str) -> str | None:
    """The lowest id any group still needs on stream `key` (None: no group, trim nothing)."""
    groups: list[dict[str, Any]] = await client.xinfo_groups(key)
    floor: str | None = None
    for group in groups:
        ms, seq = parse_id(str(group["last-delivered-id"]))
        bound = f"{ms}-{seq + 1}"  # everything up to the last-delivered id was delivered
        if int(group["pending"]) > 0:
            summary: dict[str, Any] = await client.xpending(key, group["name"])
            lowest = summary.get("min")
            if lowest is not None and parse_id(str(lowest)) < parse_id(bound):
                bound = str(lowest)
        if floor is None or parse_id(bound) < parse_id(floor):
            floor = bound
    return floor


async def trim_acknowledged(client: aioredis.Redis, key: str) -> int:
    """Delete the entries of `key` below its `trim_floor`; returns how many went."""
    floor = await trim_floor(client, key)
    if floor is None or parse_id(floor) <= (0, 1):
        return 0
    return int(await client.xtrim(key, minid=floor, approximate=False))
