"""The coordinator's intake of the workers' pool updates from the bus.

Delivery is at least once (a consumer that dies before acknowledging has its entries claimed
by another; a worker's standby may publish a block its active twin already did), so the intake
applies each block once: an update whose (chain, block hash) it has applied is skipped, and so
is one older than the newest block applied for its chain (a redelivery behind the stream).
An update at the same height with another hash (a reorg replacing the head) is applied: it
carries the states of the chain the worker now follows.

    intake = PoolIntake(feed=coordinator.feed, keep=snapshot.record)
    await consumer.run(intake.handle, stop=stop)
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from omniarb.bus.pool_codec import PoolCodec, PoolCodecError, decode_update
from omniarb.bus.pool_feed import POOL_UPDATE
from omniarb.bus.streams import StreamEntry
from omniarb.types import PoolUpdate

__all__ = ["BlockOnce", "IntakeCounts", "PoolIntake"]

log = logging.getLogger(__name__)

_REMEMBERED_BLOCKS = 4096

Verdict = Literal["apply", "duplicate", "stale"]


class BlockOnce:
    """Which (chain, block) updates to apply: each block hash once, none older than the newest
    applied (module docstring). Remembers the last `remembered` hashes."""

    def __init__(self, remembered: int = _REMEMBERED_BLOCKS) -> None:
        self._remembered = remembered
        self._seen: dict[tuple[str, str], None] = {}
        self._newest: dict[str, int] = {}

    def newest(self, chain: str) -> int | None:
        """The newest block number applied for `chain` (None: none yet)."""
        return self._newest.get(chain)

    def check(self, chain: str, block_number: int, block_hash: str) -> Verdict:
        """Whether to apply this block's update ("apply"), or not: "duplicate" (applied
        before), "stale" (older than the newest applied)."""
        if (chain, block_hash.lower()) in self._seen:
            return "duplicate"
        newest = self._newest.get(chain)
        if newest is not None and block_number < newest:
            return "stale"
        return "apply"

    def record(self, chain: str, block_number: int, block_hash: str) -> None:
        """This block's update was applied (after it was, so one cut short is applied when
        it is delivered again)."""
        self._seen[(chain, block_hash.lower())] = None
        if len(self._seen) > self._remembered:
            del self._seen[next(iter(self._seen))]
        newest = self._newest.get(chain)
        self._newest[chain] = block_number if newest is None else max(newest, block_number)


@dataclass(slots=True)
class IntakeCounts:
    """What the intake did with the entries it was handed."""

    applied: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    stale: int = 0
    malformed: int = 0
    other_types: int = 0


class PoolIntake:
    """A bus handler: decodes each `pool-update`, applies each block once: `keep` records it
    (`pool_snapshot`, before the entry is acknowledged), then `feed` queues it for the
    detector."""

    def __init__(
        self,
        *,
        feed: Callable[[str, PoolUpdate], Awaitable[None]],
        keep: Callable[[str, PoolUpdate], Awaitable[None]] | None = None,
        codec: PoolCodec | None = None,
        blocks: BlockOnce | None = None,
    ) -> None:
        self._feed = feed
        self._keep = keep
        self._codec = codec or PoolCodec()
        self.blocks = blocks or BlockOnce()
        self.counts = IntakeCounts()

    async def handle(self, entry: StreamEntry) -> None:
        """One bus entry. A malformed one is dropped and counted (returning acknowledges it:
        delivering it again would fail the same way)."""
        if entry.type != POOL_UPDATE:
            self.counts.other_types += 1
            return
        try:
            chain, update = decode_update(entry.data, self._codec)
        except PoolCodecError as exc:
            self.counts.malformed += 1
            log.warning("pool update %s from %s dropped: %s", entry.id, entry.producer, exc)
            return
        verdict = self.blocks.check(chain, update.block_number, update.block_hash)
        if verdict == "duplicate":
            self.counts.duplicates += 1
            return
        if verdict == "stale":
            self.counts.stale += 1
            return
        if self._keep is not None:
            await self._keep(chain, update)
        await self._feed(chain, update)
        self.blocks.record(chain, update.block_number, update.block_hash)
        self.counts.applied[chain] = self.counts.applied.get(chain, 0) + 1
