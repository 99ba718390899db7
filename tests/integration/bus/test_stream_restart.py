"""The bus through a Redis restart, on a private `redis-server` (AOF fsynced on every write)
that the test stops with SIGTERM and starts again on the same port and directory: what was
published during the outage waits in the publisher's outbox (a full outbox makes `publish`
wait, counted, never drop), the consumer reconnects, nothing is lost and nothing is handled
twice."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator

import pytest
from _bus_setup import RestartableRedis, cluster_settings, redis_settings, restartable_redis
from _waits import eventually

from omniarb.bus import EVENTS, StreamBus, StreamEntry


@pytest.fixture
def server() -> Iterator[RestartableRedis]:
    with restartable_redis() as private:
        yield private


async def _ready(value: bool) -> bool:
    return value


async def test_redis_restart_loses_nothing_and_handles_nothing_twice(
    server: RestartableRedis,
) -> None:
    settings = redis_settings("bus-restart:", url=server.url)
    cluster = cluster_settings(outbox_max_events=100)
    publisher = await StreamBus.connect(settings, cluster, producer="worker-a")
    consumer_bus = await StreamBus.connect(settings, cluster, producer="api")
    handled: list[str] = []

    async def handle(entry: StreamEntry) -> None:
        handled.append(entry.key)

    stop = asyncio.Event()
    consuming = asyncio.create_task(
        consumer_bus.consumer(EVENTS, group="api", consumer="api-1").run(handle, stop=stop)
    )
    try:
        for n in range(50):
            await publisher.publish(EVENTS, "trade", key=f"before-{n}", data={"n": n})
        await asyncio.wait_for(publisher.flush(), timeout=10)

        async def drained() -> bool:
            backlog = await consumer_bus.backlog(EVENTS, "api")
            return len(handled) == 50 and backlog.lag == 0 and backlog.pending == 0

        await eventually(drained, what="the first 50 handled and acknowledged")

        server.stop()
        assert not server.answers()
        for n in range(100):  # returns at once: the outbox holds them
            await asyncio.wait_for(
                publisher.publish(EVENTS, "trade", key=f"during-{n}", data={"n": n}), timeout=1
            )

        async def overflow() -> None:
            for n in range(30):
                await publisher.publish(EVENTS, "trade", key=f"overflow-{n}", data={"n": n})

        waiting = asyncio.create_task(overflow())
        await eventually(
            lambda: _ready(publisher.outbox_size == 100 and _waits(publisher) == 1),
            what="a publish waiting for outbox room",
        )
        assert not waiting.done()
        assert handled == [f"before-{n}" for n in range(50)]

        server.start()
        await asyncio.wait_for(waiting, timeout=20)
        await asyncio.wait_for(publisher.flush(), timeout=20)
        expected = (
            [f"before-{n}" for n in range(50)]
            + [f"during-{n}" for n in range(100)]
            + [f"overflow-{n}" for n in range(30)]
        )
        await eventually(
            lambda: _ready(len(handled) >= len(expected)),
            what="every entry handled after the restart",
            timeout_s=20,
        )

        async def settled() -> bool:
            backlog = await consumer_bus.backlog(EVENTS, "api")
            return backlog.lag == 0 and backlog.pending == 0

        await eventually(settled, what="the group acknowledged all")
        assert handled == expected  # in order, each once
        assert set(Counter(handled).values()) == {1}
        assert _reconnects(publisher, "publisher") == 1
        assert _reconnects(consumer_bus, "consumer") == 1
    finally:
        stop.set()
        await asyncio.wait_for(consuming, timeout=10)
        await publisher.close()
        await consumer_bus.close()


def _waits(bus: StreamBus) -> float:
    return bus.metrics.registry.get_sample_value("omniarb_bus_publish_waits_total") or 0.0


def _reconnects(bus: StreamBus, side: str) -> float:
    value = bus.metrics.registry.get_sample_value("omniarb_bus_reconnects_total", {"side": side})
    return value or 0.0
