"""One consumer of a consumer group: at-least-once delivery with idempotent handling.

Per entry read (XREADGROUP `>`, or claimed): if the group's done key for the entry's `key`
exists, the entry is acknowledged and skipped (a duplicate); otherwise the handler runs, and then
the done key (`SET … EX dedupe_ttl_s`) and the XACK are written in one MULTI, for the whole batch
read. So:

* an entry is acknowledged only after its handler returned: a consumer that dies (or loses
  Redis) in between leaves it pending, and it is delivered again — to this consumer or, once it
  has been idle `claim_idle_s`, to whichever consumer of the group claims it first;
* the done key is written *after* the handler, so a crash between the two (or two consumers
  that read the same key from two entries at once) runs the handler twice for one key. Handlers
  must be idempotent themselves (an upsert by opportunity id, a trade by transaction hash); the
  done key only keeps the repeats rare and cheap;
* a handler that raises leaves the entry pending; it is redelivered when it has been idle
  `claim_idle_s`, and after `max_deliveries` deliveries it is moved to `{stream}:dead` and
  acknowledged (counted, logged) instead of looping forever.

Claiming: every `claim_idle_s / 2`, XPENDING lists the group's entries idle at least
`claim_idle_s` (at most 100) and XCLAIM takes them (XCLAIM re-checks the idle time, so two
consumers claiming at once cannot both get one). A live consumer's entries are idle too while
it works through a read batch (up to 256), so `claim_idle_s` must exceed the longest batch a
handler takes, or a slow batch is handled twice. A Redis error (unreachable, loading, read-only,
out of memory) ends in a retry with backoff (50 ms doubling to 2 s; one warning per outage); a
group lost with Redis's data (`NOGROUP`) is created again from id 0. An entry whose fields do not
decode (not written by `StreamBus.publish`) goes to the dead stream at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError, ResponseError

from omniarb._config_cluster import ClusterSettings
from omniarb.backoff import Backoff
from omniarb.bus.bus_metrics import BusMetrics
from omniarb.bus.cancelling import reraise_if_cancelling
from omniarb.bus.redis_errors import redis_errors
from omniarb.bus.stream_entries import (
    StreamBacklog,
    StreamEntry,
    dead_key,
    decode_entry,
    done_key,
    stream_key,
)
from omniarb.bus.trim import parse_id

__all__ = ["Handler", "StreamConsumer", "read_backlog"]

log = logging.getLogger(__name__)

Handler = Callable[[StreamEntry], Awaitable[None]]

_BACKOFF = Backoff(initial_s=0.05, max_s=2.0)
_READ_COUNT = 256
_CLAIM_COUNT = 100
_MAX_BLOCK_MS = 1000


class StreamConsumer:
    """Consumer `consumer` of `group` on stream `stream` (`StreamBus.consumer` makes one)."""

    def __init__(
        self,
        client: aioredis.Redis,
        *,
        prefix: str,
        stream: str,
        group: str,
        consumer: str,
        cluster: ClusterSettings,
        metrics: BusMetrics,
        where: str,
    ) -> None:
        self._client = client
        self._where = where
        self._prefix = prefix
        self._key = stream_key(prefix, stream)
        self.stream, self.group, self.name = stream, group, consumer
        self._claim_idle_ms = max(1, round(cluster.claim_idle_s * 1000))
        self._claim_every_s = cluster.claim_idle_s / 2
        self._block_ms = max(1, min(_MAX_BLOCK_MS, self._claim_idle_ms // 2))
        self._dedupe_ttl_s = max(1, round(cluster.dedupe_ttl_s))
        self._max_deliveries = cluster.max_deliveries
        self._metrics = metrics
        self._labels = (stream, group)

    async def run(self, handler: Handler, *, stop: asyncio.Event) -> None:
        """Handle the group's entries until `stop` is set; survives Redis outages."""
        outage_started: float | None = None
        waits = _BACKOFF.waits()
        while not stop.is_set():
            try:
                await self._ensure_group()
                if outage_started is not None:
                    log.warning(
                        "bus consumer %s/%s: Redis back after %.1f s",
                        self.group,
                        self.name,
                        time.monotonic() - outage_started,
                    )
                    self._metrics.reconnects.labels("consumer").inc()
                    outage_started = None
                    waits = _BACKOFF.waits()
                await self._serve(handler, stop)
            except (RedisError, OSError) as exc:
                reraise_if_cancelling(exc)
                # Unreachable, loading its data, read-only after a failover, out of memory:
                # all pass; the entries wait in the group meanwhile.
                if outage_started is None:
                    outage_started = time.monotonic()
                    log.warning(
                        "bus consumer %s/%s: Redis unavailable (%s); retrying",
                        self.group,
                        self.name,
                        exc,
                    )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=next(waits))

    async def backlog(self) -> StreamBacklog:
        """This consumer's group's backlog on its stream."""
        return await read_backlog(self._client, self._prefix, self.stream, self.group, self._where)

    async def _ensure_group(self) -> None:
        """Create the group from id 0 (entries published before it existed are read)."""
        try:
            await self._client.xgroup_create(self._key, self.group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def _serve(self, handler: Handler, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        next_claim = 0.0
        while not stop.is_set():
            if loop.time() >= next_claim:
                await self._claim(handler)
                next_claim = loop.time() + self._claim_every_s
            try:
                answer: Any = await self._client.xreadgroup(
                    self.group,
                    self.name,
                    {self._key: ">"},
                    count=_READ_COUNT,
                    block=self._block_ms,
                )
            except ResponseError as exc:
                # NOGROUP: the group is gone; "no longer exists": the stream was deleted under
                # a blocked read (Redis 7 answers that instead of NOGROUP).
                if "NOGROUP" not in str(exc) and "no longer exists" not in str(exc):
                    raise
                log.warning(
                    "bus group %s on %s lost (Redis data lost?); re-created from 0",
                    self.group,
                    self._key,
                )
                await self._ensure_group()
                continue
            raw = [
                (entry_id, fields, 1) for _key, batch in answer or () for entry_id, fields in batch
            ]
            entries = await self._decode(raw)
            if entries:
                await self._handle(entries, handler)

    async def _claim(self, handler: Handler) -> None:
        """Take over the group's entries idle past `claim_idle_s` (ours included: a handler
        that raised is retried this way) and handle them."""
        idle: list[dict[str, Any]] = await self._client.xpending_range(
            self._key, self.group, min="-", max="+", count=_CLAIM_COUNT, idle=self._claim_idle_ms
        )
        if not idle:
            return
        owners = {str(p["message_id"]): str(p["consumer"]) for p in idle}
        deliveries = {str(p["message_id"]): int(p["times_delivered"]) + 1 for p in idle}
        claimed: Any = await self._client.xclaim(
            self._key, self.group, self.name, self._claim_idle_ms, list(owners)
        )
        entries = await self._decode(
            [(entry_id, fields, deliveries.get(entry_id, 1)) for entry_id, fields in claimed or ()]
        )
        taken = sum(1 for e in entries if owners.get(e.id) != self.name)
        if taken:
            self._metrics.claimed.labels(*self._labels).inc(taken)
            log.info("bus consumer %s/%s claimed %d idle entries", self.group, self.name, taken)
        if entries:
            await self._handle(entries, handler)

    async def _decode(self, raw: list[tuple[str, Any, int]]) -> list[StreamEntry]:
        """The entries of (id, fields, deliveries); one whose fields cannot be decoded (not
        written by `StreamBus.publish`) is dead-lettered at once: no handler could take it."""
        entries: list[StreamEntry] = []
        for entry_id, fields, deliveries in raw:
            if fields is None:  # deleted from the stream while pending
                continue
            try:
                entries.append(decode_entry(self.stream, entry_id, fields, deliveries))
            except (ValueError, TypeError) as exc:
                log.error(  # noqa: TRY400 - the entry is the problem, not the code: no trace
                    "bus entry %s %s cannot be decoded: %s", self.stream, entry_id, exc
                )
                await self._move_to_dead(entry_id, dict(fields), deliveries)
        return entries

    async def _handle(self, entries: Sequence[StreamEntry], handler: Handler) -> None:
        live: list[StreamEntry] = []
        for entry in entries:
            if entry.deliveries > self._max_deliveries:
                await self._dead_letter(entry)
            else:
                live.append(entry)
        if not live:
            return
        keys = [done_key(self._prefix, self.stream, self.group, e.key) for e in live]
        already = await self._client.mget(keys)
        done: list[tuple[StreamEntry, str]] = []
        skipped: list[str] = []
        handled_keys: set[str] = set()
        for entry, key, seen in zip(live, keys, already, strict=True):
            if seen is not None or entry.key in handled_keys:
                skipped.append(entry.id)
                continue
            try:
                await handler(entry)
            except Exception as exc:
                reraise_if_cancelling(exc)
                self._metrics.handler_errors.labels(*self._labels).inc()
                log.exception(
                    "bus handler failed on %s %s (key %s, delivery %d); left for redelivery",
                    self.stream,
                    entry.id,
                    entry.key,
                    entry.deliveries,
                )
                continue
            done.append((entry, key))
            handled_keys.add(entry.key)
        if not done and not skipped:
            return
        pipe = self._client.pipeline(transaction=True)
        for entry, key in done:
            pipe.set(key, entry.id, ex=self._dedupe_ttl_s)
        pipe.xack(self._key, self.group, *(e.id for e, _ in done), *skipped)
        await pipe.execute()
        self._metrics.handled.labels(*self._labels).inc(len(done))
        self._metrics.duplicates.labels(*self._labels).inc(len(skipped))

    async def _dead_letter(self, entry: StreamEntry) -> None:
        fields = {
            "type": entry.type,
            "key": entry.key,
            "producer": entry.producer,
            "data": json.dumps(entry.data, separators=(",", ":")),
        }
        await self._move_to_dead(entry.id, fields, entry.deliveries - 1)
        log.error(
            "bus entry %s %s (key %s) failed %d deliveries in group %s: moved to %s",
            self.stream,
            entry.id,
            entry.key,
            entry.deliveries - 1,
            self.group,
            dead_key(self._prefix, self.stream),
        )

    async def _move_to_dead(self, entry_id: str, fields: dict[str, str], failed: int) -> None:
        """XADD the entry to the dead stream with where it came from, and XACK it, atomically."""
        dead = {**fields, "origin_id": entry_id, "group": self.group, "deliveries": str(failed)}
        pipe = self._client.pipeline(transaction=True)
        pipe.xadd(dead_key(self._prefix, self.stream), dead)  # type: ignore[arg-type]
        pipe.xack(self._key, self.group, entry_id)
        await pipe.execute()
        self._metrics.dead_lettered.labels(*self._labels).inc()


async def read_backlog(
    client: aioredis.Redis, prefix: str, stream: str, group: str, where: str
) -> StreamBacklog:
    """`group`'s backlog on `stream` from XINFO GROUPS and XPENDING (`RetryableError` when Redis
    is unreachable). A group not created yet has the whole stream as its lag."""
    key = stream_key(prefix, stream)
    async with redis_errors("reading the bus backlog", where):
        length = int(await client.xlen(key))
        groups: list[dict[str, Any]] = await client.xinfo_groups(key) if length else []
        info = next((g for g in groups if g["name"] == group), None)
        if info is None:
            return StreamBacklog(stream=stream, group=group, lag=length, pending=0, oldest_age_s=0)
        lag = info.get("lag")
        if lag is None:
            # Redis cannot tell after deletions in the range: count what is left past the group.
            unread: Any = await client.xrange(key, min=f"({info['last-delivered-id']}", max="+")
            lag = len(unread or ())
        pending = int(info["pending"])
        oldest_age_s = 0.0
        if pending:
            summary: dict[str, Any] = await client.xpending(key, group)
            if summary.get("min") is not None:
                now_ms = time.time() * 1000
                oldest_age_s = max(0.0, (now_ms - parse_id(str(summary["min"]))[0]) / 1000)
    return StreamBacklog(
        stream=stream, group=group, lag=int(lag), pending=pending, oldest_age_s=oldest_age_s
    )
