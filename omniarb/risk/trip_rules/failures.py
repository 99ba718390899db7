"""Trip after N failed trades in a row (a success in between starts the count again)."""

from __future__ import annotations

from omniarb.risk.trip_rules._base import TripReason, TripRule

__all__ = ["ConsecutiveFailures"]


class ConsecutiveFailures(TripRule):
    """Holds when `max_failures` settled trades in a row failed."""

    reason = TripReason.CONSECUTIVE_FAILURES

    def __init__(self, *, max_failures: int) -> None:
        if max_failures < 1:
            raise ValueError("breaker thresholds must be positive")
        self.max_failures = max_failures
        self.count = 0

    def on_result(self, *, success: bool, net_usd: float, now_s: float) -> str | None:
        self.count = 0 if success else self.count + 1
        if self.count >= self.max_failures:
            return f"{self.count} failed trades in a row (limit {self.max_failures})"
        return None

    def clear(self) -> None:
        self.count = 0
