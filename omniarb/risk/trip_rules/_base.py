"""What a trip rule is: one condition of the circuit breaker, fed the events it cares about.

The breaker hands every rule every event (a settled trade, a system error, a pool's spot
price) with the breaker's clock reading; a rule answers with the trip's detail when its
condition holds, None otherwise. Rules keep only bounded state, and `clear` forgets it when the
breaker is reset (a reset starts the count afresh, as an operator expects).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["TripReason", "TripRule"]


class TripReason(StrEnum):
    CONSECUTIVE_FAILURES = "consecutive_failures"
    LOSS = "loss"
    SUCCESS_RATE = "success_rate"
    ERROR_BURST = "error_burst"
    PRICE_JUMP = "price_jump"
    MANUAL = "manual"


class TripRule:
    """One trip condition; the default for each event is "not my concern" (None)."""

    reason: TripReason
    # Whether the rule reads prices: the engine computes spot prices only for such a rule.
    watches_prices: bool = False

    def on_result(self, *, success: bool, net_usd: float, now_s: float) -> str | None:
        """A settled trade (net USD after gas); the trip's detail if the condition holds."""
        return None

    def on_error(self, *, component: str, now_s: float) -> str | None:
        """A system error in `component`; the trip's detail if the condition holds."""
        return None

    def on_price(self, *, pool: str, price: float, block_number: int, now_s: float) -> str | None:
        """`pool`'s spot price after `block_number`; the trip's detail if the condition holds."""
        return None

    def clear(self) -> None:
        """Forget what was counted (the breaker was reset)."""
