"""The coordinator's cross-chain view mirrored in Redis (`omniarb.bus.curve_mirror`), so the
other processes (the API, the workers) see the curves it prices.

The coordinator runs its detector off the event loop (`asyncio.to_thread`), so the detector
wrapper hands the curves each block changed to the loop (`call_soon_threadsafe`); the outbox
keeps the newest curve per (chain, asset) until it is written, so a slow Redis costs writes of
curves superseded meanwhile, never memory or the detector's pace.

    outbox = CurveOutbox(mirror)
    detector = MirroredDetector(CrossChainDetector(...), outbox)   # what the coordinator calls
    await outbox.run(stop)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from omniarb.cross_chain_types import CrossChainOpportunity, CurveSnapshot, LegFee
from omniarb.detect.cross_chain import CrossChainDetector
from omniarb.dex.base import PoolState
from omniarb.errors import RetryableError

__all__ = ["CurveOutbox", "CurveWriter", "MirroredDetector"]

log = logging.getLogger(__name__)


class CurveWriter(Protocol):
    """Where the curves go (`omniarb.bus.curve_mirror.CurveMirror`)."""

    async def put_curves(self, snapshots: Iterable[CurveSnapshot]) -> int: ...


class CurveOutbox:
    """The newest unwritten curve per (chain, asset), written by `run`."""

    def __init__(self, writer: CurveWriter) -> None:
        self._writer = writer
        self._loop = asyncio.get_running_loop()
        self._pending: dict[tuple[str, str], CurveSnapshot] = {}
        self._ready = asyncio.Event()
        self.written = 0
        self.failures = 0

    def offer(self, snapshots: Iterable[CurveSnapshot]) -> None:
        """From any thread: these curves changed."""
        found = tuple(snapshots)
        if found:
            self._loop.call_soon_threadsafe(self._merge, found)

    def _merge(self, snapshots: tuple[CurveSnapshot, ...]) -> None:
        for snapshot in snapshots:
            self._pending[(snapshot.chain, snapshot.identity)] = snapshot
        self._ready.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Write what is offered until `stop` is set."""
        stopped = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                ready = asyncio.ensure_future(self._ready.wait())
                await asyncio.wait((ready, stopped), return_when=asyncio.FIRST_COMPLETED)
                ready.cancel()
                if not self._pending:
                    continue
                self._ready.clear()
                batch, self._pending = self._pending, {}
                try:
                    self.written += await self._writer.put_curves(batch.values())
                except RetryableError as exc:
                    # The TTL expires the mirrored curves meanwhile: nobody trades on a stale
                    # one. The next block's curves are written when Redis is back.
                    self.failures += 1
                    log.warning("cross-chain curves not mirrored: %s", exc)
        finally:
            stopped.cancel()


class MirroredDetector:
    """The cross-chain detector, offering the curves each block changed to an outbox; the
    coordinator calls it as it calls the detector (`CrossChainDetectorLike`)."""

    def __init__(self, detector: CrossChainDetector, outbox: CurveOutbox) -> None:
        self.detector = detector
        self._outbox = outbox

    def on_block(
        self,
        chain: str,
        block_number: int,
        states: Iterable[PoolState],
        *,
        inventory: Mapping[tuple[str, str], int],
        bands: Any,
        fees: Mapping[str, LegFee],
        leg_latency_s: float | None,
    ) -> list[CrossChainOpportunity]:
        found = self.detector.on_block(
            chain,
            block_number,
            states,
            inventory=inventory,
            bands=bands,
            fees=fees,
            leg_latency_s=leg_latency_s,
        )
        quotes = self.detector.view.quotes
        self._outbox.offer(
            quotes[(identity, chain)].snapshot()
            for identity in self.detector.changed
            if (identity, chain) in quotes
        )
        return found

    def native_usd(self, chain: str) -> float | None:
        return self.detector.native_usd(chain)

    def price_usd(self, identity: str, chain: str) -> float | None:
        return self.detector.price_usd(identity, chain)

    def asset_usd(self, identity: str) -> float | None:
        return self.detector.asset_usd(identity)
