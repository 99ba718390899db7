"""The breaker's optional trip rules: each trips the breaker, which stays open until a reset
(or its cooldown), and a reset starts the rule's count afresh."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from _monitor_values import ManualClock, decision, opportunity

from omniarb.risk.breaker import COOLDOWN, BreakerTrip, CircuitBreaker, TripReason
from omniarb.risk.trip_rules import ErrorBurst, PriceJump, SuccessRate, TripRule


def breaker(
    *rules: TripRule, clock: ManualClock | None = None, cooldown_s: float | None = None
) -> CircuitBreaker:
    """The built-in rules out of reach (1000 failures, $1M), so only `rules` can trip it."""
    return CircuitBreaker(
        max_consecutive_failures=1000,
        max_loss_usd=1e6,
        rules=rules,
        cooldown_s=cooldown_s,
        clock=clock or ManualClock(),
    )


def test_success_rate_below_the_minimum_over_the_last_n_trades_trips_it() -> None:
    cb = breaker(SuccessRate(min_rate=0.5, sample=4))
    # Fewer than 4 settled trades: no verdict, however bad.
    for _ in range(3):
        assert cb.record_result(success=False, net_usd=0.0) is None
    trip = cb.record_result(success=True, net_usd=0.0)  # 1 of 4 = 25% < 50%
    assert trip is not None
    assert trip.reason is TripReason.SUCCESS_RATE
    assert "1 of the last 4 trades succeeded (25%, minimum 50%)" in trip.detail
    # Stays open whatever comes next.
    for _ in range(8):
        assert cb.record_result(success=True, net_usd=0.0) is None
    assert cb.is_open


def test_success_rate_at_the_minimum_does_not_trip_and_old_trades_leave_the_sample() -> None:
    cb = breaker(SuccessRate(min_rate=0.5, sample=4))
    for success in (False, False, True, True):  # 2 of 4: at the minimum, not below
        assert cb.record_result(success=success, net_usd=0.0) is None
    # The two failures are the oldest; two more successes push them out.
    for _ in range(2):
        assert cb.record_result(success=True, net_usd=0.0) is None
    assert cb.record_result(success=False, net_usd=0.0) is None  # 3 of 4
    assert cb.record_result(success=False, net_usd=0.0) is None  # 2 of 4
    assert cb.record_result(success=False, net_usd=0.0) is not None  # 1 of 4


def test_a_reset_starts_the_success_sample_afresh() -> None:
    cb = breaker(SuccessRate(min_rate=0.5, sample=2))
    cb.record_result(success=False, net_usd=0.0)
    assert cb.record_result(success=False, net_usd=0.0) is not None
    ended = cb.reset(by="cli")
    assert ended is not None
    assert ended.reset_by == "cli"
    # One failure after the reset is a sample of 1: no verdict yet.
    assert cb.record_result(success=False, net_usd=0.0) is None
    assert not cb.is_open


def test_k_errors_within_t_seconds_trip_it_and_spread_out_ones_do_not() -> None:
    clock = ManualClock()
    cb = breaker(ErrorBurst(max_errors=3, window_s=10.0), clock=clock)
    for _ in range(5):
        assert cb.record_error("rpc") is None
        clock.advance(6)  # at most 2 errors within any 10 s
    assert cb.record_error("state") is None
    clock.advance(1)
    trip = cb.record_error("state")
    assert trip is not None
    assert trip.reason is TripReason.ERROR_BURST
    assert "3 errors within 10 s (limit 3): state 2, rpc 1" in trip.detail
    clock.advance(3600)
    assert cb.is_open  # no cooldown: open until reset
    cb.reset()
    assert cb.record_error("rpc") is None


def test_errors_do_not_count_as_failed_trades_nor_trades_as_errors() -> None:
    cb = CircuitBreaker(
        max_consecutive_failures=2,
        rules=[ErrorBurst(max_errors=2, window_s=60.0)],
        clock=ManualClock(),
    )
    assert cb.record_error("rpc") is None
    assert cb.record_result(success=False, net_usd=0.0) is None
    assert cb.consecutive_failures == 1
    trip = cb.record_error("rpc")
    assert trip is not None
    assert trip.reason is TripReason.ERROR_BURST


def test_a_price_jump_beyond_the_band_within_one_block_trips_it() -> None:
    cb = breaker(PriceJump(max_jump_pct=5.0))
    assert cb.observe_price("0xPool", 100.0, block_number=10) is None
    assert cb.observe_price("0xPool", 104.0, block_number=11) is None  # 4%
    # Two swaps in block 12 that add up: 104 → 107 → 110 is 5.77% from the block's start.
    assert cb.observe_price("0xPool", 107.0, block_number=12) is None
    trip = cb.observe_price("0xPOOL", 110.0, block_number=12)
    assert trip is not None
    assert trip.reason is TripReason.PRICE_JUMP
    assert "moved 5.77% in block 12 (from 104 to 110, limit 5%)" in trip.detail


def test_a_drift_over_many_blocks_does_not_trip_it_nor_do_other_pools_prices() -> None:
    cb = breaker(PriceJump(max_jump_pct=5.0))
    price = 100.0
    for block in range(1, 30):
        price *= 1.04  # 4% a block: more than 100% in all, never 5% within one block
        assert cb.observe_price("0xA", price, block_number=block) is None
        assert cb.observe_price("0xB", 1.0, block_number=block) is None
    assert not cb.is_open


def test_a_falling_price_counts_and_bad_prices_are_ignored() -> None:
    cb = breaker(PriceJump(max_jump_pct=10.0))
    assert cb.observe_price("0xA", 100.0, block_number=1) is None
    for bad in (0.0, -5.0, float("nan"), float("inf")):
        assert cb.observe_price("0xA", bad, block_number=2) is None
    trip = cb.observe_price("0xA", 89.0, block_number=2)  # −11% from 100
    assert trip is not None
    assert "moved 11.00% in block 2" in trip.detail


def test_after_a_reset_the_jump_that_tripped_it_is_the_baseline() -> None:
    cb = breaker(PriceJump(max_jump_pct=5.0))
    cb.observe_price("0xA", 100.0, block_number=1)
    assert cb.observe_price("0xA", 120.0, block_number=2) is not None
    cb.reset()
    assert cb.observe_price("0xA", 121.0, block_number=2) is None  # 0.8% from 120
    assert cb.observe_price("0xA", 140.0, block_number=3) is not None  # 15.7% from 121


def test_the_cooldown_closes_an_automatic_trip_after_its_time() -> None:
    clock = ManualClock()
    seen: list[BreakerTrip] = []
    cb = breaker(ErrorBurst(max_errors=1, window_s=1.0), clock=clock, cooldown_s=300.0)
    cb.subscribe(seen.append)
    approved = decision(opportunity())
    trip = cb.record_error("rpc")
    assert trip is not None
    clock.advance(299)
    assert cb.is_open
    assert cb.decline(approved).approved is False
    clock.advance(1)
    assert not cb.is_open
    assert cb.decline(approved) is approved
    assert [t.id for t in seen] == [trip.id, trip.id]
    assert seen[-1].reset_by == COOLDOWN
    # The count started afresh: the next error trips it again, and it cools down again.
    again = cb.record_error("rpc")
    assert again is not None
    assert again.id != trip.id
    clock.advance(300)
    assert cb.trip_record is None


def test_a_trip_by_hand_waits_for_a_hand_whatever_the_cooldown() -> None:
    clock = ManualClock()
    cb = breaker(clock=clock, cooldown_s=60.0)
    cb.trip("maintenance", by="api")
    clock.advance(3600)
    assert cb.is_open
    assert cb.reset(by="api") is not None


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: SuccessRate(min_rate=0.0, sample=10), "success rate"),
        (lambda: SuccessRate(min_rate=1.5, sample=10), "success rate"),
        (lambda: SuccessRate(min_rate=0.5, sample=0), "sample"),
        (lambda: ErrorBurst(max_errors=0, window_s=10.0), "positive"),
        (lambda: ErrorBurst(max_errors=3, window_s=0.0), "positive"),
        (lambda: PriceJump(max_jump_pct=0.0), "positive"),
        (lambda: CircuitBreaker(cooldown_s=0.0), "positive"),
    ],
)
def test_limits_must_make_sense(make: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()
