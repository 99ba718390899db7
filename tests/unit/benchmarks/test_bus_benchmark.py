"""`benchmarks/bus.py` end to end on a small run against the real Redis: every event handled
exactly once through both the bus and the in-process queue (the benchmark exits otherwise), the
figures present and positive, and its keys deleted afterwards."""

from __future__ import annotations

import redis.asyncio as aioredis
from _bus_setup import REDIS_URL
from bus import measure


async def test_a_small_run_gives_every_figure_and_leaves_no_keys() -> None:
    figures = await measure(events=300, paced=40, rate=400, redis_url=REDIS_URL, rounds=1)
    for name in ("bus_events_per_s", "queue_events_per_s", "bus_p50_us", "bus_p99_us"):
        assert figures[name] > 0, name
    assert figures["bus_p50_us"] <= figures["bus_p99_us"]
    assert figures["added_p50_us"] == round(figures["bus_p50_us"] - figures["queue_p50_us"], 1)
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        assert [key async for key in client.scan_iter(match="bench-bus-*")] == []
    finally:
        await client.aclose()
