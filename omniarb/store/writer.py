"""The batching writer: one task drains a bounded queue into a sink, in batches, off the loop.

Producers (the pipeline's stages) `await writer.put(item)`, which returns as soon as the item is
queued; the writer task gathers up to `max_batch` items, or what arrived within `max_delay_ms`
of the first, and hands the batch to the blocking `sink` in a worker thread
(`asyncio.to_thread`), so the event loop never waits on the database. A full queue makes `put`
wait (backpressure, counted), never drops. `close()` writes everything queued before returning.

A sink that raises `RetryableError` (database unreachable, lock timeout) gets the same batch
again after a backoff; any other error stops the writer: `put` and `close` then raise
`FatalError`, and items still queued are counted as `dropped` (a history with holes must not go
on silently).

The writer owns its task (started on the first `put`) rather than joining the engine's
TaskGroup, because the store outlives any one stage; `close()` awaits the task, so it is never
orphaned.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from omniarb.backoff import Backoff
from omniarb.errors import FatalError, RetryableError

__all__ = ["BatchWriter", "WriterSettings", "WriterStats"]

_log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class WriterSettings:
    """Queue bound, batch size and wait, and the retry backoff of the writer."""

    queue_size: int = 10_000
    max_batch: int = 1_000
    max_delay_ms: float = 20.0
    retry_initial_s: float = 0.05
    retry_max_s: float = 2.0
    # Past this, a batch that keeps failing is given up and the writer stops (FatalError).
    retry_deadline_s: float = 60.0


@dataclass(frozen=True, slots=True, kw_only=True)
class WriterStats:
    """Counters of a writer; `backpressure_waits` counts `put` calls that found the queue full."""

    enqueued: int
    written: int
    batches: int
    backpressure_waits: int
    retries: int
    dropped: int
    pending: int


class _Flush:
    """A marker in the queue: resolved once everything queued before it is written."""

    __slots__ = ("done",)

    def __init__(self, done: asyncio.Future[None]) -> None:
        self.done = done


class _Close:
    """The last item in the queue: the writer writes what it holds and stops."""

    __slots__ = ()


class BatchWriter(Generic[T]):
    """Feeds `sink` (blocking, called in a thread) with batches of the items `put` queues."""

    def __init__(
        self, sink: Callable[[Sequence[T]], None], settings: WriterSettings | None = None
    ) -> None:
        self._sink = sink
        self._settings = settings or WriterSettings()
        self._queue: asyncio.Queue[T | _Flush | _Close] = asyncio.Queue(self._settings.queue_size)
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._failure: BaseException | None = None
        self._enqueued = self._written = self._batches = 0
        self._waits = self._retries = self._dropped = 0

    @property
    def stats(self) -> WriterStats:
        return WriterStats(
            enqueued=self._enqueued,
            written=self._written,
            batches=self._batches,
            backpressure_waits=self._waits,
            retries=self._retries,
            dropped=self._dropped,
            pending=self._queue.qsize(),
        )

    async def put(self, item: T) -> None:
        """Queue `item`; waits while the queue is full. FatalError once closed or failed."""
        self._check_open()
        self._start()
        if self._queue.full():
            self._waits += 1
        await self._queue.put(item)
        self._enqueued += 1

    async def flush(self) -> None:
        """Return once every item queued before this call is written (FatalError if it failed)."""
        self._check_open()
        self._start()
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Flush(done))
        await done
        self._check_open()

    async def close(self) -> None:
        """Write everything queued, stop the task; raises FatalError if writing failed."""
        if not self._closing:
            self._closing = True
            if self._task is not None and not self._task.done():
                await self._queue.put(_Close())
        if self._task is not None:
            await asyncio.shield(self._task)
        if self._failure is not None:
            raise FatalError(f"the history writer stopped: {self._failure}") from self._failure

    def _check_open(self) -> None:
        if self._failure is not None:
            raise FatalError(f"the history writer stopped: {self._failure}") from self._failure
        if self._closing:
            raise FatalError("the history writer is closed")

    def _start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="store-writer")

    async def _run(self) -> None:
        stopping = False
        # After the close marker, items that producers queued behind it (they were already
        # waiting in `put` when close began) are still written: nothing accepted is left behind.
        while not (stopping and self._queue.empty()):
            first = self._queue.get_nowait() if stopping else await self._queue.get()
            batch, markers, stop = await self._next_batch(first, linger=not stopping)
            stopping = stopping or stop
            if batch and self._failure is None:
                await self._write(batch)
            elif batch:
                self._dropped += len(batch)
            for marker in markers:
                if not marker.done.done():
                    marker.done.set_result(None)

    async def _next_batch(
        self, item: T | _Flush | _Close, *, linger: bool
    ) -> tuple[list[T], list[_Flush], bool]:
        """A batch starting with `item`: what is queued now, plus (if `linger`) what arrives
        within `max_delay_ms`; a flush or close marker ends it."""
        settings = self._settings
        batch: list[T] = []
        markers: list[_Flush] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + settings.max_delay_ms / 1000
        while True:
            if isinstance(item, _Close):
                return batch, markers, True
            if isinstance(item, _Flush):
                # Write now: the flusher is waiting, and nothing after it belongs before it.
                markers.append(item)
                return batch, markers, False
            batch.append(item)
            if len(batch) >= settings.max_batch:
                return batch, markers, False
            try:
                item = self._queue.get_nowait()
                continue
            except asyncio.QueueEmpty:
                pass
            remaining = deadline - loop.time()
            if not linger or remaining <= 0 or self._failure is not None:
                return batch, markers, False
            try:
                item = await asyncio.wait_for(self._queue.get(), remaining)
            except TimeoutError:
                return batch, markers, False

    async def _write(self, batch: list[T]) -> None:
        settings = self._settings
        waits = Backoff(initial_s=settings.retry_initial_s, max_s=settings.retry_max_s).waits()
        delay = next(waits)
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + settings.retry_deadline_s
        while True:
            try:
                await asyncio.to_thread(self._sink, batch)
            except RetryableError as exc:
                if loop.time() + delay > give_up_at:
                    self._fail(exc, len(batch))
                    return
                self._retries += 1
                _log.warning("history write failed, retrying in %.2f s: %s", delay, exc)
                await asyncio.sleep(delay)
                delay = next(waits)
            except Exception as exc:
                self._fail(exc, len(batch))
                return
            else:
                self._written += len(batch)
                self._batches += 1
                return

    def _fail(self, exc: BaseException, lost: int) -> None:
        # From here on the task only drains the queue, so producers blocked in `put` wake up.
        self._failure = exc
        self._dropped += lost
        _log.error("history writer stopped after losing %d records: %s", lost, exc)
