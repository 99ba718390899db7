"""The pending stream's two bounded memories: a buffer that drops its oldest item when full,
and the set of the last hashes seen."""

from __future__ import annotations

import asyncio

import pytest

from omniarb.collect.pending_buffer import DropOldestBuffer, RecentHashes


def test_the_buffer_drops_its_oldest_when_full() -> None:
    buffer: DropOldestBuffer[int] = DropOldestBuffer(3)
    assert [buffer.put(n) for n in range(5)] == [None, None, None, 0, 1]
    assert len(buffer) == 3
    assert [buffer.get_nowait() for _ in range(4)] == [2, 3, 4, None]
    with pytest.raises(ValueError, match="capacity"):
        DropOldestBuffer(0)


async def test_get_waits_for_an_item() -> None:
    buffer: DropOldestBuffer[str] = DropOldestBuffer(2)
    waiter = asyncio.ensure_future(buffer.get())
    await asyncio.sleep(0)  # let the waiter block on the empty buffer
    assert not waiter.done()
    buffer.put("tx")
    assert await asyncio.wait_for(waiter, timeout=1) == "tx"
    assert len(buffer) == 0


def test_recent_hashes_remember_only_the_last_capacity() -> None:
    recent = RecentHashes(100)
    assert all(recent.add(f"0x{n:064x}") for n in range(1000))
    assert len(recent) == 100
    assert not recent.add(f"0x{999:064x}")  # still remembered: a duplicate
    assert f"0x{899:064x}" not in recent  # aged out
    assert recent.add(f"0x{0:064x}")
