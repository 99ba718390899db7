"""The bus between the scaled-out roles: Redis Streams with consumer groups.

At-least-once: an entry stays pending in its group until a consumer acknowledges it after its
handler returned; the pending entries of a consumer that died are claimed by another after
`claim_idle_s`. Handlers are idempotent: each entry carries a `key` (an opportunity id, a
transaction hash, a chain and block hash) and a key handled once by a group is skipped after
(`stream_consumer`). A publish while Redis is unreachable waits in a bounded outbox and goes out
on reconnect (`outbox`). Streams are trimmed only below what every group acknowledged (`trim`).
Keys: `stream_entries`; metrics: `bus_metrics`; design notes: docs/design/bus.md.

    bus = await StreamBus.connect(settings.redis, settings.cluster, producer="worker-ethereum-a")
    await bus.publish(EVENTS, "trade", key="0xabc…", data={...})
    consumer = bus.consumer(EVENTS, group="api", consumer="api-1")
    await consumer.run(handle, stop=stop_event)       # handle(entry) -> Awaitable[None]
    await bus.close()                                 # flushes the outbox first (bounded)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from omniarb._config_cluster import ClusterSettings
from omniarb.bus.bus_metrics import BusMetrics
from omniarb.bus.outbox import Outbox
from omniarb.bus.redis_errors import redis_errors
from omniarb.bus.stream_consumer import Handler, StreamConsumer, read_backlog
from omniarb.bus.stream_entries import (
    EVENTS,
    POOLS,
    StreamBacklog,
    StreamEntry,
    encode_fields,
    stream_key,
)
from omniarb.config import RedisSettings
from omniarb.errors import NotRunningError

__all__ = [
    "EVENTS",
    "POOLS",
    "Handler",
    "StreamBacklog",
    "StreamBus",
    "StreamConsumer",
    "StreamEntry",
]

log = logging.getLogger(__name__)

# Above the longest XREADGROUP BLOCK (1 s), so a blocked read is never taken for a dead socket.
_SOCKET_TIMEOUT_S = 10.0
_CONNECT_TIMEOUT_S = 2.0


class StreamBus:
    """Publishes to and consumes from the cluster's streams, on one Redis connection pool."""

    def __init__(
        self,
        client: aioredis.Redis,
        redis: RedisSettings,
        cluster: ClusterSettings,
        *,
        producer: str,
        metrics: BusMetrics,
    ) -> None:
        self._client = client
        self._prefix = redis.key_prefix
        self._where = redis.url
        self._cluster = cluster
        self.producer = producer
        self.metrics = metrics
        self._outbox = Outbox(
            client,
            prefix=redis.key_prefix,
            max_events=cluster.outbox_max_events,
            stream_maxlen=redis.stream_maxlen,
            metrics=metrics,
            where=redis.url,
        )
        # The outbox's one writer lives as long as the bus; `close` ends it.
        self._flusher = asyncio.get_running_loop().create_task(
            self._outbox.run(), name=f"bus-outbox-{producer}"
        )

    @classmethod
    async def connect(
        cls,
        redis: RedisSettings,
        cluster: ClusterSettings,
        *,
        producer: str,
        metrics: BusMetrics | None = None,
    ) -> StreamBus:
        """A bus on `redis.url`, checked with PING (`NotRunningError` if none answers).

        Once connected, an outage is survived: publishes wait in the outbox, consumers
        reconnect. redis-py's own retries are off: our loops retry, with backoff and counted."""
        client = aioredis.Redis.from_url(
            redis.url,
            decode_responses=True,
            socket_timeout=_SOCKET_TIMEOUT_S,
            socket_connect_timeout=_CONNECT_TIMEOUT_S,
            retry=Retry(NoBackoff(), 0),
        )
        try:
            await client.ping()
        except (RedisConnectionError, RedisTimeoutError) as exc:
            await client.aclose()
            raise NotRunningError(f"no Redis answers at {redis.url}: {exc}") from exc
        return cls(client, redis, cluster, producer=producer, metrics=metrics or BusMetrics())

    def stream_key(self, stream: str) -> str:
        """The Redis key of `stream` (`{prefix}stream:{name}`)."""
        return stream_key(self._prefix, stream)

    @property
    def outbox_size(self) -> int:
        """Entries published but not yet in Redis."""
        return len(self._outbox)

    async def publish(self, stream: str, type_: str, *, key: str, data: Mapping[str, Any]) -> None:
        """Queue one entry for `stream`; returns at once unless the outbox is full (then it
        waits for room). `key` is the entry's idempotency key; `data` must be JSON-able."""
        if self._flusher.done():
            failure = None if self._flusher.cancelled() else self._flusher.exception()
            raise RuntimeError("the bus is closed") from failure
        await self._outbox.put(stream, encode_fields(type_, key, self.producer, data))

    async def flush(self) -> None:
        """Wait until every entry published before this call is in Redis (`RuntimeError` if
        the outbox's writer has stopped: nothing would ever complete the flush)."""
        flushed = asyncio.ensure_future(self._outbox.flush())
        try:
            await asyncio.wait({flushed, self._flusher}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not flushed.done():
                flushed.cancel()
        if flushed.cancelled() or not flushed.done():
            raise RuntimeError("the bus is closed: its outbox writer has stopped")

    def consumer(self, stream: str, *, group: str, consumer: str) -> StreamConsumer:
        """Consumer `consumer` of `group` on `stream` (the group is created by its `run`)."""
        return StreamConsumer(
            self._client,
            prefix=self._prefix,
            stream=stream,
            group=group,
            consumer=consumer,
            cluster=self._cluster,
            metrics=self.metrics,
            where=self._where,
        )

    async def backlog(self, stream: str, group: str) -> StreamBacklog:
        """`group`'s backlog on `stream` (`RetryableError` while Redis is unreachable)."""
        return await read_backlog(self._client, self._prefix, stream, group, self._where)

    async def length(self, stream: str) -> int:
        """XLEN of `stream` (`RetryableError` while Redis is unreachable)."""
        async with redis_errors("reading a bus stream's length", self._where):
            return int(await self._client.xlen(self.stream_key(stream)))

    async def close(self, *, timeout_s: float = 5.0) -> None:
        """Flush the outbox (for at most `timeout_s`), stop its writer, close the pool. What
        could not be sent in time is logged with its count: it is lost with this process."""
        if not self._flusher.done():
            try:
                await asyncio.wait_for(self._outbox.flush(), timeout=timeout_s)
            except TimeoutError:
                log.error(  # noqa: TRY400 - the timeout is the expected cause, its trace says nothing
                    "bus %s closed with %d entries unsent (Redis at %s unreachable for %.1f s)",
                    self.producer,
                    len(self._outbox),
                    self._where,
                    timeout_s,
                )
            # Bounded throughout: a close must not hang on a writer stuck in a library call.
            await self._outbox.stop()
            await asyncio.wait({self._flusher}, timeout=timeout_s)
            if not self._flusher.done():
                self._flusher.cancel()
                await asyncio.wait({self._flusher}, timeout=1.0)
            if not self._flusher.done():
                log.error("bus %s: the outbox writer did not stop", self.producer)
        await self._client.aclose()
