"""The API role's live feed: the bus's EVENTS entries into the API process's `LiveHub`.

Each worker publishes its own hub's messages (`omniarb.bus.live_relay`); the API's hub passes
them on as they come, but for `stats`: a worker's `stats` message holds only its own chain, and
the dashboard takes each `stats` message as every chain's figures. So the feed keeps the latest
figures of each chain and publishes them together, each time one worker's arrive; a chain whose
figures stopped coming for `stale_after_s` (its worker died and no standby took over) is dropped
from the message rather than shown live.

    handle = HubFeed(hub)                 # handle(entry) for `StreamConsumer.run`
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from omniarb.api.live import MESSAGE_TYPES, LiveHub
from omniarb.bus.streams import StreamEntry

__all__ = ["EventsToHub"]

log = logging.getLogger(__name__)

# Workers send `stats` every `[api] stats_interval_s` (1 s by default) while they run.
_STALE_AFTER_S = 30.0


class EventsToHub:
    """A `StreamConsumer.run` handler: each EVENTS entry into `hub`, `stats` merged by chain."""

    def __init__(
        self,
        hub: LiveHub,
        *,
        stale_after_s: float = _STALE_AFTER_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._hub = hub
        self._stale_after_s = stale_after_s
        self._clock = clock
        self._chains: dict[str, tuple[float, dict[str, Any]]] = {}
        self._unknown: set[str] = set()

    async def __call__(self, entry: StreamEntry) -> None:
        if entry.type not in MESSAGE_TYPES:
            # A newer worker's message type: skipped (and acknowledged), said once per type.
            if entry.type not in self._unknown:
                self._unknown.add(entry.type)
                log.warning("events of type %r skipped: this API does not know it", entry.type)
            return
        if entry.type == "stats":
            self._hub.publish("stats", self._merged(entry.data))
        else:
            self._hub.publish(entry.type, entry.data)

    def _merged(self, stats: dict[str, Any]) -> dict[str, Any]:
        now = self._clock()
        for chain in stats.get("chains", ()):
            self._chains[str(chain["chain"])] = (now, chain)
        for name, (seen, _) in list(self._chains.items()):
            if now - seen > self._stale_after_s:
                del self._chains[name]
        chains = sorted((body for _, body in self._chains.values()), key=lambda c: c["chain_id"])
        return {**stats, "chains": chains}
