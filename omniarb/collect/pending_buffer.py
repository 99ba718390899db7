"""The two bounded memories of the pending-transaction stream: the buffer between it and its
consumer, which drops its oldest item when full, and the set of recently seen hashes.

A mempool can announce thousands of transactions a second. When the consumer falls behind, the
newest pending transaction is the one still worth backrunning (an old one is likely mined or
outbid already), so a full buffer makes room by dropping its oldest item, and says so in the
return value for the caller to count. The hash set remembers the last `capacity` hashes only: a
transaction announced again after that many others is long decided.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Generic, TypeVar

__all__ = ["DropOldestBuffer", "RecentHashes"]

T = TypeVar("T")


class DropOldestBuffer(Generic[T]):
    """A bounded FIFO for one producer and consumers in one event loop: `put` never waits
    (a full buffer drops its oldest item and returns it), `await get()` waits for an item."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"a buffer needs room for one item, got capacity {capacity}")
        self.capacity = capacity
        self._items: deque[T] = deque()
        self._ready = asyncio.Event()

    def __len__(self) -> int:
        return len(self._items)

    def put(self, item: T) -> T | None:
        """Append `item`; the oldest item if it had to go to make room, else None."""
        dropped = self._items.popleft() if len(self._items) >= self.capacity else None
        self._items.append(item)
        self._ready.set()
        return dropped

    def get_nowait(self) -> T | None:
        """The oldest item, or None when empty."""
        if not self._items:
            return None
        item = self._items.popleft()
        if not self._items:
            self._ready.clear()
        return item

    async def get(self) -> T:
        """The oldest item, waiting for one if empty."""
        while True:
            item = self.get_nowait()
            if item is not None:
                return item
            await self._ready.wait()


class RecentHashes:
    """The last `capacity` hashes added: `add(h)` is True the first time `h` comes within them."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be positive, got {capacity}")
        self.capacity = capacity
        self._members: set[str] = set()
        self._order: deque[str] = deque()

    def __len__(self) -> int:
        return len(self._members)

    def __contains__(self, tx_hash: object) -> bool:
        return tx_hash in self._members

    def add(self, tx_hash: str) -> bool:
        """Remember `tx_hash`; False if it was remembered already (a duplicate)."""
        if tx_hash in self._members:
            return False
        self._members.add(tx_hash)
        self._order.append(tx_hash)
        if len(self._order) > self.capacity:
            self._members.discard(self._order.popleft())
        return True
