"""A retry loop that catches a library's error must still end when its task is cancelled, even
when the library turned the `CancelledError` into its own error (as redis-py can mid-read)."""

from __future__ import annotations

import asyncio

from omniarb.bus.cancelling import reraise_if_cancelling


async def _library_call(started: asyncio.Event) -> None:
    """Stands for a client whose read is torn down by the cancellation."""
    started.set()
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError as exc:
        raise ConnectionError("connection closed under the read") from exc


async def _retry_loop(started: asyncio.Event, attempts: list[int]) -> None:
    while True:
        try:
            await _library_call(started)
        except ConnectionError as exc:
            reraise_if_cancelling(exc)
            attempts.append(1)


async def test_a_cancelled_retry_loop_ends() -> None:
    started, attempts = asyncio.Event(), []
    task = asyncio.create_task(_retry_loop(started, attempts))
    await asyncio.wait_for(started.wait(), timeout=5)
    task.cancel()
    await asyncio.wait({task}, timeout=5)  # no wait_for: it would cancel and await again
    assert task.done(), "the loop swallowed its cancellation"
    assert task.cancelled()
    assert attempts == []


async def test_an_error_without_a_cancellation_is_left_to_the_caller() -> None:
    reraise_if_cancelling(ConnectionError("refused"))  # no cancellation: returns
