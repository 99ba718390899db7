"""The daily loss limit: stop a chain's trading while its realized net over the last 24 hours
is a loss at or beyond the limit.

Unlike the circuit breaker, which trips and waits for a human, this limit lifts by itself as the
losses age out of the window: it caps what one day can cost. Each settled trade's realized net
(after gas and the L1 fee, in USD at its detection-time rates) enters `RealizedWindow` through
`observe_outcome`; a trade not included but paid for (a cancel) counts its gas as the loss.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from omniarb.risk.limits import RiskContext
from omniarb.types import Opportunity, Outcome

__all__ = ["DAY_S", "DailyLossLimit", "RealizedWindow"]

DAY_S = 86_400.0


class RealizedWindow:
    """Realized net USD of settled trades over the last `window_s` seconds (`clock`:
    monotonic seconds)."""

    def __init__(
        self, *, window_s: float = DAY_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if window_s <= 0:
            raise ValueError("the window must be positive")
        self._window_s = window_s
        self._clock = clock
        self._results: deque[tuple[float, float]] = deque()  # (time, net USD)

    @property
    def net_usd(self) -> float:
        """Net realized USD over the window (negative: a loss)."""
        horizon = self._clock() - self._window_s
        while self._results and self._results[0][0] < horizon:
            self._results.popleft()
        return sum(net for _, net in self._results)

    def observe_outcome(self, outcome: Outcome) -> None:
        """Count a settled trade; one still pending (unwound by a reorg) counts nothing."""
        if outcome.pending:
            return
        self.record(outcome.realized_net_usd())

    def record(self, net_usd: float) -> None:
        """Count one trade's realized net USD, now."""
        self._results.append((self._clock(), net_usd))


class DailyLossLimit:
    """Decline every trade while the window's realized loss is at least `max_loss_usd`."""

    def __init__(self, *, max_loss_usd: float) -> None:
        if max_loss_usd <= 0:
            raise ValueError("the daily loss limit must be positive")
        self._max_loss_usd = max_loss_usd

    def verdict(self, opportunity: Opportunity, context: RiskContext) -> str | None:
        """Why the chain stops trading for now, or None while within the limit."""
        loss_usd = -context.window_net_usd
        if loss_usd < self._max_loss_usd:
            return None
        return (
            f"lost ${loss_usd:,.2f} over the last 24 h on {context.chain} "
            f"(daily loss limit ${self._max_loss_usd:,.2f})"
        )
