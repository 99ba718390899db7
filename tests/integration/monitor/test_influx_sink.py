"""The InfluxDB sink against a real InfluxDB 1.x (Debian's `influxd`, started by the test): the
registry's figures and each trade arrive as points, in batches; lines written while the server
was down are kept and arrive once it is up."""

from __future__ import annotations

import asyncio
import json
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from _influxd import influxd
from _monitor_values import trade

from omniarb.config import InfluxSettings, MonitorSettings, Secrets
from omniarb.devnet.anvil import free_port
from omniarb.errors import RetryableError
from omniarb.monitor import InfluxSink, Metrics, Monitor

DB = "omniarb_test"


def query(url: str, statement: str) -> list[dict[str, Any]]:
    """The series an InfluxQL query returns (blocking; InfluxDB answers in milliseconds)."""
    params = urllib.parse.urlencode({"db": DB, "q": statement})
    with urllib.request.urlopen(f"{url}/query?{params}", timeout=10) as answer:
        result = json.load(answer)["results"][0]
    if result.get("error", "").startswith("database not found"):
        return []  # the sink has not created it yet
    assert "error" not in result, result
    series: list[dict[str, Any]] = result.get("series", [])
    return series


def values(url: str, statement: str) -> list[list[Any]]:
    series = query(url, statement)
    return series[0]["values"] if series else []


def field_values(url: str, measurement: str, **tags: str) -> list[Any]:
    """The `value` field of `measurement`'s points with these tags, oldest first."""
    where = " AND ".join(f"\"{key}\"='{value}'" for key, value in tags.items())
    return [row[1] for row in values(url, f'SELECT "value" FROM "{measurement}" WHERE {where}')]


async def test_lines_kept_while_down_arrive_in_batches_once_up(tmp_path: Path) -> None:
    metrics = Metrics(chains=["ethereum", "polygon"])
    metrics.observe_outcome(trade(1))
    metrics.observe_outcome(trade(2, success=False))
    metrics.observe_rpc("ethereum", "eth_call", 0.003)
    port = free_port("127.0.0.1")
    sink = InfluxSink(
        url=f"http://127.0.0.1:{port}", database=DB, registry=metrics.registry, batch_lines=40
    )
    lines = sink.snapshot()
    assert lines > 80
    try:
        with pytest.raises(RetryableError):
            await sink.flush()  # nothing listens yet
        assert sink.stats.buffered == lines
        with influxd(tmp_path, http_port=port) as url:
            await sink.ensure_database()
            assert await sink.flush() == lines
            assert sink.stats.batches == -(-lines // 40)
            assert sink.stats.buffered == 0
            await sink.close()
            assert field_values(url, "omniarb_trade_successes_total", chain="ethereum") == [
                1.0,
                1.0,  # written by the flush, then by the last snapshot at close
            ]
            failures = field_values(
                url, "omniarb_trade_failures_total", chain="ethereum", reason="reverted"
            )
            assert failures == [1.0, 1.0]
            rpc = field_values(url, "omniarb_rpc_latency_seconds_count", method="eth_call")
            assert rpc == [1.0, 1.0]
            measurements = {row[0] for row in values(url, "SHOW MEASUREMENTS")}
            assert {"omniarb_gas_used_bucket", "omniarb_start_time_seconds"} <= measurements
    finally:
        await sink.close()


async def test_the_monitor_feeds_influxdb_every_interval(tmp_path: Path) -> None:
    with influxd(tmp_path) as url:
        settings = MonitorSettings(
            influx=InfluxSettings(enabled=True, url=url, database=DB, interval_s=0.2)
        )
        monitor = Monitor.from_settings(settings, Secrets(), chains=["ethereum"])
        outcome = trade(7)
        net_usd = monitor.outcome(outcome)
        async with asyncio.TaskGroup() as tasks:
            runner = tasks.create_task(monitor.run())
            async with asyncio.timeout(15):
                while not values(url, 'SELECT * FROM "omniarb_trade"'):
                    await asyncio.sleep(0.1)
            runner.cancel()
        await monitor.close()
        series = query(url, 'SELECT * FROM "omniarb_trade"')[0]
        point = dict(zip(series["columns"], series["values"][0], strict=True))
        assert point["chain"] == "ethereum"
        assert point["result"] == "success"
        assert point["net_profit_usd"] == pytest.approx(net_usd)
        assert point["realized_profit"] == str(outcome.realized_profit)
        assert point["gas_used"] == 120_000
        assert point["tx_hash"] == outcome.execution.tx_hash
        profit = values(url, 'SELECT last("value") FROM "omniarb_profit_usd_total"')
        assert profit[0][1] == pytest.approx(net_usd)
