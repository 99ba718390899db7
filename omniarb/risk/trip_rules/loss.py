"""Trip when the net realized loss over a sliding window reaches a limit (profits offset it)."""

from __future__ import annotations

from collections import deque

from omniarb.risk.trip_rules._base import TripReason, TripRule

__all__ = ["WindowLoss"]


class WindowLoss(TripRule):
    """Holds when the net USD of the trades settled in the last `window_s` is a loss of at
    least `max_loss_usd`."""

    reason = TripReason.LOSS

    def __init__(self, *, max_loss_usd: float, window_s: float) -> None:
        if max_loss_usd <= 0 or window_s <= 0:
            raise ValueError("breaker thresholds must be positive")
        self.max_loss_usd = max_loss_usd
        self.window_s = window_s
        self._results: deque[tuple[float, float]] = deque()  # (time, net USD)

    def net_usd(self, now_s: float) -> float:
        """Net realized USD over the window ending at `now_s` (negative = a loss)."""
        horizon = now_s - self.window_s
        while self._results and self._results[0][0] < horizon:
            self._results.popleft()
        return sum(net for _, net in self._results)

    def on_result(self, *, success: bool, net_usd: float, now_s: float) -> str | None:
        self._results.append((now_s, net_usd))
        loss_usd = -self.net_usd(now_s)
        if loss_usd >= self.max_loss_usd:
            return (
                f"lost ${loss_usd:,.2f} over the last {self.window_s:g} s "
                f"(limit ${self.max_loss_usd:,.2f})"
            )
        return None

    def clear(self) -> None:
        self._results.clear()
