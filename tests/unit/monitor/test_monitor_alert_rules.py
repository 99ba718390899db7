"""The in-process alert rules: each fires on its planted condition and stays quiet otherwise."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from _monitor_values import ManualClock

from omniarb.errors import FatalError, RpcTransportError
from omniarb.monitor import (
    MarketMoveRule,
    ProfitRateRule,
    Severity,
    SuccessRateRule,
    SystemErrorRule,
    breaker_alert,
)
from omniarb.risk.breaker import BreakerTrip, TripReason


def test_success_rate_fires_below_the_threshold_once_enough_trades_were_seen() -> None:
    clock = ManualClock()
    rule = SuccessRateRule(min_rate=0.95, window_s=900, min_trades=20, clock=clock)
    for _ in range(18):
        rule.record("polygon", success=True)
    rule.record("polygon", success=False)
    assert rule.check() == []  # 19 trades: too few to judge
    rule.record("polygon", success=False)
    [alert] = rule.check()
    assert alert.rule == "success_rate"
    assert alert.key == "success_rate:polygon"
    assert alert.chain == "polygon"
    assert alert.value == pytest.approx(0.9)
    assert alert.threshold == 0.95
    assert alert.severity is Severity.WARNING
    assert "90.0% of the last 20 trades" in alert.summary


def test_success_rate_is_per_chain_and_forgets_outside_its_window() -> None:
    clock = ManualClock()
    rule = SuccessRateRule(min_rate=0.95, window_s=900, min_trades=5, clock=clock)
    for _ in range(5):
        rule.record("bnb", success=False)
        rule.record("arbitrum", success=True)
    assert [a.chain for a in rule.check()] == ["bnb"]
    clock.advance(901)
    assert rule.check() == []
    assert rule.rate("bnb") == (None, 0)
    for _ in range(19):
        rule.record("bnb", success=True)
    rule.record("bnb", success=False)
    assert rule.check() == []  # exactly 95%: not below


def test_profit_rate_waits_a_whole_window_then_scales_to_an_hour() -> None:
    clock = ManualClock()
    rule = ProfitRateRule(min_usd_per_hour=1000, window_s=1800, clock=clock)
    rule.record(100.0)
    clock.advance(1799)
    assert rule.check() == []  # the bot has not run a whole window yet
    clock.advance(1)
    rule.record(350.0)
    [alert] = rule.check()
    assert alert.rule == "profit_rate"
    assert alert.key == "profit_rate"
    assert alert.value == pytest.approx((100 + 350) * 2)  # per 30 min → per hour
    rule.record(60.0)
    assert rule.check() == []  # $1020/hour


def test_profit_rate_counts_losses_and_can_be_turned_off() -> None:
    clock = ManualClock()
    rule = ProfitRateRule(min_usd_per_hour=1000, window_s=60, clock=clock)
    off = ProfitRateRule(min_usd_per_hour=0, window_s=60, clock=clock)
    clock.advance(61)
    rule.record(5000.0)
    rule.record(-4990.0)
    assert rule.usd_per_hour() == pytest.approx(10 * 60)
    assert len(rule.check()) == 1
    assert off.check() == []


def test_system_errors_alert_at_the_count_within_the_window() -> None:
    clock = ManualClock()
    rule = SystemErrorRule(count=2, window_s=60, clock=clock)
    assert rule.record("track", RpcTransportError("dropped", url="http://x")) == []
    clock.advance(61)
    assert rule.record("track", "receipt timeout") == []  # the first one expired
    [alert] = rule.record("track", RpcTransportError("dropped", url="http://x"), chain="bnb")
    assert alert.key == "system_error:track:bnb"  # per chain: no chain's hides another's
    assert alert.severity is Severity.WARNING
    assert alert.summary.startswith("bnb: track error (RpcTransportError): dropped")
    assert rule.record("execute", "x") == []  # counted per component


def test_a_fatal_error_is_critical_and_long_messages_are_cut() -> None:
    rule = SystemErrorRule(count=1, window_s=60)
    [alert] = rule.record("execute", FatalError("nonce\ncorrupted " + "x" * 1000))
    assert alert.severity is Severity.CRITICAL
    assert "\n" not in alert.summary
    assert len(alert.summary) < 360


def _noise(rule: MarketMoveRule, pool: str, moves: int, seed: int = 1) -> float:
    """Feed `moves` ±0.1% random-walk prices; returns the last price."""
    rng = random.Random(seed)
    price = 2000.0
    rule.observe("ethereum", pool, price)
    for _ in range(moves):
        price *= math.exp(rng.gauss(0, 0.001))
        move, alerts = rule.observe("ethereum", pool, price)
        assert move is not None
        assert alerts == []
    return price


def test_a_price_move_far_outside_the_pool_s_usual_moves_alerts() -> None:
    rule = MarketMoveRule(zscore_max=4.0, window=120, min_samples=30)
    price = _noise(rule, "0xPool", 200)
    move, [alert] = rule.observe("ethereum", "0xPool", price * 0.95)  # a 5% drop
    assert move is not None
    assert move.zscore < -4
    assert alert.rule == "market_move"
    assert alert.key == "market_move:ethereum:0xPool"
    assert alert.value == move.zscore
    assert "-5.00%" in alert.summary


def test_no_judgement_before_min_samples_and_no_move_no_sample() -> None:
    rule = MarketMoveRule(zscore_max=4.0, window=120, min_samples=30)
    price = _noise(rule, "0xPool", 20)
    move, alerts = rule.observe("ethereum", "0xPool", price * 0.5)
    assert move is not None
    assert move.zscore == 0
    assert alerts == []
    assert rule.observe("ethereum", "0xPool", price * 0.5) == (None, [])  # unchanged
    assert rule.observe("ethereum", "0xPool", 0.0) == (None, [])  # no price
    assert rule.observe("ethereum", "0xPool", float("nan")) == (None, [])


def test_a_pool_that_never_moved_before_cannot_be_judged() -> None:
    # A constant step has no spread: no z-score rather than an infinite one.
    rule = MarketMoveRule(zscore_max=4.0, window=10, min_samples=3)
    price = 1.0
    rule.observe("bnb", "0xP", price)
    for _ in range(10):
        price *= 1.01
        assert rule.observe("bnb", "0xP", price)[1] == []


def test_a_breaker_trip_is_a_critical_alert() -> None:
    trip = BreakerTrip(
        id="global-1",
        scope="global",
        reason=TripReason.LOSS,
        detail="lost $600.00",
        consecutive_failures=2,
        loss_usd=600.0,
        tripped_at=datetime.now(UTC),
        tripped_by="auto",
    )
    alert = breaker_alert(trip)
    assert alert.severity is Severity.CRITICAL
    assert alert.key == "breaker_trip:global"
    assert alert.chain is None
    assert alert.value == 600.0
    assert "lost $600.00" in alert.summary
    assert alert.summary.endswith("; trading is stopped until it is reset")
    on_base = breaker_alert(replace(trip, id="base-1", scope="base"))
    assert (on_base.key, on_base.chain) == ("breaker_trip:base", "base")
    assert on_base.summary.endswith("; trading on base is stopped until it is reset")
