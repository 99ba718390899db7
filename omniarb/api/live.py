"""The live hub: the engine publishes, WebSocket clients subscribe; the engine never waits.

Publishing is synchronous and cheap: a message is encoded to JSON once and offered to each
subscriber's bounded queue with `put_nowait`. A subscriber whose queue is full is a client that
cannot keep up; it is dropped (its `dropped` event fires, the WebSocket route closes it) and
counted, never waited for — the engine's latency must not depend on a browser tab.

Usage, on the engine's side (all on the one event loop; `publish*` is not thread-safe)::

    hub.publish_opportunity(opportunity, p.stats)     # p.stats names the tokens
    hub.publish_trade(outcome, p.stats)
    hub.publish_alert(alert)                          # or AlertManager(sinks=[HubAlertSink(hub)])
    hub.publish_stats(LiveFigures(chains=engine.stats, market=market.snapshot()))
    hub.publish_cross_chain_trade(cross_chain_trade_item(trade_row, leg_rows))
    hub.publish_bridge_transfer(bridge_transfer_item(transfer_row))
    hub.publish_inventory(view.snapshot())            # the API server also ticks it

and on a client's::

    with hub.subscribe({"trade"}) as subscription:
        text = await subscription.get()            # '{"type": "trade", "seq": 7, "data": {...}}'
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final

from pydantic import BaseModel

from omniarb.api.cross_chain_schemas import BridgeTransferItem, CrossChainTradeItem
from omniarb.api.cross_chain_views import inventory_body
from omniarb.api.inventory import InventorySnapshot
from omniarb.api.schemas import BreakerStatus, HubFigures
from omniarb.api.state import AlertView, LiveFigures
from omniarb.api.views import (
    TokenNames,
    alert_item,
    opportunity_item,
    stats_body,
    trade_from_outcome,
)
from omniarb.chains import json_codec
from omniarb.types import Opportunity, Outcome

__all__ = ["MESSAGE_TYPES", "HubAlertSink", "LiveHub", "Subscription"]

log = logging.getLogger(__name__)

MESSAGE_TYPES: Final = frozenset(
    {
        "opportunity",
        "trade",
        "alert",
        "stats",
        "breaker",
        "cross_chain_trade",
        "bridge_transfer",
        "inventory",
    }
)
# Sent again to each new subscriber, so its view is filled at once: the latest of each.
_KEPT: Final = frozenset({"stats", "inventory"})


@dataclass(slots=True, eq=False)
class Subscription:
    """One client's bounded queue of encoded messages, and whether it was dropped."""

    types: frozenset[str]
    queue: asyncio.Queue[str]
    dropped: asyncio.Event

    async def get(self) -> str:
        """The next message (JSON text), waiting for one."""
        return await self.queue.get()


