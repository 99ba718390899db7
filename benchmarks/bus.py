"""The bus end to end against an in-process `asyncio.Queue`, measured in the same run.

What is measured. One producer publishes N events (`StreamBus.publish`: the outbox, pipelined
XADD) to a stream on a real Redis; one consumer of a consumer group handles them
(`StreamConsumer.run`: XREADGROUP, the done-key check, the handler, SET + XACK in one MULTI
per batch). The baseline is the same flow through an `asyncio.Queue` with the same idempotent
handling done in memory (a set of keys seen). Both sides run on one event loop in this process,
so the producer and the consumer share a core, as a worker and its in-process stage do.
- burst: N events published as fast as `publish` returns; events/s = N / (first publish →
  last handled);
- paced: M events at a steady `--rate` per second, well below either side's ceiling, so the
  latency of one hop (publish call → handler call) is the bus's, not a queue's wait; p50/p99 in
  microseconds, and the difference with the in-process queue (the latency the bus adds).

Before printing, each run is checked: every event handled exactly once, the group's backlog
empty (lag 0, pending 0). Keys live under a fresh prefix and are deleted afterwards.

Each round runs the four; the figures printed are the medians over `--rounds` (the machine is
shared, and one round can land on a busy moment). The loop is uvloop, as `omniarb run` uses
(`--no-uvloop` for asyncio's own).

    .venv/bin/python benchmarks/bus.py [--events 20000] [--paced 2000] [--rate 1000]
        [--rounds 3] [--redis-url redis://127.0.0.1:6379/0] [--no-uvloop] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as aioredis

from omniarb._config_cluster import ClusterSettings
from omniarb.bus import StreamBus, StreamEntry
from omniarb.cli._loop import add_loop_option, run_on_loop
from omniarb.config import RedisSettings

Publish = Callable[[str, int], Awaitable[None]]


def _percentile_us(samples_ns: list[int], q: float) -> float:
    ordered = sorted(samples_ns)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] / 1000


class _Sink:
    """The handler's side of one run: arrival times by key, and when `expected` were seen."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.latencies_ns: list[int] = []
        self.handled: dict[str, int] = {}
        self.done = asyncio.Event()
        self.first_ns = 0
        self.last_ns = 0

    def take(self, key: str, sent_ns: int) -> None:
        now = time.perf_counter_ns()
        self.handled[key] = self.handled.get(key, 0) + 1
        self.latencies_ns.append(now - sent_ns)
        self.last_ns = now
        if len(self.handled) >= self.expected:
            self.done.set()

    def check(self, what: str) -> None:
        if len(self.handled) != self.expected or set(self.handled.values()) != {1}:
            raise SystemExit(f"{what}: {len(self.handled)} of {self.expected} keys, not once each")


async def _drive(publish: Publish, sink: _Sink, run: str, *, rate: float | None) -> int:
    """Publish `sink.expected` events (paced at `rate` per second when given); returns the
    first publish's perf_counter_ns."""
    started_ns = time.perf_counter_ns()
    for n in range(sink.expected):
        if rate is not None:
            due_ns = started_ns + int(n * 1e9 / rate)
            wait_ns = due_ns - time.perf_counter_ns()
            if wait_ns > 0:
                await asyncio.sleep(wait_ns / 1e9)
        await publish(f"{run}-{n}", time.perf_counter_ns())
    await asyncio.wait_for(sink.done.wait(), timeout=300)
    return started_ns


async def _through_queue(events: int, run: str, rate: float | None) -> _Sink:
    sink = _Sink(events)
    queue: asyncio.Queue[tuple[str, int]] = asyncio.Queue()
    seen: set[str] = set()

    async def consume() -> None:
        while True:
            key, sent_ns = await queue.get()
            if key in seen:  # the same idempotency the bus's done key gives
                continue
            sink.take(key, sent_ns)
            seen.add(key)

    async def publish(key: str, sent_ns: int) -> None:
        await queue.put((key, sent_ns))

    async with asyncio.TaskGroup() as tasks:
        consumer = tasks.create_task(consume())
        sink.first_ns = await _drive(publish, sink, run, rate=rate)
        consumer.cancel()
    sink.check(f"queue {run}")
    return sink


