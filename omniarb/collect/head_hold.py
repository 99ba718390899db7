"""Holding a head back for a moment until its logs have come on the same socket.

A node sends `newHeads` and each `logs` subscription as separate streams, and their order for
one block is not fixed: anvil 1.7.1 sent a block's head before its logs for 10 to 20% of the
blocks with one `logs` subscription and for most of them with three (measured:
README "The hot path"), the logs following within milliseconds. A state stage given such a
head before its logs asks the node for them (`eth_getLogs` by hash), a round trip on the hot
path. So the collector holds a head while a subscription whose filter may match the block (by
its logs bloom) has sent none of its logs yet: until each has sent its first (each log is
yielded at once; the head follows once the stream then pauses for `settle_s`), or at most
`wait_s`. Another head, a reconnect or the stream's end release it at once. The hold is woken
by the arrivals, never by polling.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from omniarb.chain_events import FilterBloom, LogFilter, NewHead

__all__ = ["HeadHold", "HoldCounters", "HoldSettings", "Lookahead"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class HoldSettings:
    """`wait_s`: the longest a head waits for its first log; `settle_s`: how long a pause in
    the block's logs must last before the head follows them."""

    wait_s: float = 0.01
    settle_s: float = 0.0005


@dataclass(slots=True)
class HoldCounters:
    """`held`: heads held back for their logs; `logs_came`: of those, the ones whose logs came
    in the wait; `expired`: the ones released with some subscription's logs still missing (a
    bloom false positive, or a slow node: the state stage then reads the logs by hash)."""

    held: int = 0
    logs_came: int = 0
    expired: int = 0
    held_ns_total: int = 0  # what the holds added to the heads' latency, summed
    held_ns_max: int = 0

    def released(self, held_ns: int) -> None:
        self.held_ns_total += held_ns
        self.held_ns_max = max(self.held_ns_max, held_ns)


class HeadHold:
    """Which heads to hold, and for which subscriptions' logs.

    A node sends one subscription's logs of a block together, but its subscriptions (and the
    heads) are separate streams, so each `logs` subscription is waited for on its own: a head
    is held while some subscription whose filter may match the block (by its bloom) has sent
    no log of it yet; once the last of them has, the head follows after a pause of `settle_s`
    (that subscription's other logs of the block come right behind its first)."""

    def __init__(self, log_filters: Sequence[LogFilter], settings: HoldSettings) -> None:
        self.settings = settings
        self.counters = HoldCounters()
        self._blooms = [FilterBloom(f) for f in log_filters]
        # Which subscriptions sent logs of recent blocks (some come before their head).
        self._with_logs: OrderedDict[str, set[int]] = OrderedDict()

    def saw_log(self, block_hash: str, subscription: int) -> None:
        """A log of `block_hash` came on the `subscription`-th logs subscription (from 0)."""
        seen = self._with_logs.get(block_hash)
        if seen is None:
            seen = self._with_logs[block_hash] = set()
            while len(self._with_logs) > 256:
                self._with_logs.popitem(last=False)
        seen.add(subscription)

    def outstanding(self, head: NewHead) -> set[int]:
        """The subscriptions that may have logs of `head` and have sent none yet."""
        seen = self._with_logs.get(head.hash, set())
        return {
            index
            for index, bloom in enumerate(self._blooms)
            if index not in seen and bloom.may_match(head.logs_bloom)
        }


class Lookahead(Generic[T]):
    """The next item of an async iterator, awaited with an optional timeout without losing
    it: an item not there in time stays pending (in its own task, which this object owns and
    cancels on `aclose`) and is the next call's answer. Without a pending item and a timeout,
    the iterator is awaited directly (no task on the usual path)."""

    def __init__(self, source: AsyncIterator[T]) -> None:
        self._source = source
        self._pending: asyncio.Future[T] | None = None

    async def next(self, timeout_s: float | None = None) -> T | None:
        """The next item; None if `timeout_s` passed first. StopAsyncIteration at the end."""
        if self._pending is None:
            if timeout_s is None:
                return await anext(self._source)
            self._pending = asyncio.ensure_future(anext(self._source))
        done, _ = await asyncio.wait({self._pending}, timeout=timeout_s)
        if not done:
            return None
        pending, self._pending = self._pending, None
        return pending.result()

    async def aclose(self) -> None:
        """Cancel a pending read and wait for it, so the source can then be closed."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration, Exception):
                await pending
