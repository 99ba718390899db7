"""Every worker's live messages on the API's hub: two workers' `LiveHub`s published to the
EVENTS stream by `publish_hub`, fed into the API process's `LiveHub` by `feed_hub`, and read by a
real hub subscription there (the dashboard's WebSocket reads the same). Real Redis, own prefix."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as aioredis
from _bus_setup import REDIS_URL, cluster_settings, redis_settings, unique_prefix
from _waits import eventually

from omniarb.api import LiveHub
from omniarb.bus import EVENTS, StreamBus, feed_hub, publish_hub

BIG = str(2**70)
ALERT = {
    "id": "a-1",
    "rule": "rpc_errors",
    "severity": "warning",
    "key": "polygon",
    "summary": "polygon: 12 RPC errors in 60 s",
    "fired_at": "2026-12-06T23:00:00Z",
    "chain": "polygon",
    "value": 12.0,
    "threshold": 10.0,
    "suppressed": None,
}


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    async with unique_prefix() as name:
        yield name


async def _ready(value: bool) -> bool:
    return value


async def test_worker_hubs_reach_the_api_hub_once_each(prefix: str) -> None:
    settings, cluster = redis_settings(prefix), cluster_settings()
    workers = {name: LiveHub() for name in ("worker-ethereum", "worker-polygon")}
    api_hub = LiveHub()
    buses = {name: await StreamBus.connect(settings, cluster, producer=name) for name in workers}
    api_bus = await StreamBus.connect(settings, cluster, producer="api")
    stop = asyncio.Event()
    received: list[dict[str, Any]] = []
    try:
        with api_hub.subscribe({"trade", "opportunity", "breaker", "alert"}) as subscription:
            async with asyncio.TaskGroup() as tasks:
                relays = [
                    tasks.create_task(publish_hub(hub, buses[name], name))
                    for name, hub in workers.items()
                ]
                api = api_bus.consumer(EVENTS, group="api", consumer="api-1")
                feeding = tasks.create_task(feed_hub(api, api_hub, stop))
                await eventually(
                    lambda: _ready(all(hub.has_subscribers for hub in workers.values())),
                    what="both relays subscribed",
                )
                eth, poly = workers["worker-ethereum"], workers["worker-polygon"]
                trade = {"tx_hash": "0xaa", "chain_id": 1, "amount_in": BIG}
                eth.publish("trade", trade)
                eth.publish("trade", trade)  # the same trade again: shown once
                eth.publish("breaker", {"tripped": False, "reason": None})
                poly.publish("opportunity", {"id": "opp-7", "chain_id": 137})
                poly.publish("trade", {"tx_hash": "0xbb", "chain_id": 137})
                poly.publish("alert", ALERT)
                received.extend(
                    [
                        json.loads(await asyncio.wait_for(subscription.get(), timeout=10))
                        for _ in range(5)
                    ]
                )
                await eventually(
                    lambda: _drained(api_bus), what="the API group acknowledged every entry"
                )
                assert subscription.queue.empty()
                stop.set()
                await asyncio.wait_for(feeding, timeout=10)
                for relay in relays:
                    relay.cancel()
        by_type: dict[str, list[dict[str, Any]]] = {}
        for message in received:
            by_type.setdefault(message["type"], []).append(message["data"])
        assert sorted(d["tx_hash"] for d in by_type["trade"]) == ["0xaa", "0xbb"]
        assert [d for d in by_type["trade"] if d["tx_hash"] == "0xaa"] == [trade]
        assert by_type["opportunity"] == [{"id": "opp-7", "chain_id": 137}]
        assert by_type["breaker"] == [{"tripped": False, "reason": None}]
        assert by_type["alert"] == [ALERT]
        [recent] = api_hub.recent(10)  # /alerts lists it too
        assert (recent.id, recent.summary, recent.chain) == ("a-1", ALERT["summary"], "polygon")

        raw = aioredis.Redis.from_url(REDIS_URL, decode_responses=True)
        try:
            entries = await raw.xrange(f"{prefix}stream:{EVENTS}")
        finally:
            await raw.aclose()
        keys = [(fields["producer"], fields["type"], fields["key"]) for _, fields in entries]
        assert ("worker-ethereum", "trade", "trade:0xaa") in keys
        assert ("worker-polygon", "opportunity", "opportunity:opp-7") in keys
        assert ("worker-polygon", "alert", "alert:a-1") in keys
        [(_, _, breaker_key)] = [k for k in keys if k[1] == "breaker"]
        producer, run, seq = breaker_key.split(":")
        assert (producer, len(run), seq) == ("worker-ethereum", 8, "3")
        assert len(keys) == 6  # both copies of the trade were published; one was handled
    finally:
        stop.set()
        for bus in (*buses.values(), api_bus):
            await bus.close()


async def _drained(bus: StreamBus) -> bool:
    backlog = await bus.backlog(EVENTS, "api")
    return backlog.lag == 0 and backlog.pending == 0 and backlog.stream == EVENTS


async def test_an_unknown_message_type_is_acknowledged_not_shown(prefix: str) -> None:
    bus = await StreamBus.connect(redis_settings(prefix), cluster_settings(), producer="w")
    api_hub = LiveHub()
    stop = asyncio.Event()
    try:
        with api_hub.subscribe() as subscription:
            await bus.publish(EVENTS, "from-the-future", key="f1", data={})
            await bus.publish(EVENTS, "trade", key="trade:0x1", data={"tx_hash": "0x1"})
            feeding = asyncio.create_task(
                feed_hub(bus.consumer(EVENTS, group="api", consumer="a"), api_hub, stop)
            )
            message = json.loads(await asyncio.wait_for(subscription.get(), timeout=10))
            assert (message["type"], message["data"]) == ("trade", {"tx_hash": "0x1"})
            await eventually(lambda: _drained(bus), what="both entries acknowledged")
            stop.set()
            await asyncio.wait_for(feeding, timeout=10)
            assert subscription.queue.empty()
    finally:
        stop.set()
        await bus.close()
