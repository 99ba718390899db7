"""Trip on a burst of system errors: K errors within T seconds.

Fed from the engine's error hook (`Telemetry.error`: a stage that raised, a node that went
down) and from executions that could not be sent; one error now and then is the normal noise
of RPC, a burst means something is broken.
"""

from __future__ import annotations

from collections import Counter, deque

from omniarb.risk.trip_rules._base import TripReason, TripRule

__all__ = ["ErrorBurst"]


class ErrorBurst(TripRule):
    """Holds when `max_errors` errors arrived within the last `window_s` seconds."""

    reason = TripReason.ERROR_BURST

    def __init__(self, *, max_errors: int, window_s: float) -> None:
        if max_errors < 1 or window_s <= 0:
            raise ValueError("breaker thresholds must be positive")
        self.max_errors = max_errors
        self.window_s = window_s
        # Bounded: more than `max_errors` stamps are never needed to decide.
        self._errors: deque[tuple[float, str]] = deque(maxlen=max_errors)

    def on_error(self, *, component: str, now_s: float) -> str | None:
        self._errors.append((now_s, component))
        horizon = now_s - self.window_s
        while self._errors and self._errors[0][0] < horizon:
            self._errors.popleft()
        if len(self._errors) < self.max_errors:
            return None
        components = Counter(name for _, name in self._errors)
        where = ", ".join(f"{name} {count}" for name, count in components.most_common())
        return (
            f"{len(self._errors)} errors within {self.window_s:g} s "
            f"(limit {self.max_errors}): {where}"
        )

    def clear(self) -> None:
        self._errors.clear()
