"""The circuit breaker: stop trading when its trip rules say something is wrong.

A bot that keeps losing (a broken price feed, a competitor always first, a bad contract) should
stop and call a human rather than pay gas all night. The breaker watches settled trades (and,
with the optional rules, system errors and pool prices); when it trips it stays open until
someone resets it (the API's `/breaker/reset`, or `omniarb breaker reset`), or, with a
`cooldown_s`, until that long has passed since an automatic trip (a trip by hand always waits
for a hand). While open, its stage method declines every decision with the trip's reason, so
the history shows why nothing was traded.

Usage, in the engine::

    breaker = CircuitBreaker(max_consecutive_failures=5, max_loss_usd=500.0)
    breaker.subscribe(monitor.breaker_event)        # trips and resets, as `BreakerTrip` values
    decision = await breaker.process(decision)      # after allocate: declined while open
    breaker.observe_outcome(outcome)                # after track: may trip it

The two rules of every breaker are N failures in a row and a loss over a window; `rules` adds
others from `omniarb.risk.trip_rules` (success rate, error bursts, price jumps). One breaker
guards one scope; `omniarb.risk.breaker_board.BreakerBoard` holds the global one and one per
chain.

Each trip is a `BreakerTrip` value, recorded in the store's `breaker_trips` table; the reset is
the same value with `reset_at` and `reset_by` set (the store updates the row).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from omniarb.risk.trip_rules import ConsecutiveFailures, TripReason, TripRule, WindowLoss
from omniarb.types import Decision, Outcome

__all__ = [
    "COOLDOWN",
    "BreakerListener",
    "BreakerState",
    "BreakerTrip",
    "CircuitBreaker",
    "TripReason",
]

log = logging.getLogger(__name__)


class BreakerState(StrEnum):
    CLOSED = "closed"  # trading
    OPEN = "open"  # tripped: every decision is declined until a reset


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


# Who resets a breaker whose cooldown ran out (stored in `reset_by`).
COOLDOWN = "cooldown"


class CircuitBreaker:
    """Trips on `max_consecutive_failures` failed trades in a row, when the net realized
    loss over the last `loss_window_s` reaches `max_loss_usd`, or when one of `rules` holds;
    stays open until `reset` (or, with `cooldown_s`, until that long after an automatic trip).

    `scope` names what it guards ("global", or a chain's name for a per-chain breaker).
    `clock` is monotonic seconds, for the windows and the cooldown. The cooldown is checked
    whenever the breaker is asked (each decision asks), so its reset is announced to the
    listeners at the first question after it ran out.
    """

    def __init__(
        self,
        *,
        max_consecutive_failures: int = 5,
        max_loss_usd: float = 500.0,
        loss_window_s: float = 3600.0,
        rules: Sequence[TripRule] = (),
        cooldown_s: float | None = None,
        scope: str = "global",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if cooldown_s is not None and cooldown_s <= 0:
            raise ValueError("breaker thresholds must be positive")
        self.scope = scope
        self._failures = ConsecutiveFailures(max_failures=max_consecutive_failures)
        self._loss = WindowLoss(max_loss_usd=max_loss_usd, window_s=loss_window_s)
        self._rules: tuple[TripRule, ...] = (self._failures, self._loss, *rules)
        self._cooldown_s = cooldown_s
        self._clock = clock
        self._trip: BreakerTrip | None = None
        self._opened_s = 0.0
        self._listeners: list[BreakerListener] = []

    @property
    def state(self) -> BreakerState:
        return BreakerState.OPEN if self.is_open else BreakerState.CLOSED

    @property
    def is_open(self) -> bool:
        self._cool_down()
        return self._trip is not None

    @property
    def trip_record(self) -> BreakerTrip | None:
        """The current trip while open; None while closed."""
        self._cool_down()
        return self._trip

    @property
    def consecutive_failures(self) -> int:
        return self._failures.count

    @property
    def window_net_usd(self) -> float:
        """Net realized USD over the loss window (negative = a loss)."""
        return self._loss.net_usd(self._clock())

    @property
    def rules(self) -> tuple[TripRule, ...]:
        """The trip rules, the two built-in ones first."""
        return self._rules

    @property
    def cooldown_s(self) -> float | None:
        """Seconds after an automatic trip that the breaker closes itself (None: never)."""
        return self._cooldown_s

    def subscribe(self, listener: BreakerListener) -> None:
        """Call `listener` with each trip, and with the trip again (reset set) on reset."""
        self._listeners.append(listener)

    async def process(self, decision: Decision) -> Decision:
        """The decision unchanged while closed; declined, with the trip as reason, while open."""
        return self.decline(decision)

    def decline(self, decision: Decision) -> Decision:
        """`process` without the await: the decision, declined if the breaker is open."""
        trip = self.trip_record
        if trip is None or not decision.approved:
            return decision
        reason = f"circuit breaker {self.scope} open ({trip.reason}): {trip.detail}"
        if self.scope == "global":
            # The wording of the one breaker there was before scopes, which operators know.
            reason = f"circuit breaker open ({trip.reason}): {trip.detail}"
        return replace(decision, approved=False, reasons=(*decision.reasons, reason))

    def observe_outcome(self, outcome: Outcome) -> BreakerTrip | None:
        """Count a settled trade; returns the trip if this one tripped the breaker."""
        return self.record_result(success=outcome.success, net_usd=outcome.realized_net_usd())

    def record_result(self, *, success: bool, net_usd: float) -> BreakerTrip | None:
        """Count one trade result (net USD after gas); returns the trip if it tripped now."""
        now_s = self._clock()
        verdicts = [
            (rule, rule.on_result(success=success, net_usd=net_usd, now_s=now_s))
            for rule in self._rules
        ]
        return self._first_trip(verdicts)

    def record_net_usd(self, net_usd: float) -> BreakerTrip | None:
        """Count one trade's net USD toward the loss window only (the global breaker's share of
        a trade a chain's own breaker judges); returns the trip if it tripped now."""
        verdict = self._loss.on_result(success=True, net_usd=net_usd, now_s=self._clock())
        return self._first_trip([(self._loss, verdict)])

    def record_error(self, component: str) -> BreakerTrip | None:
        """Count one system error in `component`; returns the trip if it tripped now."""
        now_s = self._clock()
        verdicts = [(rule, rule.on_error(component=component, now_s=now_s)) for rule in self._rules]
        return self._first_trip(verdicts)

    def observe_price(self, pool: str, price: float, *, block_number: int) -> BreakerTrip | None:
        """`pool`'s spot price after `block_number`; returns the trip if it tripped now."""
        now_s = self._clock()
        verdicts = [
            (rule, rule.on_price(pool=pool, price=price, block_number=block_number, now_s=now_s))
            for rule in self._rules
        ]
        return self._first_trip(verdicts)

    def trip(self, detail: str, *, by: str = "manual") -> BreakerTrip:
        """Open the breaker by hand; returns the (new or current) trip."""
        current = self.trip_record
        if current is not None:
            return current
        return self._open(TripReason.MANUAL, detail, by)

    def reset(self, *, by: str = "manual") -> BreakerTrip | None:
        """Close the breaker and clear its counters; returns the trip it ended (None if closed)."""
        trip = self._trip
        if trip is None:
            return None
        ended = replace(trip, reset_at=datetime.now(UTC), reset_by=by)
        self._trip = None
        for rule in self._rules:
            rule.clear()
        log.warning("circuit breaker %s reset by %s", self.scope, by)
        self._notify(ended)
        return ended

    def _first_trip(self, verdicts: list[tuple[TripRule, str | None]]) -> BreakerTrip | None:
        # Every rule saw the event (their counts stay true while open); the first that holds
        # names the trip.
        if self.is_open:
            return None
        for rule, detail in verdicts:
            if detail is not None:
                return self._open(rule.reason, detail, "auto")
        return None

    def _cool_down(self) -> None:
        trip = self._trip
        if (
            trip is not None
            and self._cooldown_s is not None
            and trip.reason is not TripReason.MANUAL
            and self._clock() - self._opened_s >= self._cooldown_s
        ):
            self.reset(by=COOLDOWN)

    def _open(self, reason: TripReason, detail: str, by: str) -> BreakerTrip:
        trip = BreakerTrip(
            id=f"{self.scope}-{uuid.uuid4().hex[:16]}",
            scope=self.scope,
            reason=reason,
            detail=detail,
            consecutive_failures=self._failures.count,
            loss_usd=max(0.0, -self.window_net_usd),
            tripped_at=datetime.now(UTC),
            tripped_by=by,
        )
        self._trip = trip
        self._opened_s = self._clock()
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