class LiveHub:
    """Fan-out of live messages to subscribers, with bounded per-client queues.

    Also keeps the last `recent_alerts` alerts (an `AlertFeed` for `/alerts`) and the last
    stats and inventory messages, which a new subscriber receives first so its view is filled
    at once.
    """

    def __init__(self, *, queue_size: int = 1024, recent_alerts: int = 200) -> None:
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        self._queue_size = queue_size
        self._subscribers: set[Subscription] = set()
        self._seq = 0
        self._dropped_clients = 0
        self._alerts: deque[AlertView] = deque(maxlen=recent_alerts)
        self._last: dict[str, str] = {}

    @property
    def figures(self) -> HubFigures:
        return HubFigures(
            clients=len(self._subscribers),
            published=self._seq,
            dropped_clients=self._dropped_clients,
        )

    @property
    def has_subscribers(self) -> bool:
        return bool(self._subscribers)

    @property
    def queued(self) -> int:
        """Messages waiting in the subscribers' queues: 0 once every subscriber took all it was
        sent (a worker's bus relay before its term ends, `omniarb.cluster.worker_role`)."""
        return sum(s.queue.qsize() for s in self._subscribers)

    @contextmanager
    def subscribe(self, types: Collection[str] | None = None) -> Iterator[Subscription]:
        """Receive the messages of `types` (default: all) while the block runs."""
        wanted = MESSAGE_TYPES if types is None else frozenset(types)
        unknown = wanted - MESSAGE_TYPES
        if unknown:
            raise ValueError(f"unknown message types: {', '.join(sorted(unknown))}")
        subscription = Subscription(
            types=wanted, queue=asyncio.Queue(self._queue_size), dropped=asyncio.Event()
        )
        for kind in sorted(_KEPT & wanted):
            if kind in self._last:
                subscription.queue.put_nowait(self._last[kind])
        self._subscribers.add(subscription)
        try:
            yield subscription
        finally:
            self._subscribers.discard(subscription)

    def publish(self, kind: str, data: BaseModel | dict[str, Any]) -> int:
        """Send `{"type": kind, "seq": n, "data": data}` to every subscriber of `kind`;
        returns `n`. Never blocks: a subscriber whose queue is full is dropped."""
        if kind not in MESSAGE_TYPES:
            raise ValueError(f"unknown message type {kind!r}")
        self._seq += 1
        body = data.model_dump(mode="json") if isinstance(data, BaseModel) else data
        text = json_codec.dumps_text({"type": kind, "seq": self._seq, "data": body})
        if kind in _KEPT:
            self._last[kind] = text
        for subscription in list(self._subscribers):
            if kind not in subscription.types:
                continue
            try:
                subscription.queue.put_nowait(text)
            except asyncio.QueueFull:
                self._drop(subscription)
        return self._seq

    def _drop(self, subscription: Subscription) -> None:
        self._subscribers.discard(subscription)
        self._dropped_clients += 1
        subscription.dropped.set()
        log.warning(
            "live client dropped: %d messages behind (queue size %d)",
            subscription.queue.qsize(),
            self._queue_size,
        )

    # -- typed publishing: what the engine calls ---------------------------------------------

    def publish_opportunity(
        self, opportunity: Opportunity, names: TokenNames | None = None
    ) -> int | None:
        """An opportunity as the detector found it (`names`: the chain's token symbols).

        Called on the hot path for every opportunity: with no client subscribed to
        opportunities nothing is built or encoded (~30 us saved each) and None is returned."""
        if not self._wanted("opportunity"):
            return None
        return self.publish("opportunity", opportunity_item(opportunity, names))

    def publish_trade(self, outcome: Outcome, names: TokenNames | None = None) -> int | None:
        """A settled trade, in the shape `/trades` lists it (None, unbuilt, without a client
        subscribed to trades)."""
        if not self._wanted("trade"):
            return None
        return self.publish("trade", trade_from_outcome(outcome, names))

    def publish_cross_chain_trade(self, item: CrossChainTradeItem) -> int:
        """A cross-chain trade as recorded or settled (`cross_chain_trade_item(row, legs)`:
        the shape `/cross-chain/trades` lists)."""
        return self.publish("cross_chain_trade", item)

    def publish_bridge_transfer(self, item: BridgeTransferItem) -> int:
        """A bridge transfer's new status (`bridge_transfer_item(row)`: the shape
        `/cross-chain/transfers` lists)."""
        return self.publish("bridge_transfer", item)

    def publish_inventory(self, snapshot: InventorySnapshot) -> int:
        """The inventory per chain (the `/cross-chain/inventory` body)."""
        return self.publish("inventory", inventory_body(snapshot))

    def wants(self, kind: str) -> bool:
        """Is any client subscribed to `kind` (build nothing for nobody)?"""
        return self._wanted(kind)

    def _wanted(self, kind: str) -> bool:
        return any(kind in subscription.types for subscription in self._subscribers)

    def publish_alert(self, alert: AlertView) -> int:
        """An alert; also kept for `recent()` (`/alerts`)."""
        self._alerts.append(alert)
        return self.publish("alert", alert_item(alert))

    def publish_stats(self, figures: LiveFigures) -> int:
        """Every chain's live figures."""
        return self.publish("stats", stats_body(figures))

    def publish_breaker(self, status: BreakerStatus) -> int:
        """The breaker's new state after a trip or a reset."""
        return self.publish("breaker", status)

    def recent(self, limit: int) -> Sequence[AlertView]:
        """The last `limit` alerts published here, newest first (`AlertFeed`)."""
        return list(reversed(self._alerts))[:limit]


class HubAlertSink:
    """The hub as an alert sink: `AlertManager(sinks=[..., HubAlertSink(hub)])` sends every
    alert it delivers (after de-duplication and rate limiting) to the WebSocket clients and
    to `/alerts`."""

    def __init__(self, hub: LiveHub) -> None:
        self._hub = hub

    @property
    def name(self) -> str:
        return "live"

    async def send(self, alert: AlertView) -> None:
        self._hub.publish_alert(alert)

    async def close(self) -> None:
        """Nothing to release: the hub outlives its sinks."""