async def _through_bus(bus: StreamBus, events: int, run: str, rate: float | None) -> _Sink:
    sink = _Sink(events)
    stop = asyncio.Event()

    async def handle(entry: StreamEntry) -> None:
        sink.take(entry.key, int(entry.data["sent_ns"]))

    async def publish(key: str, sent_ns: int) -> None:
        await bus.publish(stream, "bench", key=key, data={"sent_ns": sent_ns})

    stream = f"bench-{run}"  # a stream per run: a group reads its stream from the start
    consumer = bus.consumer(stream, group="bench", consumer="c1")
    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(consumer.run(handle, stop=stop))
        sink.first_ns = await _drive(publish, sink, run, rate=rate)
        backlog = await consumer.backlog()
        while backlog.pending or backlog.lag:  # the last MULTI lands just after the handler
            await asyncio.sleep(0.01)
            backlog = await consumer.backlog()
        stop.set()
    sink.check(f"bus {run}")
    return sink


def _rate(sink: _Sink) -> float:
    return sink.expected / ((sink.last_ns - sink.first_ns) / 1e9)


async def measure(
    events: int, paced: int, rate: float, redis_url: str, rounds: int = 3
) -> dict[str, Any]:
    """The figures of `rounds` rounds (each: bus and queue, burst and paced), median of each."""
    prefix = f"bench-bus-{uuid.uuid4().hex[:8]}:"
    settings = RedisSettings(enabled=True, url=redis_url, key_prefix=prefix)
    bus = await StreamBus.connect(settings, ClusterSettings(), producer="bench")
    results: list[dict[str, Any]] = []
    try:
        # A short warm-up of both, then the figures.
        await _through_bus(bus, 500, "warm", None)
        await _through_queue(500, "warm", None)
        for n in range(rounds):
            burst_bus = await _through_bus(bus, events, f"burst{n}", None)
            burst_queue = await _through_queue(events, f"burst{n}", None)
            paced_bus = await _through_bus(bus, paced, f"paced{n}", rate)
            paced_queue = await _through_queue(paced, f"paced{n}", rate)
            results.append(_round(burst_bus, burst_queue, paced_bus, paced_queue))
    finally:
        await bus.close()
        client = aioredis.Redis.from_url(redis_url)
        keys = [key async for key in client.scan_iter(match=f"{prefix}*", count=1000)]
        for start in range(0, len(keys), 1000):
            await client.delete(*keys[start : start + 1000])
        await client.aclose()
    figures: dict[str, Any] = {
        "events": events,
        "paced_events": paced,
        "rate_per_s": rate,
        "rounds": rounds,
    }
    for name in results[0]:
        figures[name] = statistics.median(r[name] for r in results)
    return figures


def _round(
    burst_bus: _Sink, burst_queue: _Sink, paced_bus: _Sink, paced_queue: _Sink
) -> dict[str, float]:
    figures: dict[str, float] = {
        "bus_events_per_s": round(_rate(burst_bus)),
        "queue_events_per_s": round(_rate(burst_queue)),
    }
    for name, sink in (("bus", paced_bus), ("queue", paced_queue)):
        figures[f"{name}_p50_us"] = round(_percentile_us(sink.latencies_ns, 0.50), 1)
        figures[f"{name}_p99_us"] = round(_percentile_us(sink.latencies_ns, 0.99), 1)
    figures["throughput_ratio"] = round(
        figures["queue_events_per_s"] / figures["bus_events_per_s"], 1
    )
    figures["added_p50_us"] = round(figures["bus_p50_us"] - figures["queue_p50_us"], 1)
    figures["added_p99_us"] = round(figures["bus_p99_us"] - figures["queue_p99_us"], 1)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000, help="events of the burst run")
    parser.add_argument("--paced", type=int, default=2_000, help="events of the paced run")
    parser.add_argument("--rate", type=float, default=1_000, help="paced events per second")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; figures are medians")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--json", action="store_true")
    add_loop_option(parser)
    args = parser.parse_args()
    f = run_on_loop(
        measure(args.events, args.paced, args.rate, args.redis_url, args.rounds),
        use_uvloop=args.uvloop,
    )
    if args.json:
        print(json.dumps(f))
        return
    print(f"{'':28} {'bus':>10} {'asyncio.Queue':>14} {'ratio/added':>12}")
    print(
        f"{'burst, events/s':28} {f['bus_events_per_s']:>10,} {f['queue_events_per_s']:>14,}"
        f" {f['throughput_ratio']:>11}x"
    )
    for q in ("p50", "p99"):
        print(
            f"{f'paced, hop latency {q} us':28} {f[f'bus_{q}_us']:>10,.1f}"
            f" {f[f'queue_{q}_us']:>14,.1f} {f[f'added_{q}_us']:>+12,.1f}"
        )
    print(
        f"({f['events']:,} events burst; {f['paced_events']:,} paced at {f['rate_per_s']:,.0f}/s;"
        f" one producer, one consumer, one event loop; median of {f['rounds']} rounds)"
    )


if __name__ == "__main__":
    main()
