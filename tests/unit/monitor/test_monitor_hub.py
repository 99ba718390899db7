"""`Monitor`: the engine's hooks feed the metrics and the rules, and what the rules raise is
published; the settings and the environment decide the sinks."""

from __future__ import annotations

import asyncio
import math
from dataclasses import replace

from _monitor_values import POOL_A, POOL_B, ManualClock, decision, execution, opportunity, trade
from _monitor_values import pool_update as update
from pydantic import SecretStr

from omniarb.config import AlertSettings, MonitorSettings, Secrets
from omniarb.dex.balancer import WeightedPoolState
from omniarb.dex.balancer.pair import pair_views
from omniarb.dex.uniswap_v2.pool import V2PoolState
from omniarb.dex.uniswap_v3.pool import V3PoolState
from omniarb.dex.uniswap_v3.tick_table import TickTable
from omniarb.errors import FatalError
from omniarb.monitor import LogSink, Monitor, SlackSink, TelegramSink, WebhookSink
from omniarb.monitor.hub import alert_sinks_from_settings
from omniarb.risk.breaker import CircuitBreaker
from omniarb.types import ExecutionStatus, PoolUpdate


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


def v3_state(address: str, sqrt_price_x96: int, block: int) -> V3PoolState:
    return V3PoolState(
        chain_id=1,
        address=address,
        dex="uniswap-v3",
        factory="0x1F98431c8aD98523631AE4a59f267346ea31F984",
        token0="0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
        token1="0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
        fee_pips=500,
        tick_spacing=10,
        sqrt_price_x96=sqrt_price_x96,
        tick=0,
        liquidity=10**18,
        ticks=TickTable(),
        block_number=block,
    )


def test_the_price_of_a_v2_pair_and_of_a_v3_pool() -> None:
    assert v3_state(POOL_A, 2**96, 1).spot_price() == 1.0
    assert v3_state(POOL_A, 3 * 2**96, 1).spot_price() == 9.0
    assert v3_state(POOL_A, 2**95, 1).spot_price() == 0.25
    assert v3_state(POOL_A, 0, 1).spot_price() is None  # not initialized
    (pair,) = update(1, {POOL_B: 2000.0}).pools
    assert isinstance(pair, V2PoolState)
    assert pair.spot_price() == 2000.0
    assert replace(pair, reserve0=0).spot_price() is None


async def test_a_v3_price_jump_raises_an_alert() -> None:
    monitor = Monitor.from_settings(settings(), Secrets(), clock=ManualClock())

    def v3_update(block: int, sqrt_price_x96: int) -> PoolUpdate:
        pools = (v3_state(POOL_A, sqrt_price_x96, block), v3_state(POOL_B, 0, block))
        return PoolUpdate(
            chain_id=1,
            block_number=block,
            block_hash=f"0x{block:064x}",
            base_fee_wei=1,
            pools=pools,
        )

    sqrt_price_x96 = 40 * 2**96
    for block in range(30):
        sqrt_price_x96 = int(sqrt_price_x96 * math.exp(0.0005 * (-1) ** block))
        monitor.pool_update(v3_update(block, sqrt_price_x96))
    assert monitor.alerts.stats.published == 0
    monitor.pool_update(v3_update(31, sqrt_price_x96 * 11 // 10))
    await monitor.close()
    text = monitor.metrics.render().decode()
    assert 'omniarb_price_outliers_total{chain="ethereum"} 1.0' in text
    assert 'omniarb_alerts_total{rule="market_move",severity="warning"} 1.0' in text


def three_token_pool(block: int, scale: float) -> WeightedPoolState:
    """A 1/3-1/3-1/3 weighted pool of three 18-decimal tokens whose balances give its three
    pairs prices of about 1, 2 and 4 (each scaled by `scale`)."""
    one = 10**18
    return WeightedPoolState(
        chain_id=1,
        address="0x" + "ba" * 20,
        dex="balancer-v2",
        vault="0x" + "b0" * 20,
        pool_id="0x" + "01" * 32,
        tokens=("0x" + "a1" * 20, "0x" + "a2" * 20, "0x" + "a3" * 20),
        balances=(4 * 10**24, int(4 * 10**24 * scale), int(16 * 10**24 * scale)),
        scaling_factors=(one, one, one),
        swap_fee_percentage=3 * 10**15,
        block_number=block,
        normalized_weights=(333333333333333334, 333333333333333333, 333333333333333333),
    )


async def test_the_pairs_of_one_balancer_pool_are_watched_apart() -> None:
    # Its pairs share an address but not a price: kept under one key, each update would look
    # like a jump from one pair's price to the next.
    monitor = Monitor.from_settings(settings(), Secrets(), clock=ManualClock())
    for block in range(40):
        pools = pair_views(three_token_pool(block, math.exp(0.001 * (-1) ** block)))
        assert len({pool.address for pool in pools}) == 1
        assert len({round(pool.spot_price() or 0.0, 1) for pool in pools}) > 1
        monitor.pool_update(
            PoolUpdate(
                chain_id=1,
                block_number=block,
                block_hash=f"0x{block:064x}",
                base_fee_wei=1,
                pools=pools,
            )
        )
    assert monitor.alerts.stats.published == 0
    # A real jump of one pair still alerts.
    jumped = pair_views(three_token_pool(41, 1.3))
    monitor.pool_update(
        PoolUpdate(
            chain_id=1, block_number=41, block_hash="0x" + "41" * 32, base_fee_wei=1, pools=jumped
        )
    )
    await monitor.close()
    assert monitor.alerts.stats.published >= 1


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
        async with asyncio.timeout(10):
            while monitor.alerts.stats.delivered == 0:
                await asyncio.sleep(0.01)
        runner.cancel()
    await monitor.close()
    assert monitor.alerts.stats.published == 1
