"""Alerts end to end: each rule fires on its planted condition, is stored in the history and is
delivered to a real HTTP receiver as a generic JSON webhook, a Slack message and a Telegram
`sendMessage`; duplicates and rate-limited alerts are proven not to be sent."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from _monitor_values import POOL_A, ManualClock, trade
from _monitor_values import pool_update as update
from _webhook_receiver import BOT_TOKEN, Receiver, webhook_receiver
from pydantic import SecretStr

from omniarb.config import AlertSettings, MonitorSettings, Secrets
from omniarb.errors import RpcTransportError
from omniarb.monitor import Monitor
from omniarb.risk.breaker import CircuitBreaker
from omniarb.store import HistoryStore

RULES = {"success_rate", "profit_rate", "system_error", "market_move", "breaker_trip"}
POLYGON = 137
CHAT_ID = "-100042"


@asynccontextmanager
async def running_monitor(
    tmp_path: Path, receiver: Receiver, clock: ManualClock, **alerts: object
) -> AsyncIterator[tuple[Monitor, HistoryStore]]:
    """A monitor wired to the receiver and a SQLite history, its task running."""
    settings = MonitorSettings(
        alerts=AlertSettings.model_validate(
            {
                "success_rate_min_trades": 5,
                "profit_rate_window_s": 600.0,
                "price_min_samples": 10,
                "evaluate_every_s": 3600.0,  # the test calls check() itself
                "webhook_url": f"{receiver.base_url}/hook",
                "telegram_api_url": f"{receiver.base_url}/tg",
                **alerts,
            }
        )
    )
    secrets = Secrets(
        slack_webhook_url=SecretStr(f"{receiver.base_url}/slack"),
        telegram_bot_token=SecretStr(BOT_TOKEN),
        telegram_chat_id=SecretStr(CHAT_ID),
    )
    async with HistoryStore.open(f"sqlite:///{tmp_path / 'history.sqlite'}") as store:
        monitor = Monitor.from_settings(
            settings, secrets, recorder=store, chains=["ethereum", "polygon"], clock=clock
        )
        try:
            async with asyncio.TaskGroup() as tasks:
                runner = tasks.create_task(monitor.run())
                try:
                    yield monitor, store
                finally:
                    runner.cancel()
        finally:
            await monitor.close()
        await store.flush()


def calm_market(monitor: Monitor, moves: int = 20) -> float:
    """±0.1% moves of POOL_A on ethereum; returns its last price."""
    price = 2000.0
    for block in range(moves + 1):
        price *= math.exp(0.001 * (-1) ** block)
        monitor.pool_update(update(block, {POOL_A: price}))
    return price


async def test_each_rule_fires_is_stored_and_reaches_every_channel(tmp_path: Path) -> None:
    clock = ManualClock()
    async with (
        webhook_receiver() as receiver,
        running_monitor(tmp_path, receiver, clock) as (
            monitor,
            store,
        ),
    ):
        breaker = CircuitBreaker(max_consecutive_failures=5, clock=clock)
        breaker.subscribe(monitor.breaker_event)
        # profit_rate: a whole window passes; what follows in it are losses only.
        clock.advance(600)
        # success_rate + breaker_trip: five reverted trades on polygon.
        for n in range(5):
            outcome = trade(n, chain_id=POLYGON, success=False)
            monitor.outcome(outcome)
            breaker.observe_outcome(outcome)
        # system_error: the tracker lost its node.
        monitor.error(
            "track", RpcTransportError("connection reset", url="http://node"), chain="polygon"
        )
        # market_move: a 10% jump after calm trading.
        price = calm_market(monitor)
        monitor.pool_update(update(99, {POOL_A: price * 1.10}))
        assert {a.rule for a in monitor.check()} == {"success_rate", "profit_rate"}
        for channel in ("webhook", "slack", "telegram"):
            await receiver.wait_for(channel, 5)

        webhook = receiver.received["webhook"]
        assert {body["rule"] for body in webhook} == RULES
        by_rule = {body["rule"]: body for body in webhook}
        assert by_rule["success_rate"]["chain"] == "polygon"
        assert by_rule["success_rate"]["value"] == 0.0
        assert by_rule["breaker_trip"]["severity"] == "critical"
        assert by_rule["market_move"]["value"] > 4
        assert all(body["source"] == "omniarb" for body in webhook)
        slack = [body["text"] for body in receiver.received["slack"]]
        assert all(set(body) == {"text"} for body in receiver.received["slack"])
        assert any(text.startswith("🚨 [CRITICAL] omni-arb breaker_trip\n") for text in slack)
        telegram = receiver.received["telegram"]
        assert {body["chat_id"] for body in telegram} == {CHAT_ID}
        assert sorted(body["text"] for body in telegram) == sorted(slack)

        # The same conditions again: duplicates, neither sent nor stored.
        monitor.outcome(trade(9, chain_id=POLYGON, success=False))
        monitor.error("track", "again", chain="polygon")
        monitor.pool_update(update(100, {POOL_A: price}))  # and back down 10%
        assert monitor.check() == []
        await monitor.alerts.flush()
        assert len(receiver.received["webhook"]) == 5
        assert monitor.alerts.stats.duplicates == 4

        breaker.reset(by="api")
        await monitor.alerts.flush()
        await store.flush()
        stored = store.alerts()
        assert sorted(a.rule for a in stored) == sorted(RULES)
        assert {a.id for a in stored} == {body["id"] for body in webhook}
        [trip] = store.breaker_trips()
        assert trip.reset_by == "api"
        assert trip.consecutive_failures == 5
    text = monitor.metrics.render().decode()
    for sink in ("webhook", "slack", "telegram", "log"):
        assert f'omniarb_alert_deliveries_total{{result="ok",sink="{sink}"}} 5.0' in text


async def test_rate_limit_and_dedup_hold_against_the_receiver(tmp_path: Path) -> None:
    clock = ManualClock()
    pools = [f"0x{n:040x}" for n in range(1, 5)]
    async with (
        webhook_receiver() as receiver,
        running_monitor(
            tmp_path,
            receiver,
            clock,
            rate_limit_count=2,
            rate_limit_window_s=60.0,
            dedup_window_s=120.0,
        ) as (monitor, store),
    ):
        prices = dict.fromkeys(pools, 1.0)

        def jump(block: int, factor: float) -> None:
            """15 calm ±0.1% moves of every pool, then all of them jump by `factor`."""
            for step in range(block, block + 15):
                wiggle = math.exp(0.001 * (-1) ** step)
                prices.update({pool: p * wiggle for pool, p in prices.items()})
                monitor.pool_update(update(step, prices))
            prices.update({pool: p * factor for pool, p in prices.items()})
            monitor.pool_update(update(block + 15, prices))

        jump(0, 1.2)  # four pools jump at once: four alerts, two sent
        await receiver.wait_for("webhook", 2)
        await monitor.alerts.flush()
        assert len(receiver.received["webhook"]) == 2
        await store.flush()
        stored = store.alerts(rule="market_move")
        assert sorted(a.suppressed or "sent" for a in stored) == [
            "rate_limited",
            "rate_limited",
            "sent",
            "sent",
        ]

        clock.advance(61)  # the rate window passed, the dedup window did not
        jump(100, 0.8)
        await monitor.alerts.flush()
        assert len(receiver.received["webhook"]) == 2
        assert monitor.alerts.stats.duplicates == 4

        clock.advance(60)  # both windows passed
        jump(200, 1.25)
        await receiver.wait_for("webhook", 4)
        await monitor.alerts.flush()
        assert len(receiver.received["webhook"]) == 4
        await store.flush()
        assert len(store.alerts(rule="market_move")) == 8
    assert monitor.alerts.stats.rate_limited == 4


async def test_a_failing_channel_does_not_stop_the_others(tmp_path: Path) -> None:
    clock = ManualClock()
    async with (
        webhook_receiver() as receiver,
        running_monitor(tmp_path, receiver, clock) as (
            monitor,
            store,
        ),
    ):
        receiver.failures_left["slack"] = 1
        monitor.error("store", "disk full")
        await receiver.wait_for("telegram", 1)
        await monitor.alerts.flush()
        assert len(receiver.received["webhook"]) == 1
        assert receiver.received["slack"] == []
        assert monitor.alerts.stats.failed_deliveries == 1
        await store.flush()
        assert [a.rule for a in store.alerts()] == ["system_error"]
