"""Trip when too few of the last N settled trades succeeded.

No verdict before `sample` trades have settled: two reverts out of the first two trades say
little, and a fresh bot (or a freshly reset breaker) must not trip on them.
"""

from __future__ import annotations

from collections import deque

from omniarb.risk.trip_rules._base import TripReason, TripRule

__all__ = ["SuccessRate"]


class SuccessRate(TripRule):
    """Holds when, over the last `sample` settled trades, the share that succeeded is below
    `min_rate` (0 < min_rate <= 1)."""

    reason = TripReason.SUCCESS_RATE

    def __init__(self, *, min_rate: float, sample: int) -> None:
        if not 0 < min_rate <= 1:
            raise ValueError("the minimum success rate must be in (0, 1]")
        if sample < 1:
            raise ValueError("the success-rate sample must be at least 1 trade")
        self.min_rate = min_rate
        self.sample = sample
        self._last: deque[bool] = deque(maxlen=sample)

    def on_result(self, *, success: bool, net_usd: float, now_s: float) -> str | None:
        self._last.append(success)
        if len(self._last) < self.sample:
            return None
        succeeded = sum(self._last)
        rate = succeeded / self.sample
        if rate < self.min_rate:
            return (
                f"{succeeded} of the last {self.sample} trades succeeded ({rate:.0%}, "
                f"minimum {self.min_rate:.0%})"
            )
        return None

    def clear(self) -> None:
        self._last.clear()
