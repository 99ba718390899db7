"""A worker's pool updates onto the bus, for the coordinator's cross-chain view.

    publisher = PoolPublisher(bus)
    engine.tap_updates(publisher.tap)        # each chain's PoolUpdate, never waited for
    await publisher.run(stop)                # encodes and publishes until `stop`

`tap` runs on the chain's hot path (`Engine.tap_updates`: it must not block), so it only puts
the update on a bounded queue; a full queue drops the update, counted per chain, as the
in-process coordinator's tap does. `run` encodes each update (`pool_codec`) off the hot path and
publishes it to `POOLS` as `pool-update`, keyed `{chain}:{block_hash}`: the bus's idempotency key,
so a block published twice (a worker restarted, a standby taking over) is handled once. While
Redis is unreachable the bus's outbox holds the entries; this queue only smooths bursts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any, Protocol

from omniarb.bus.pool_codec import PoolCodec, encode_update
from omniarb.bus.streams import POOLS
from omniarb.errors import OmniarbError
from omniarb.types import PoolUpdate

__all__ = ["POOL_UPDATE", "PoolPublisher", "pool_update_key"]

log = logging.getLogger(__name__)

POOL_UPDATE = "pool-update"
_QUEUE = 1024


def pool_update_key(chain: str, block_hash: str) -> str:
    """The bus key of `chain`'s update of the block `block_hash`."""
    return f"{chain}:{block_hash.lower()}"


class Publishing(Protocol):
    """What the publisher needs of the bus (`omniarb.bus.streams.StreamBus`)."""

    async def publish(
        self, stream: str, type_: str, *, key: str, data: Mapping[str, Any]
    ) -> None: ...


class PoolPublisher:
    """Puts every tapped pool update on the bus's `POOLS` stream (module docstring)."""

    def __init__(
        self, bus: Publishing, *, codec: PoolCodec | None = None, queue_size: int = _QUEUE
    ) -> None:
        self._bus = bus
        self._codec = codec or PoolCodec()
        self._updates: asyncio.Queue[tuple[str, PoolUpdate]] = asyncio.Queue(maxsize=queue_size)
        self.dropped: dict[str, int] = {}
        self.published = 0
        self.failed = 0

    def tap(self, chain: str, update: PoolUpdate) -> None:
        """A chain's pool update, from its pipeline: queued, or dropped and counted."""
        try:
            self._updates.put_nowait((chain, update))
        except asyncio.QueueFull:
            self.dropped[chain] = self.dropped.get(chain, 0) + 1

    @property
    def queued(self) -> int:
        return self._updates.qsize()

    async def run(self, stop: asyncio.Event) -> None:
        """Publish queued updates until `stop` is set (what is queued then is published
        first)."""
        stopped = asyncio.ensure_future(stop.wait())
        try:
            while True:
                if self._updates.empty():
                    if stop.is_set():
                        return
                    got = asyncio.ensure_future(self._updates.get())
                    await asyncio.wait((got, stopped), return_when=asyncio.FIRST_COMPLETED)
                    if not got.done():
                        got.cancel()
                        continue
                    chain, update = got.result()
                else:
                    chain, update = self._updates.get_nowait()
                await self._publish(chain, update)
        finally:
            stopped.cancel()

    async def _publish(self, chain: str, update: PoolUpdate) -> None:
        try:
            data = encode_update(chain, update, self._codec)
            await self._bus.publish(
                POOLS, POOL_UPDATE, key=pool_update_key(chain, update.block_hash), data=data
            )
        except OmniarbError as exc:
            # The bus keeps what Redis could not take in its outbox; what lands here is an
            # update it refused (its outbox full) or one the codec cannot encode.
            self.failed += 1
            log.warning("pool update of %s block %d not published: %s", chain,
                        update.block_number, exc)  # fmt: skip
        else:
            self.published += 1
