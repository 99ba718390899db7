"""The circuit breaker: trips on failures in a row or a loss over its window, declines every
decision while open, and tells its listeners about trips and resets."""

from __future__ import annotations

import pytest
from _monitor_values import ManualClock, decision, opportunity, trade

from omniarb.risk.breaker import BreakerState, BreakerTrip, CircuitBreaker, TripReason


def breaker(
    clock: ManualClock | None = None, *, max_consecutive_failures: int = 3
) -> CircuitBreaker:
    """3 failures in a row or $100 lost over 10 minutes."""
    return CircuitBreaker(
        max_consecutive_failures=max_consecutive_failures,
        max_loss_usd=100.0,
        loss_window_s=600.0,
        clock=clock or ManualClock(),
    )


def test_n_failures_in_a_row_trip_it_and_a_success_between_resets_the_count() -> None:
    cb = breaker()
    for success in (False, False, True, False, False):
        assert cb.record_result(success=success, net_usd=-1.0) is None
    assert cb.consecutive_failures == 2
    trip = cb.record_result(success=False, net_usd=-1.0)
    assert trip is not None
    assert trip.reason is TripReason.CONSECUTIVE_FAILURES
    assert trip.consecutive_failures == 3
    assert trip.tripped_by == "auto"
    assert "3 failed trades in a row" in trip.detail
    assert cb.state is BreakerState.OPEN
    assert cb.trip_record == trip
    # Already open: more failures are counted but do not trip it again.
    assert cb.record_result(success=False, net_usd=-1.0) is None


def test_a_loss_over_the_window_trips_it() -> None:
    clock = ManualClock()
    cb = breaker(clock, max_consecutive_failures=100)
    assert cb.record_result(success=True, net_usd=-60.0) is None
    clock.advance(601)  # that loss left the window
    assert cb.record_result(success=True, net_usd=-60.0) is None
    assert cb.window_net_usd == pytest.approx(-60.0)
    trip = cb.record_result(success=False, net_usd=-45.0)
    assert trip is not None
    assert trip.reason is TripReason.LOSS
    assert trip.loss_usd == pytest.approx(105.0)
    assert "lost $105.00" in trip.detail


def test_profits_offset_losses() -> None:
    cb = breaker(max_consecutive_failures=100)
    cb.record_result(success=True, net_usd=80.0)
    assert cb.record_result(success=False, net_usd=-150.0) is None  # net −70
    assert cb.is_open is False


def test_a_settled_outcome_counts_at_its_realized_usd() -> None:
    cb = breaker(max_consecutive_failures=2)
    assert cb.observe_outcome(trade(success=False)) is None
    assert cb.window_net_usd == pytest.approx(-7.2)  # the gas of a reverted trade
    assert cb.observe_outcome(trade(success=False)) is not None


async def test_while_open_every_approved_decision_is_declined_with_the_reason() -> None:
    cb = breaker()
    approved = decision(opportunity())
    assert await cb.process(approved) is approved
    cb.trip("operator says stop", by="api")
    declined = await cb.process(approved)
    assert declined.approved is False
    assert declined.reasons[-1] == "circuit breaker open (manual): operator says stop"
    assert declined.opportunity is approved.opportunity
    already = decision(opportunity(), approved=False)
    assert await cb.process(already) is already
    cb.reset(by="api")
    assert await cb.process(approved) is approved


def test_listeners_see_the_trip_and_the_reset_and_a_failing_one_does_not_stop_it() -> None:
    seen: list[BreakerTrip] = []

    def broken(trip: BreakerTrip) -> None:
        raise RuntimeError("sink down")

    cb = breaker()
    cb.subscribe(broken)
    cb.subscribe(seen.append)
    trip = cb.trip("maintenance", by="cli")
    assert cb.trip("again") is trip  # one trip at a time
    assert cb.is_open
    ended = cb.reset(by="api")
    assert ended is not None
    assert ended.id == trip.id
    assert ended.reset_by == "api"
    assert ended.reset_at is not None
    assert ended.reset_at >= trip.tripped_at
    assert seen == [trip, ended]
    assert cb.reset() is None  # closed already
    assert cb.state is BreakerState.CLOSED
    assert cb.consecutive_failures == 0
    assert trip.to_json()["reason"] == "manual"
    assert ended.to_json()["reset_by"] == "api"


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        CircuitBreaker(max_consecutive_failures=0)
    with pytest.raises(ValueError, match="positive"):
        CircuitBreaker(max_loss_usd=0)
