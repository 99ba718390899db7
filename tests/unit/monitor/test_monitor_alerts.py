"""`AlertManager`: duplicates are dropped, each rule is rate-limited on its own, every kept
alert reaches every sink, and a dead sink costs a counter, not the others."""

from __future__ import annotations

import asyncio
import logging
import socket

import pytest
from _monitor_values import ManualClock

from omniarb.monitor import Alert, AlertManager, LogSink, Metrics, Severity, WebhookSink


def alert(rule: str = "market_move", key: str = "market_move:ethereum:0xA") -> Alert:
    return Alert.new(rule=rule, severity=Severity.WARNING, key=key, summary=f"{key} happened")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def manager(clock: ManualClock, **options: float) -> AlertManager:
    return AlertManager(
        sinks=[LogSink()],
        metrics=Metrics(),
        dedup_window_s=options.get("dedup_window_s", 300),
        rate_limit_count=int(options.get("rate_limit_count", 3)),
        rate_limit_window_s=options.get("rate_limit_window_s", 60),
        clock=clock,
    )


async def test_a_key_raised_again_within_the_window_is_a_duplicate(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = ManualClock()
    alerts = manager(clock)
    first = alert()
    assert alerts.publish(first) == first
    clock.advance(299)
    assert alerts.publish(alert()) is None
    clock.advance(1)
    assert alerts.publish(alert()) is not None  # the window has passed
    with caplog.at_level(logging.WARNING, logger="omniarb.monitor.alert_sinks"):
        await alerts.close()
    assert alerts.stats.duplicates == 1
    assert alerts.stats.published == 2
    assert alerts.stats.delivered == 2
    assert [r.getMessage() for r in caplog.records].count(
        "alert market_move [warning] market_move:ethereum:0xA: market_move:ethereum:0xA happened"
    ) == 2


async def test_rate_limit_is_per_rule_and_kept_alerts_are_marked() -> None:
    clock = ManualClock()
    alerts = manager(clock, rate_limit_count=3, rate_limit_window_s=60)
    moves = [alerts.publish(alert(key=f"market_move:ethereum:0x{i}")) for i in range(5)]
    assert [m.suppressed if m else "dup" for m in moves] == [None] * 3 + ["rate_limited"] * 2
    trip = alerts.publish(alert(rule="breaker_trip", key="breaker_trip:global"))
    assert trip is not None
    assert trip.suppressed is None  # another rule's budget
    clock.advance(60)
    later = alerts.publish(alert(key="market_move:ethereum:0x9"))
    assert later is not None
    assert later.suppressed is None
    # A rate-limited key is remembered too: it is not raised again every evaluation.
    assert alerts.publish(alert(key="market_move:ethereum:0x4")) is None
    await alerts.close()
    assert alerts.stats.rate_limited == 2
    assert alerts.stats.delivered == 5  # 3 moves, the trip, the later move


async def test_run_delivers_and_flush_waits_for_it(caplog: pytest.LogCaptureFixture) -> None:
    alerts = manager(ManualClock())
    with caplog.at_level(logging.WARNING, logger="omniarb.monitor.alert_sinks"):
        async with asyncio.TaskGroup() as tasks:
            runner = tasks.create_task(alerts.run())
            alerts.publish(alert(key="a"))
            alerts.publish(alert(key="b"))
            await alerts.flush()
            assert alerts.stats.delivered == 2
            assert alerts.stats.pending == 0
            runner.cancel()
    assert sum("happened" in r.getMessage() for r in caplog.records) == 2


async def test_a_dead_webhook_is_counted_and_the_log_still_gets_the_alert(
    caplog: pytest.LogCaptureFixture,
) -> None:
    metrics = Metrics()
    dead = WebhookSink(f"http://127.0.0.1:{closed_port()}/hook", timeout_s=2)
    alerts = AlertManager(sinks=[dead, LogSink()], metrics=metrics)
    alerts.publish(alert())
    with caplog.at_level(logging.WARNING):
        await alerts.close()
    assert alerts.stats.failed_deliveries == 1
    assert alerts.stats.delivered == 1
    failures = [r.getMessage() for r in caplog.records if "not delivered" in r.getMessage()]
    assert len(failures) == 1
    assert "webhook: ClientConnectorError" in failures[0]
    assert "127.0.0.1" not in failures[0]  # a webhook URL can carry a token
    text = metrics.render().decode()
    assert 'omniarb_alert_deliveries_total{result="error",sink="webhook"} 1.0' in text
    assert 'omniarb_alert_deliveries_total{result="ok",sink="log"} 1.0' in text


async def test_a_full_queue_drops_and_counts() -> None:
    alerts = AlertManager(sinks=[], queue_size=2)
    for i in range(3):
        alerts.publish(alert(key=str(i)))
    assert alerts.stats.dropped == 1
    assert alerts.stats.pending == 2
    await alerts.close()
    assert alerts.stats.pending == 0


def test_alert_json_shape() -> None:
    a = alert()
    data = a.to_json()
    assert set(data) == {
        "id",
        "rule",
        "severity",
        "key",
        "chain",
        "summary",
        "value",
        "threshold",
        "suppressed",
        "fired_at",
    }
    assert data["severity"] == "warning"
    assert data["fired_at"].endswith("+00:00")
    assert a.id.startswith("market_move-")
    assert a.id != alert().id
