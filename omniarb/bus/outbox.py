"""The publisher's outbox: `publish` returns as soon as the entry is queued; one background task
writes the queue to Redis in order, a pipelined batch per round trip.

* **Outage.** A batch that fails stays at the head of the queue and is sent again after a
  backoff (50 ms doubling to 2 s); one warning when the outage starts, one line when it ends —
  never a line per event. Entries queued meanwhile go out behind it, in order.
* **Full.** At `outbox_max_events` queued, `put` waits for room (counted in
  `omniarb_bus_publish_waits_total`): backpressure on the producer, never a drop.
* **Duplicates.** A pipeline cut by a dropped connection may have written part of its batch;
  the whole batch is sent again, so an entry can be in the stream twice. Consumers skip the
  second by its key (see `stream_consumer`), which is why every entry has one.
* **Trimming.** After each `trim_every` entries to a stream longer than `stream_maxlen`, its
  acknowledged entries are trimmed (`trim.trim_acknowledged`).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import Counter as Tally
from collections import deque

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from omniarb.backoff import Backoff
from omniarb.bus.bus_metrics import BusMetrics
from omniarb.bus.cancelling import reraise_if_cancelling
from omniarb.bus.stream_entries import stream_key
from omniarb.bus.trim import trim_acknowledged

__all__ = ["Outbox"]

log = logging.getLogger(__name__)

_BATCH = 512
_BACKOFF = Backoff(initial_s=0.05, max_s=2.0)


class Outbox:
    """A bounded FIFO of (stream, fields) that `run` writes to Redis in order."""

    def __init__(
        self,
        client: aioredis.Redis,
        *,
        prefix: str,
        max_events: int,
        stream_maxlen: int,
        metrics: BusMetrics,
        where: str,
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._max_events = max_events
        self._maxlen = stream_maxlen
        self._trim_every = max(1, stream_maxlen // 10)
        self._metrics = metrics
        self._where = where
        self._items: deque[tuple[str, dict[str, str]]] = deque()
        self._changed = asyncio.Condition()
        self._queued = 0
        self._sent = 0
        self._since_trim: Tally[str] = Tally()
        self._stopping = False

    def __len__(self) -> int:
        return len(self._items)

    @property
    def sent(self) -> int:
        """Entries written to Redis since start."""
        return self._sent

    async def put(self, stream: str, fields: dict[str, str]) -> None:
        """Queue one entry; waits only while the outbox is full."""
        async with self._changed:
            if len(self._items) >= self._max_events:
                self._metrics.publish_waits.inc()
                await self._changed.wait_for(lambda: len(self._items) < self._max_events)
            self._items.append((stream, fields))
            self._queued += 1
            self._metrics.outbox.set(len(self._items))
            self._changed.notify_all()

    async def flush(self) -> None:
        """Wait until every entry queued before this call is in Redis."""
        async with self._changed:
            target = self._queued
            await self._changed.wait_for(lambda: self._sent >= target)

    async def stop(self) -> None:
        """Make `run` return after the command it is in (what is queued stays unsent).

        A flag rather than only a cancellation: a cancellation was seen lost inside the client
        library now and then, leaving the writer running after its bus closed."""
        async with self._changed:
            self._stopping = True
            self._changed.notify_all()

    async def run(self) -> None:
        """Write the queue to Redis until `stop` (or a cancellation)."""
        outage_started: float | None = None
        waits = _BACKOFF.waits()
        while True:
            async with self._changed:
                await self._changed.wait_for(lambda: bool(self._items) or self._stopping)
                if self._stopping:
                    return
                batch = list(itertools.islice(self._items, _BATCH))
            try:
                await self._send(batch)
            except Exception as exc:
                reraise_if_cancelling(exc)
                # Redis unreachable, loading, read-only, out of memory — or a reply redis-py
                # could not parse: the batch stays at the head, and this task must not die,
                # or `publish` would fill the outbox and `flush` wait forever.
                if outage_started is None:
                    outage_started = time.monotonic()
                    log.warning(
                        "bus: writing to Redis at %s failed (%s: %s); %d entries wait in the "
                        "outbox, retried with backoff",
                        self._where,
                        type(exc).__name__,
                        exc,
                        len(self._items),
                    )
                await asyncio.sleep(next(waits))
                continue
            if outage_started is not None:
                log.warning(
                    "bus: Redis at %s back after %.1f s; the outbox is draining",
                    self._where,
                    time.monotonic() - outage_started,
                )
                self._metrics.reconnects.labels("publisher").inc()
                outage_started = None
                waits = _BACKOFF.waits()
            async with self._changed:
                for _ in batch:
                    self._items.popleft()
                self._sent += len(batch)
                self._metrics.outbox.set(len(self._items))
                self._changed.notify_all()
            await self._trim(batch)

    async def _send(self, batch: list[tuple[str, dict[str, str]]]) -> None:
        pipe = self._client.pipeline(transaction=False)
        for stream, fields in batch:
            pipe.xadd(stream_key(self._prefix, stream), fields)  # type: ignore[arg-type]
        await pipe.execute()
        for stream, count in Tally(stream for stream, _ in batch).items():
            self._metrics.published.labels(stream).inc(count)
            self._since_trim[stream] += count

    async def _trim(self, batch: list[tuple[str, dict[str, str]]]) -> None:
        """Trim the streams of `batch` that are due; a failure only postpones it."""
        for stream in {stream for stream, _ in batch}:
            if self._since_trim[stream] < self._trim_every:
                continue
            key = stream_key(self._prefix, stream)
            try:
                if await self._client.xlen(key) <= self._maxlen:
                    self._since_trim[stream] = 0
                    continue
                trimmed = await trim_acknowledged(self._client, key)
            except RedisError as exc:
                reraise_if_cancelling(exc)
                log.warning("bus: trimming %s postponed: %s", key, exc)
                continue
            self._since_trim[stream] = 0
            self._metrics.trimmed.labels(stream).inc(trimmed)
