"""`Monitor`: the engine's hooks feed the metrics and the rules, and what the rules raise is
published; the settings and the environment decide the sinks."""

from __future__ import annotations

import asyncio
import math

from _monitor_values import POOL_A, POOL_B, ManualClock, decision, execution, opportunity, trade
from _monitor_values import pool_update as update
from pydantic import SecretStr

from omniarb.config import AlertSettings, MonitorSettings, Secrets
from omniarb.errors import FatalError
from omniarb.monitor import LogSink, Monitor, SlackSink, TelegramSink, WebhookSink
from omniarb.monitor.hub import alert_sinks_from_settings
from omniarb.risk.breaker import CircuitBreaker
from omniarb.types import ExecutionStatus


def settings(**alerts: object) -> MonitorSettings:
    base = {"success_rate_min_trades": 4, "profit_rate_window_s": 60.0, "price_min_samples": 10}
    return MonitorSettings(alerts=AlertSettings.model_validate({**base, **alerts}))


def test_sinks_follow_the_settings_and_the_secrets() -> None:
    none = alert_sinks_from_settings(settings(log=False), Secrets())
    assert none == []
    every = alert_sinks_from_settings(
        settings(webhook_url="http://127.0.0.1:1/hook"),
        Secrets(
            slack_webhook_url=SecretStr("https://hooks.slack.com/services/T/B/x"),
            telegram_bot_token=SecretStr("123:abc"),
            telegram_chat_id=SecretStr("42"),
        ),
    )
    assert [type(s) for s in every] == [LogSink, WebhookSink, SlackSink, TelegramSink]
    half = alert_sinks_from_settings(settings(), Secrets(telegram_bot_token=SecretStr("1:a")))
    assert [type(s) for s in half] == [LogSink]  # Telegram needs the chat id too


async def test_outcomes_feed_the_windowed_rules() -> None:
    clock = ManualClock()
    monitor = Monitor.from_settings(settings(), Secrets(), chains=["ethereum"], clock=clock)
    for n in range(4):
        monitor.outcome(trade(n, success=n == 0))
    clock.advance(60)
    published = monitor.check()
    assert sorted(a.rule for a in published) == ["profit_rate", "success_rate"]
    assert monitor.check() == []  # duplicates within the dedup window
    text = monitor.metrics.render().decode()
    assert 'omniarb_trade_failures_total{chain="ethereum",reason="reverted"} 3.0' in text
    await monitor.close()
    assert monitor.alerts.stats.delivered == 2


async def test_errors_failed_sends_and_price_jumps_raise_alerts() -> None:
    monitor = Monitor.from_settings(settings(), Secrets(), clock=ManualClock())
    monitor.error("store", FatalError("disk full"))
    monitor.execution(
        execution(decision(opportunity()), status=ExecutionStatus.FAILED, error="nonce too low")
    )
    price = 2000.0
    for block in range(30):
        price *= math.exp(0.001 * (-1) ** block)
        monitor.pool_update(update(block, {POOL_A: price, POOL_B: 1.0}))
    monitor.pool_update(update(31, {POOL_A: price * 1.2, POOL_B: 1.0}))
    await monitor.close()
    stats = monitor.alerts.stats
    assert stats.published == 3
    text = monitor.metrics.render().decode()
    assert 'omniarb_errors_total{component="store",kind="FatalError"} 1.0' in text
    assert 'omniarb_errors_total{component="execute",kind="error"} 1.0' in text
    assert 'omniarb_price_outliers_total{chain="ethereum"} 1.0' in text
    assert 'omniarb_alerts_total{rule="market_move",severity="warning"} 1.0' in text
    assert 'omniarb_alerts_total{rule="system_error",severity="critical"} 1.0' in text


async def test_breaker_events_are_recorded_and_a_trip_alerts() -> None:
    monitor = Monitor.from_settings(settings(), Secrets())
    breaker = CircuitBreaker(max_consecutive_failures=2)
    breaker.subscribe(monitor.breaker_event)
    for n in range(2):
        net_usd = monitor.outcome(trade(n, success=False))
        breaker.record_result(success=False, net_usd=net_usd)
    assert breaker.is_open
    assert 'omniarb_breaker_open{scope="global"} 1.0' in monitor.metrics.render().decode()
    breaker.reset(by="api")
    text = monitor.metrics.render().decode()
    assert 'omniarb_breaker_open{scope="global"} 0.0' in text
    assert 'omniarb_breaker_trips_total{reason="consecutive_failures",scope="global"} 1.0' in text
    assert monitor.alerts.stats.pending == 3  # the trip, its alert, the reset
    await monitor.close()
    assert monitor.alerts.stats.delivered == 1


async def test_run_evaluates_every_interval_until_cancelled() -> None:
    clock = ManualClock()
    monitor = Monitor.from_settings(
        settings(evaluate_every_s=0.01), Secrets(), chains=["ethereum"], clock=clock
    )
    clock.advance(61)  # a whole profit window with no profit
    async with asyncio.TaskGroup() as tasks:
        runner = tasks.create_task(monitor.run())
        while monitor.alerts.stats.delivered == 0:
            await asyncio.sleep(0.01)
        runner.cancel()
    await monitor.close()
    assert monitor.alerts.stats.published == 1
