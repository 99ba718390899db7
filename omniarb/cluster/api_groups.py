"""The API replicas' consumer groups on the EVENTS stream: one per replica, removed when the
replica is gone.

Each API replica reads EVENTS in a group of its own (`api-{replica}`, the replica's registry id
too): every replica must see every message. The bus trims a stream only below what every group
acknowledged, so the group of a replica that is gone would hold the stream's length forever.
A replica therefore destroys its own group when it stops, and at start and every few minutes
destroys the `api-*` groups whose replica is gone: not in the worker registry, and none of
whose consumers read for a registry TTL (an entry expires after three missed heartbeats; both
must hold, so a replica whose Redis link blinked keeps its group).

    await destroy_group(client, prefix, "api-node-a-4242")
    await reap_api_groups(client, prefix, live_ids={"api-node-b-17"}, idle_ms=3000)
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from omniarb.bus.redis_errors import redis_errors
from omniarb.bus.stream_entries import EVENTS, stream_key

__all__ = ["API_GROUP_PREFIX", "destroy_group", "events_key", "reap_api_groups"]

log = logging.getLogger(__name__)

API_GROUP_PREFIX = "api-"


def events_key(prefix: str) -> str:
    """The EVENTS stream's Redis key."""
    return stream_key(prefix, EVENTS)


async def destroy_group(client: aioredis.Redis, prefix: str, group: str, where: str = "") -> bool:
    """Destroy `group` on EVENTS; False when it (or the stream) did not exist."""
    async with redis_errors("removing an events group", where):
        try:
            removed = await client.xgroup_destroy(events_key(prefix), group)
        except ResponseError as exc:
            if "no such key" in str(exc).lower() or "requires the key to exist" in str(exc):
                return False
            raise
    return bool(removed)


async def _groups(client: aioredis.Redis, key: str) -> list[dict[str, Any]]:
    try:
        groups: list[dict[str, Any]] = await client.xinfo_groups(key)
    except ResponseError as exc:
        if "no such key" in str(exc).lower():
            return []
        raise
    return groups


async def reap_api_groups(
    client: aioredis.Redis,
    prefix: str,
    *,
    live_ids: Collection[str],
    idle_ms: int,
    where: str = "",
) -> list[str]:
    """Destroy each `api-*` group on EVENTS whose replica is not in `live_ids` and whose
    consumers have all been idle `idle_ms` or longer; the names destroyed."""
    key = events_key(prefix)
    reaped: list[str] = []
    async with redis_errors("reaping the events groups of gone API replicas", where):
        for group in await _groups(client, key):
            name = str(group["name"])
            if not name.startswith(API_GROUP_PREFIX) or name in live_ids:
                continue
            consumers: list[dict[str, Any]] = await client.xinfo_consumers(key, name)
            if any(int(c["idle"]) < idle_ms for c in consumers):
                continue
            if await client.xgroup_destroy(key, name):
                reaped.append(name)
                log.info(
                    "events group %s removed: its API replica is gone (%d entries pending)",
                    name,
                    int(group["pending"]),
                )
    return reaped
