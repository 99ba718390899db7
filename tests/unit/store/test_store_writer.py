"""BatchWriter: batches, flush, close, backpressure, retries and failure, with a real sink."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence

import pytest

from omniarb.errors import FatalError, RetryableError
from omniarb.store.writer import BatchWriter, WriterSettings


class ListSink:
    """Appends each batch to a list (in the writer's worker thread), optionally slowly."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.batches: list[list[int]] = []
        self.threads: set[int] = set()
        self.delay_s = delay_s

    def __call__(self, batch: Sequence[int]) -> None:
        self.threads.add(threading.get_ident())
        if self.delay_s:
            time.sleep(self.delay_s)
        self.batches.append(list(batch))

    @property
    def items(self) -> list[int]:
        return [item for batch in self.batches for item in batch]


async def test_close_writes_everything_in_order_in_bounded_batches() -> None:
    sink = ListSink()
    writer = BatchWriter(sink, WriterSettings(queue_size=100, max_batch=7, max_delay_ms=5))
    for item in range(250):
        await writer.put(item)
    await writer.close()
    assert sink.items == list(range(250))
    assert max(len(batch) for batch in sink.batches) <= 7
    stats = writer.stats
    assert (stats.enqueued, stats.written, stats.pending, stats.dropped) == (250, 250, 0, 0)
    assert stats.batches == len(sink.batches)


async def test_sink_runs_off_the_event_loop_thread() -> None:
    sink = ListSink()
    writer = BatchWriter(sink)
    await writer.put(1)
    await writer.close()
    assert sink.threads
    assert threading.get_ident() not in sink.threads


async def test_items_arriving_within_the_delay_share_a_batch() -> None:
    sink = ListSink()
    writer = BatchWriter(sink, WriterSettings(max_batch=1000, max_delay_ms=5000))
    for item in range(5):
        await writer.put(item)
        await asyncio.sleep(0.005)
    await writer.flush()
    assert sink.batches == [[0, 1, 2, 3, 4]]
    await writer.close()


async def test_flush_returns_after_earlier_items_are_written() -> None:
    sink = ListSink(delay_s=0.01)
    writer = BatchWriter(sink, WriterSettings(max_batch=3, max_delay_ms=1000))
    for item in range(10):
        await writer.put(item)
    await writer.flush()
    assert sink.items == list(range(10))
    await writer.put(10)
    await writer.close()
    assert sink.items == list(range(11))


async def test_full_queue_makes_put_wait_and_counts_it() -> None:
    sink = ListSink(delay_s=0.02)
    writer = BatchWriter(sink, WriterSettings(queue_size=4, max_batch=2, max_delay_ms=1))
    for item in range(40):
        await writer.put(item)
    assert writer.stats.backpressure_waits > 0
    await writer.close()
    assert sink.items == list(range(40))


async def test_retryable_errors_retry_the_same_batch() -> None:
    attempts: list[list[int]] = []

    def flaky(batch: Sequence[int]) -> None:
        attempts.append(list(batch))
        if len(attempts) < 3:
            raise RetryableError("database locked")

    writer = BatchWriter(flaky, WriterSettings(retry_initial_s=0.001, max_delay_ms=50))
    for item in range(3):
        await writer.put(item)
    await writer.close()
    assert attempts == [[0, 1, 2]] * 3
    assert writer.stats.retries == 2
    assert writer.stats.written == 3


async def test_other_errors_stop_the_writer_loudly() -> None:
    def broken(batch: Sequence[int]) -> None:
        raise ValueError("schema mismatch")

    writer = BatchWriter(broken, WriterSettings(queue_size=2, max_batch=1, max_delay_ms=1))
    await writer.put(1)
    # The flush returns once the write of 1 was tried, and raises: the writer has stopped.
    with pytest.raises(FatalError, match="schema mismatch"):
        await asyncio.wait_for(writer.flush(), 5)
    with pytest.raises(FatalError, match="schema mismatch"):
        await writer.put(2)
    with pytest.raises(FatalError, match="schema mismatch"):
        await writer.close()
    assert writer.stats.dropped == 1
    assert writer.stats.written == 0


async def test_retries_give_up_after_the_deadline() -> None:
    def down(batch: Sequence[int]) -> None:
        raise RetryableError("connection refused")

    settings = WriterSettings(retry_initial_s=0.01, retry_max_s=0.01, retry_deadline_s=0.05)
    writer = BatchWriter(down, settings)
    await writer.put(1)
    with pytest.raises(FatalError, match="connection refused"):
        await writer.close()
    assert writer.stats.retries >= 2
    assert writer.stats.dropped == 1


async def test_put_after_close_is_refused() -> None:
    writer = BatchWriter(ListSink())
    await writer.close()
    with pytest.raises(FatalError, match="closed"):
        await writer.put(1)


async def test_close_is_idempotent_and_cheap_without_items() -> None:
    sink = ListSink()
    writer = BatchWriter(sink)
    await writer.close()
    await writer.close()
    assert sink.batches == []


async def test_producers_waiting_in_put_when_close_begins_are_written() -> None:
    sink = ListSink(delay_s=0.05)
    writer = BatchWriter(sink, WriterSettings(queue_size=1, max_batch=1, max_delay_ms=1))
    await writer.put(0)
    await writer.put(1)
    waiting = [asyncio.create_task(writer.put(item)) for item in (2, 3, 4)]
    await asyncio.sleep(0)
    assert not any(task.done() for task in waiting)
    await writer.close()
    await asyncio.gather(*waiting)
    assert sink.items == [0, 1, 2, 3, 4]
    assert writer.stats.backpressure_waits >= 3
