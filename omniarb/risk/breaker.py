"""The circuit breaker: stop trading after N failures in a row or a loss beyond a threshold.

A bot that keeps losing (a broken price feed, a competitor always first, a bad contract) should
stop and call a human rather than pay gas all night. The breaker watches settled trades; when it
trips it stays open until someone resets it (the API's `/breaker`, or the CLI). While open, its
stage method declines every decision with the trip's reason, so the history shows why nothing
was traded.

Usage, in the engine::

    breaker = CircuitBreaker(max_consecutive_failures=5, max_loss_usd=500.0)
    breaker.subscribe(monitor.breaker_event)        # trips and resets, as `BreakerTrip` values
    decision = await breaker.process(decision)      # after allocate: declined while open
    breaker.observe_outcome(outcome)                # after track: may trip it

Each trip is a `BreakerTrip` value, recorded in the store's `breaker_trips` table; the reset is
the same value with `reset_at` and `reset_by` set (the store updates the row).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from omniarb.types import Decision, Outcome

__all__ = ["BreakerListener", "BreakerState", "BreakerTrip", "CircuitBreaker", "TripReason"]

log = logging.getLogger(__name__)


class BreakerState(StrEnum):
    CLOSED = "closed"  # trading
    OPEN = "open"  # tripped: every decision is declined until a reset


class TripReason(StrEnum):
    CONSECUTIVE_FAILURES = "consecutive_failures"
    LOSS = "loss"
    MANUAL = "manual"


@dataclass(frozen=True, slots=True, kw_only=True)
class BreakerTrip:
    """One trip of a breaker; `reset_at`/`reset_by` are set once it is reset.

    `loss_usd` is the net loss over the breaker's window when it tripped (positive = lost),
    `consecutive_failures` the failures in a row; `tripped_by` says who tripped it ("auto" for
    the breaker itself, otherwise the operator's channel, e.g. "api").
    """

    id: str
    scope: str
    reason: TripReason
    detail: str
    consecutive_failures: int
    loss_usd: float
    tripped_at: datetime
    tripped_by: str
    reset_at: datetime | None = None
    reset_by: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The trip as JSON (times ISO 8601 UTC): the API's and the report's shape."""
        return {
            "id": self.id,
            "scope": self.scope,
            "reason": str(self.reason),
            "detail": self.detail,
            "consecutive_failures": self.consecutive_failures,
            "loss_usd": self.loss_usd,
            "tripped_at": self.tripped_at.isoformat(),
            "tripped_by": self.tripped_by,
            "reset_at": None if self.reset_at is None else self.reset_at.isoformat(),
            "reset_by": self.reset_by,
        }


BreakerListener = Callable[[BreakerTrip], None]


class CircuitBreaker:
    """Trips on `max_consecutive_failures` failed trades in a row, or when the net realized
    loss over the last `loss_window_s` reaches `max_loss_usd`; stays open until `reset`.

    `scope` names what it guards ("global", or a chain's name for a per-chain breaker).
    `clock` is monotonic seconds, for the loss window.
    """

    def __init__(
        self,
        *,
        max_consecutive_failures: int = 5,
        max_loss_usd: float = 500.0,
        loss_window_s: float = 3600.0,
        scope: str = "global",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_consecutive_failures < 1 or max_loss_usd <= 0 or loss_window_s <= 0:
            raise ValueError("breaker thresholds must be positive")
        self.scope = scope
        self._max_failures = max_consecutive_failures
        self._max_loss_usd = max_loss_usd
        self._window_s = loss_window_s
        self._clock = clock
        self._failures = 0
        self._results: deque[tuple[float, float]] = deque()  # (time, net USD)
        self._trip: BreakerTrip | None = None
        self._listeners: list[BreakerListener] = []

    @property
    def state(self) -> BreakerState:
        return BreakerState.CLOSED if self._trip is None else BreakerState.OPEN

    @property
    def is_open(self) -> bool:
        return self._trip is not None

    @property
    def trip_record(self) -> BreakerTrip | None:
        """The current trip while open; None while closed."""
        return self._trip

    @property
    def consecutive_failures(self) -> int:
        return self._failures

    @property
    def window_net_usd(self) -> float:
        """Net realized USD over the loss window (negative = a loss)."""
        self._prune()
        return sum(net for _, net in self._results)

    def subscribe(self, listener: BreakerListener) -> None:
        """Call `listener` with each trip, and with the trip again (reset set) on reset."""
        self._listeners.append(listener)

    async def process(self, decision: Decision) -> Decision:
        """The decision unchanged while closed; declined, with the trip as reason, while open."""
        trip = self._trip
        if trip is None or not decision.approved:
            return decision
        reason = f"circuit breaker open ({trip.reason}): {trip.detail}"
        return replace(decision, approved=False, reasons=(*decision.reasons, reason))

    def observe_outcome(self, outcome: Outcome) -> BreakerTrip | None:
        """Count a settled trade; returns the trip if this one tripped the breaker."""
        return self.record_result(success=outcome.success, net_usd=outcome.realized_net_usd())

    def record_result(self, *, success: bool, net_usd: float) -> BreakerTrip | None:
        """Count one trade result (net USD after gas); returns the trip if it tripped now."""
        self._failures = 0 if success else self._failures + 1
        self._results.append((self._clock(), net_usd))
        if self._trip is not None:
            return None
        loss_usd = -self.window_net_usd
        if self._failures >= self._max_failures:
            detail = f"{self._failures} failed trades in a row (limit {self._max_failures})"
            return self._open(TripReason.CONSECUTIVE_FAILURES, detail, "auto")
        if loss_usd >= self._max_loss_usd:
            detail = (
                f"lost ${loss_usd:,.2f} over the last {self._window_s:g} s "
                f"(limit ${self._max_loss_usd:,.2f})"
            )
            return self._open(TripReason.LOSS, detail, "auto")
        return None

    def trip(self, detail: str, *, by: str = "manual") -> BreakerTrip:
        """Open the breaker by hand; returns the (new or current) trip."""
        if self._trip is not None:
            return self._trip
        return self._open(TripReason.MANUAL, detail, by)

    def reset(self, *, by: str = "manual") -> BreakerTrip | None:
        """Close the breaker and clear its counters; returns the trip it ended (None if closed)."""
        trip = self._trip
        if trip is None:
            return None
        ended = replace(trip, reset_at=datetime.now(UTC), reset_by=by)
        self._trip = None
        self._failures = 0
        self._results.clear()
        log.warning("circuit breaker %s reset by %s", self.scope, by)
        self._notify(ended)
        return ended

    def _open(self, reason: TripReason, detail: str, by: str) -> BreakerTrip:
        trip = BreakerTrip(
            id=f"{self.scope}-{uuid.uuid4().hex[:16]}",
            scope=self.scope,
            reason=reason,
            detail=detail,
            consecutive_failures=self._failures,
            loss_usd=max(0.0, -self.window_net_usd),
            tripped_at=datetime.now(UTC),
            tripped_by=by,
        )
        self._trip = trip
        log.error("circuit breaker %s tripped (%s): %s", self.scope, reason, detail)
        self._notify(trip)
        return trip

    def _notify(self, trip: BreakerTrip) -> None:
        # A failing listener (an alert sink, the store) must not keep the breaker from opening.
        for listener in self._listeners:
            try:
                listener(trip)
            except Exception:
                log.exception("breaker listener failed on %s", trip.id)

    def _prune(self) -> None:
        horizon = self._clock() - self._window_s
        while self._results and self._results[0][0] < horizon:
            self._results.popleft()
