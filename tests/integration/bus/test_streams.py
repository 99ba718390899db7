"""The Redis Streams bus against the real Redis (`OMNIARB_TEST_REDIS_URL`, own key prefix per
test): round trip, a group's consumers splitting the work, a dead consumer's entries claimed,
idempotency by key, redelivery then dead letters, trimming that keeps unacknowledged entries,
and the backlog metrics equal to what XINFO says. Each wait is for a condition with a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import redis.asyncio as aioredis
from _bus_setup import REDIS_URL, cluster_settings, redis_settings, unique_prefix
from _waits import eventually

from omniarb.bus import EVENTS, BusMetrics, StreamBus, StreamEntry, sample_backlog
from omniarb.bus.stream_consumer import Handler

BIG = str(12_345_678_901_234_567_891)  # past 2**53: the producer sends it as a string


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    async with unique_prefix() as name:
        yield name


@pytest.fixture
async def raw() -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(REDIS_URL, decode_responses=True)
    yield client
    await client.aclose()


async def _bus(prefix: str, producer: str = "p1", **cluster: object) -> StreamBus:
    return await StreamBus.connect(
        redis_settings(prefix), cluster_settings(**cluster), producer=producer
    )


@contextlib.asynccontextmanager
async def _running(
    bus: StreamBus, handler: Handler, *, group: str = "g", name: str = "c1"
) -> AsyncIterator[asyncio.Task[None]]:
    """A consumer running `handler` until the block ends (then stopped, and awaited)."""
    stop = asyncio.Event()
    task = asyncio.create_task(
        bus.consumer(EVENTS, group=group, consumer=name).run(handler, stop=stop)
    )
    try:
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)


def _recorder(seen: list[StreamEntry]) -> Callable[[StreamEntry], Awaitable[None]]:
    async def handle(entry: StreamEntry) -> None:
        seen.append(entry)

    return handle


async def _drained(bus: StreamBus, group: str = "g") -> bool:
    backlog = await bus.backlog(EVENTS, group)
    return backlog.lag == 0 and backlog.pending == 0


def _value(bus: StreamBus, name: str, **labels: str) -> float:
    value = bus.metrics.registry.get_sample_value(name, labels)
    return 0.0 if value is None else value


async def test_round_trip_reads_entries_published_before_the_group_existed(
    prefix: str, raw: aioredis.Redis
) -> None:
    bus = await _bus(prefix)
    try:
        for n in range(3):
            await bus.publish(EVENTS, "trade", key=f"0x{n:064x}", data={"n": n, "amount": BIG})
        await asyncio.wait_for(bus.flush(), timeout=10)
        assert bus.outbox_size == 0
        stored = await raw.xrange(f"{prefix}stream:{EVENTS}")
        assert [fields["key"] for _, fields in stored] == [f"0x{n:064x}" for n in range(3)]
        assert stored[0][1] == {
            "type": "trade",
            "key": f"0x{0:064x}",
            "producer": "p1",
            "data": f'{{"n":0,"amount":"{BIG}"}}',
        }
        seen: list[StreamEntry] = []
        async with _running(bus, _recorder(seen)):
            await eventually(lambda: _ready(len(seen) == 3), what="three entries handled")
            await eventually(lambda: _drained(bus), what="the group acknowledged all")
        assert [e.data for e in seen] == [{"n": n, "amount": BIG} for n in range(3)]
        assert [e.id for e in seen] == [entry_id for entry_id, _ in stored]
        assert {(e.type, e.producer, e.stream, e.deliveries) for e in seen} == {
            ("trade", "p1", EVENTS, 1)
        }
        assert _value(bus, "omniarb_bus_handled_total", stream=EVENTS, group="g") == 3
        assert _value(bus, "omniarb_bus_published_total", stream=EVENTS) == 3
    finally:
        await bus.close()


async def _ready(value: bool) -> bool:
    return value


async def test_close_flushes_what_was_published(prefix: str, raw: aioredis.Redis) -> None:
    bus = await _bus(prefix)
    for n in range(250):
        await bus.publish(EVENTS, "stats", key=f"k{n}", data={"n": n})
    await bus.close()
    assert await raw.xlen(f"{prefix}stream:{EVENTS}") == 250
    with pytest.raises(RuntimeError, match="closed"):
        await bus.publish(EVENTS, "stats", key="late", data={})


async def test_two_consumers_of_a_group_split_the_work_and_handle_each_entry_once(
    prefix: str,
) -> None:
    bus = await _bus(prefix)
    received: dict[str, list[str]] = {"c1": [], "c2": []}

    def handler(name: str, other: str) -> Handler:
        async def handle(entry: StreamEntry) -> None:
            received[name].append(entry.key)
            if len(received[name]) == 1:
                # Hold this consumer's first entry until the other has one too: the entries
                # published meanwhile can only go to the other, so both take a share.
                await eventually(
                    lambda: _ready(bool(received[other])), what=f"{other} to receive an entry"
                )

        return handle

    try:
        async with (
            _running(bus, handler("c1", "c2"), name="c1"),
            _running(bus, handler("c2", "c1"), name="c2"),
        ):
            published = 0
            while not (received["c1"] and received["c2"]):
                assert published < 100, "one consumer took every entry"
                await bus.publish(EVENTS, "stats", key=f"k{published}", data={})
                await asyncio.wait_for(bus.flush(), timeout=10)
                published += 1
                await eventually(
                    lambda: _ready(len(received["c1"]) + len(received["c2"]) >= 1),
                    what="a consumer to receive the first entry",
                )
            for n in range(published, published + 300):
                await bus.publish(EVENTS, "stats", key=f"k{n}", data={})
            await asyncio.wait_for(bus.flush(), timeout=10)
            total = published + 300
            await eventually(
                lambda: _ready(len(received["c1"]) + len(received["c2"]) >= total),
                what="every entry handled",
            )
            await eventually(lambda: _drained(bus), what="the group acknowledged all")
        counts = Counter(received["c1"] + received["c2"])
        assert set(counts) == {f"k{n}" for n in range(total)}
        assert set(counts.values()) == {1}
        assert received["c1"]
        assert received["c2"]
    finally:
        await bus.close()


async def test_a_dead_consumers_entries_are_claimed_by_another(
    prefix: str, raw: aioredis.Redis
) -> None:
    bus = await _bus(prefix, claim_idle_s=0.2)
    started = asyncio.Event()

    async def hang(entry: StreamEntry) -> None:
        started.set()
        await asyncio.Event().wait()  # a consumer stuck until its process dies

    try:
        for n in range(20):
            await bus.publish(EVENTS, "trade", key=f"0x{n}", data={})
        await asyncio.wait_for(bus.flush(), timeout=10)
        dying = asyncio.create_task(
            bus.consumer(EVENTS, group="g", consumer="dead").run(hang, stop=asyncio.Event())
        )
        await asyncio.wait_for(started.wait(), timeout=5)
        pending = await raw.xpending(f"{prefix}stream:{EVENTS}", "g")
        assert pending["pending"] == 20
        assert pending["consumers"] == [{"name": "dead", "pending": 20}]
        dying.cancel()  # killed: nothing acknowledged
        with contextlib.suppress(asyncio.CancelledError):
            await dying
        seen: list[StreamEntry] = []
        async with _running(bus, _recorder(seen), name="heir"):
            await eventually(lambda: _ready(len(seen) == 20), what="the heir handling all 20")
            await eventually(lambda: _drained(bus), what="the group acknowledged all")
        assert sorted(e.key for e in seen) == sorted(f"0x{n}" for n in range(20))
        assert {e.deliveries for e in seen} == {2}
        assert _value(bus, "omniarb_bus_claimed_total", stream=EVENTS, group="g") == 20
    finally:
        await bus.close()


async def test_a_key_is_handled_once_within_a_batch_and_across_batches(prefix: str) -> None:
    bus = await _bus(prefix)
    seen: list[StreamEntry] = []
    try:
        await bus.publish(EVENTS, "opportunity", key="opp-1", data={"v": 1})
        await bus.publish(EVENTS, "opportunity", key="opp-1", data={"v": 2})
        await bus.publish(EVENTS, "opportunity", key="opp-2", data={"v": 3})
        await asyncio.wait_for(bus.flush(), timeout=10)
        async with _running(bus, _recorder(seen)):
            await eventually(lambda: _drained(bus), what="the first three acknowledged")
            assert [(e.key, e.data) for e in seen] == [("opp-1", {"v": 1}), ("opp-2", {"v": 3})]
            await bus.publish(EVENTS, "opportunity", key="opp-2", data={"v": 4})
            await bus.publish(EVENTS, "opportunity", key="opp-3", data={"v": 5})
            await asyncio.wait_for(bus.flush(), timeout=10)
            await eventually(lambda: _ready(len(seen) == 3), what="opp-3 handled")
            await eventually(lambda: _drained(bus), what="all five acknowledged")
        assert [e.key for e in seen] == ["opp-1", "opp-2", "opp-3"]
        assert _value(bus, "omniarb_bus_duplicates_total", stream=EVENTS, group="g") == 2
        assert _value(bus, "omniarb_bus_handled_total", stream=EVENTS, group="g") == 3
    finally:
        await bus.close()


async def test_a_failing_handler_is_retried_then_dead_lettered(
    prefix: str, raw: aioredis.Redis
) -> None:
    bus = await _bus(prefix, claim_idle_s=0.1, max_deliveries=3)
    calls: list[tuple[str, int]] = []

    async def handle(entry: StreamEntry) -> None:
        calls.append((entry.key, entry.deliveries))
        if entry.key == "bad" or (entry.key == "flaky" and entry.deliveries == 1):
            raise ValueError(f"cannot handle {entry.key}")

    try:
        for key in ("bad", "flaky", "good"):
            await bus.publish(EVENTS, "trade", key=key, data={"k": key})
        await asyncio.wait_for(bus.flush(), timeout=10)
        dead = f"{prefix}stream:{EVENTS}:dead"
        async with _running(bus, handle):
            await eventually(lambda: _has_entries(raw, dead), what="a dead letter", timeout_s=10)
            await eventually(lambda: _drained(bus), what="the group acknowledged all")
        assert sorted(c for c in calls if c[0] == "bad") == [("bad", 1), ("bad", 2), ("bad", 3)]
        assert sorted(c for c in calls if c[0] == "flaky") == [("flaky", 1), ("flaky", 2)]
        assert [c for c in calls if c[0] == "good"] == [("good", 1)]
        [(_, fields)] = await raw.xrange(dead)
        origin = [i for i, f in await raw.xrange(f"{prefix}stream:{EVENTS}") if f["key"] == "bad"]
        assert fields == {
            "type": "trade",
            "key": "bad",
            "producer": "p1",
            "data": '{"k":"bad"}',
            "origin_id": origin[0],
            "group": "g",
            "deliveries": "3",
        }
        labels = {"stream": EVENTS, "group": "g"}
        assert _value(bus, "omniarb_bus_dead_lettered_total", **labels) == 1
        assert _value(bus, "omniarb_bus_handler_errors_total", **labels) == 4
        assert _value(bus, "omniarb_bus_handled_total", **labels) == 2
    finally:
        await bus.close()


async def _has_entries(raw: aioredis.Redis, key: str) -> bool:
    return bool(await raw.exists(key)) and await raw.xlen(key) > 0


async def test_trimming_keeps_what_a_group_has_not_acknowledged(
    prefix: str, raw: aioredis.Redis
) -> None:
    bus = await StreamBus.connect(
        redis_settings(prefix, stream_maxlen=100), cluster_settings(), producer="p1"
    )
    key = f"{prefix}stream:{EVENTS}"
    seen: list[StreamEntry] = []
    try:
        async with _running(bus, _recorder(seen)):
            for n in range(300):
                await bus.publish(EVENTS, "stats", key=f"a{n}", data={})
            await asyncio.wait_for(bus.flush(), timeout=10)
            await eventually(lambda: _drained(bus), what="300 entries acknowledged")
            await raw.xgroup_create(key, "late", id="$")
            # The group "late" has read nothing of what follows: none of it may be trimmed.
            for n in range(300):
                await bus.publish(EVENTS, "stats", key=f"b{n}", data={})
            await asyncio.wait_for(bus.flush(), timeout=10)
            await eventually(lambda: _drained(bus), what="600 entries acknowledged by g")
            for n in range(20):
                await bus.publish(EVENTS, "stats", key=f"c{n}", data={})
            await asyncio.wait_for(bus.flush(), timeout=10)
            await eventually(
                lambda: _length_is(raw, key, 320), what="the first 300 trimmed, the rest kept"
            )
        kept = [fields["key"] for _, fields in await raw.xrange(key)]
        assert kept == [f"b{n}" for n in range(300)] + [f"c{n}" for n in range(20)]
        assert _value(bus, "omniarb_bus_trimmed_total", stream=EVENTS) == 300
    finally:
        await bus.close()


async def _length_is(raw: aioredis.Redis, key: str, length: int) -> bool:
    return bool(await raw.xlen(key) == length)


async def test_backlog_metrics_equal_xinfo(prefix: str, raw: aioredis.Redis) -> None:
    metrics = BusMetrics()
    bus = await StreamBus.connect(
        redis_settings(prefix), cluster_settings(), producer="p1", metrics=metrics
    )
    key = f"{prefix}stream:{EVENTS}"
    try:
        for n in range(10):
            await bus.publish(EVENTS, "stats", key=f"k{n}", data={})
        await asyncio.wait_for(bus.flush(), timeout=10)
        await raw.xgroup_create(key, "g", id="0")
        read: Any = await raw.xreadgroup("g", "c1", {key: ">"}, count=4)
        first_id = read[0][1][0][0]
        await raw.xack(key, "g", read[0][1][3][0])  # 3 stay pending, 6 undelivered
        stop = asyncio.Event()
        sampler = asyncio.create_task(
            sample_backlog(
                bus.backlog, bus.length, metrics, [(EVENTS, "g")], every_s=0.05, stop=stop
            )
        )
        try:
            await eventually(
                lambda: _ready(_value(bus, "omniarb_bus_pending", stream=EVENTS, group="g") == 3),
                what="a sample",
            )
        finally:
            stop.set()
            await asyncio.wait_for(sampler, timeout=5)
        [info] = await raw.xinfo_groups(key)
        labels = {"stream": EVENTS, "group": "g"}
        assert _value(bus, "omniarb_bus_backlog", **labels) == info["lag"] == 6
        assert _value(bus, "omniarb_bus_pending", **labels) == info["pending"] == 3
        age_s = _value(bus, "omniarb_bus_oldest_pending_age_seconds", **labels)
        published_ms = int(first_id.split("-")[0])
        assert 0 <= age_s <= (time.time() * 1000 - published_ms) / 1000
        assert age_s > 0
        assert _value(bus, "omniarb_bus_stream_length", stream=EVENTS) == await raw.xlen(key)
        assert _value(bus, "omniarb_bus_published_total", stream=EVENTS) == 10
        assert _value(bus, "omniarb_bus_outbox_events") == 0
        unknown = await bus.backlog(EVENTS, "not-yet")
        assert (unknown.lag, unknown.pending) == (10, 0)
    finally:
        await bus.close()


async def test_an_entry_that_does_not_decode_is_dead_lettered_and_the_rest_handled(
    prefix: str, raw: aioredis.Redis
) -> None:
    bus = await _bus(prefix)
    key = f"{prefix}stream:{EVENTS}"
    seen: list[StreamEntry] = []
    try:
        foreign = await raw.xadd(key, {"type": "trade", "key": "x", "data": "{not json"})
        await bus.publish(EVENTS, "trade", key="ok", data={"fine": True})
        await asyncio.wait_for(bus.flush(), timeout=10)
        async with _running(bus, _recorder(seen)):
            await eventually(lambda: _drained(bus), what="both entries acknowledged")
        assert [(e.key, e.data) for e in seen] == [("ok", {"fine": True})]
        [(_, fields)] = await raw.xrange(f"{key}:dead")
        assert fields == {
            "type": "trade",
            "key": "x",
            "data": "{not json",
            "origin_id": foreign,
            "group": "g",
            "deliveries": "1",
        }
        assert _value(bus, "omniarb_bus_dead_lettered_total", stream=EVENTS, group="g") == 1
    finally:
        await bus.close()


async def test_a_group_lost_with_its_stream_is_created_again(
    prefix: str, raw: aioredis.Redis
) -> None:
    bus = await _bus(prefix)
    key = f"{prefix}stream:{EVENTS}"
    seen: list[StreamEntry] = []
    try:
        async with _running(bus, _recorder(seen)):
            await bus.publish(EVENTS, "trade", key="first", data={})
            await asyncio.wait_for(bus.flush(), timeout=10)
            await eventually(lambda: _drained(bus), what="the first entry acknowledged")
            await raw.delete(key)  # what a Redis that lost its data looks like to the group
            await bus.publish(EVENTS, "trade", key="second", data={})
            await asyncio.wait_for(bus.flush(), timeout=10)
            await eventually(lambda: _ready(len(seen) == 2), what="the second entry handled")
            await eventually(lambda: _drained(bus), what="the second entry acknowledged")
        assert [e.key for e in seen] == ["first", "second"]
        assert [g["name"] for g in await raw.xinfo_groups(key)] == ["g"]
        assert _value(bus, "omniarb_bus_reconnects_total", side="consumer") == 0
    finally:
        await bus.close()
