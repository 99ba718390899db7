"""A worker's term ends only once its bus relay has taken every live message of the term (the
trades settled while the engine stopped among them): none is lost to the relay's cancel."""

from __future__ import annotations

import asyncio
import json

from _waits import eventually

from omniarb.api import LiveHub
from omniarb.cluster.worker_role import _relayed


async def test_the_term_end_waits_until_the_relay_took_every_message() -> None:
    hub = LiveHub(queue_size=1024)
    taken: list[int] = []

    async def relay() -> None:
        with hub.subscribe() as subscription:
            while True:
                taken.append(json.loads(await subscription.get())["data"]["n"])

    task = asyncio.create_task(relay())

    async def subscribed() -> bool:
        return hub.has_subscribers

    await eventually(subscribed, what="the relay to subscribe")
    for n in range(200):
        hub.publish("breaker", {"n": n})
    assert hub.queued == 200
    await _relayed(hub, [])
    assert hub.queued == 0
    task.cancel()
    assert taken == list(range(200))


async def test_without_subscribers_nothing_is_queued() -> None:
    hub = LiveHub()
    hub.publish("breaker", {"n": 1})
    assert hub.queued == 0
    await asyncio.wait_for(_relayed(hub, []), timeout=1)
