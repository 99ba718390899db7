"""Every worker's live messages on the API's dashboard: a worker's `LiveHub` → the EVENTS stream
→ the API process's `LiveHub`.

    # in a worker
    tasks.create_task(publish_hub(hub, bus, producer="worker-ethereum-a"))
    # in the API process (group "api": each API replica with its own consumer name)
    tasks.create_task(feed_hub(bus.consumer(EVENTS, group="api", consumer="api-1"), hub, stop))

Keys (the idempotency of the API's group): a trade is `trade:<tx hash>`, an opportunity
`opportunity:<id>`, an alert `alert:<id>`; any other message (stats, inventory, …) is
`<producer>:<run>:<hub seq>`, where `run` is drawn once per `publish_hub` call so that a
restarted worker, whose hub counts from 1 again, does not collide with its previous run.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Collection, Mapping
from typing import Any

from omniarb.api.live import MESSAGE_TYPES, LiveHub
from omniarb.api.schemas import AlertItem
from omniarb.bus.stream_entries import EVENTS, StreamEntry
from omniarb.bus.streams import StreamBus, StreamConsumer

__all__ = ["feed_hub", "message_key", "publish_hub"]

log = logging.getLogger(__name__)


def message_key(kind: str, seq: int, data: Mapping[str, Any], *, producer: str, run: str) -> str:
    """The idempotency key of one hub message (see the module docstring)."""
    if kind == "trade" and data.get("tx_hash"):
        return f"trade:{data['tx_hash']}"
    if kind in ("opportunity", "alert") and data.get("id"):
        return f"{kind}:{data['id']}"
    return f"{producer}:{run}:{seq}"


async def publish_hub(
    hub: LiveHub, bus: StreamBus, producer: str, *, types: Collection[str] | None = None
) -> None:
    """Publish every message `hub` sends (of `types`, default all) to EVENTS, until cancelled.

    `bus.publish` returns at once (the outbox holds entries through a Redis outage); only a
    full outbox makes it wait, and if the hub drops this subscriber meanwhile (a whole queue
    behind), the messages it missed are logged with their count and it subscribes again."""
    run = uuid.uuid4().hex[:8]
    while True:
        with hub.subscribe(types) as subscription:
            while not subscription.dropped.is_set():
                message = json.loads(await subscription.get())
                kind, seq, data = message["type"], int(message["seq"]), message["data"]
                key = message_key(kind, seq, data, producer=producer, run=run)
                await bus.publish(EVENTS, kind, key=key, data=data)
        log.warning("bus relay %s fell a hub queue behind; messages were missed", producer)


async def feed_hub(consumer: StreamConsumer, hub: LiveHub, stop: asyncio.Event) -> None:
    """Publish the EVENTS entries `consumer` receives on `hub` until `stop` is set.

    An alert is also kept in the hub's recent alerts (`/alerts`), as a local one is. An entry of
    a type the hub does not know (a newer worker) is logged and acknowledged."""

    async def handle(entry: StreamEntry) -> None:
        if entry.type not in MESSAGE_TYPES:
            log.warning("bus relay: unknown message type %r from %s", entry.type, entry.producer)
            return
        if entry.type == "alert":
            hub.publish_alert(AlertItem.model_validate(entry.data))
            return
        hub.publish(entry.type, entry.data)

    await consumer.run(handle, stop=stop)
