"""Line protocol: escaping, field types, the registry as points, and a bounded buffer that keeps
its lines when InfluxDB cannot be reached."""

from __future__ import annotations

import socket

import pytest
from _monitor_values import trade

from omniarb.errors import RetryableError
from omniarb.monitor import InfluxSink, Metrics
from omniarb.monitor.influx import line, registry_lines

TS = 1_795_000_000_000_000_000


def test_escaping_follows_the_line_protocol() -> None:
    text = line(
        "my measure,x",
        {"b tag": "v=1,2", "a": "plain", "empty": ""},
        {"f 1": 1.5, "n": 3, "ok": True, "s": 'say "hi" \\ bye'},
        TS,
    )
    assert text == (
        r"my\ measure\,x,a=plain,b\ tag=v\=1\,2 "
        r'f\ 1=1.5,n=3i,ok=true,s="say \"hi\" \\ bye" '
        f"{TS}"
    )


def test_non_finite_fields_are_left_out() -> None:
    assert line("m", {}, {"a": float("nan"), "b": 2.0}, TS) == f"m b=2.0 {TS}"
    assert line("m", {}, {"a": float("inf")}, TS) is None


def test_the_registry_becomes_one_point_per_sample() -> None:
    metrics = Metrics(chains=["ethereum"])
    metrics.observe_outcome(trade())
    lines = registry_lines(metrics.registry, TS)
    assert f"omniarb_trade_successes_total,chain=ethereum value=1.0 {TS}" in lines
    assert f"omniarb_gas_used_bucket,chain=ethereum,le=+Inf value=1.0 {TS}" in lines
    assert not any("_created" in text for text in lines)
    assert all(text.endswith(f" {TS}") for text in lines)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_an_unreachable_influxdb_keeps_the_lines_and_the_buffer_is_bounded() -> None:
    sink = InfluxSink(
        url=f"http://user:sekrit@127.0.0.1:{closed_port()}",
        database="omniarb",
        max_buffered_lines=3,
        clock_ns=lambda: TS,
    )
    for i in range(5):
        sink.add("m", tags={"i": str(i)}, fields={"v": i})
    assert sink.stats.buffered == 3
    assert sink.stats.dropped == 2  # the two oldest
    with pytest.raises(RetryableError) as caught:
        await sink.flush()
    assert "sekrit" not in str(caught.value)
    assert sink.stats.buffered == 3
    assert sink.stats.failures == 1
    await sink.close()
    assert sink.stats.buffered == 3
