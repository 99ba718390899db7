"""The recent record of each route and pool: how many of their last trades landed.

The score stage reads it at decision time (`FeatureContext`) and the pipeline feeds it each
settled outcome, so a route that keeps losing races scores lower without retraining.
"""

from __future__ import annotations

from collections import deque
from typing import TypeVar

from omniarb.score.features import FeatureContext
from omniarb.types import Decision, Outcome

__all__ = ["RecentOutcomes"]

_K = TypeVar("_K")

# Per key: enough trades to tell a losing route from bad luck, few enough to follow a change.
_WINDOW = 32


class RecentOutcomes:
    """Success counts over the last `window` settled trades of each route and each pool."""

    def __init__(self, window: int = _WINDOW) -> None:
        self._window = window
        self._routes: dict[tuple[str, ...], deque[bool]] = {}
        self._pools: dict[str, deque[bool]] = {}

    def on_outcome(self, outcome: Outcome) -> None:
        """Count one settled trade (a pending or replaced one is not settled: skipped)."""
        if outcome.pending or outcome.replaced:
            return
        route = outcome.execution.decision.opportunity.route.pools
        self._push(self._routes, route, outcome.success)
        for pool in route:
            self._push(self._pools, pool, outcome.success)

    def context(
        self,
        decision: Decision,
        now_ns: int,
        *,
        tip_wei: int = 0,
        pending_route_swaps: int = 0,
        pending_swaps: int = 0,
    ) -> FeatureContext:
        """The feature context of `decision` at `now_ns`: its route's record from here, the
        market's figures as given (built once: this runs per decision on the live path)."""
        pools = decision.opportunity.route.pools
        route = self._routes.get(pools)
        attempts = len(route) if route is not None else 0
        successes = sum(route) if route is not None else 0
        return FeatureContext(
            now_ns=now_ns,
            route_success_rate=(successes + 1) / (attempts + 2),
            route_attempts=attempts,
            # The weakest pool: one contested pool is enough to lose the race.
            pool_success_rate=min((self._rate(p) for p in pools), default=0.5),
            tip_wei=tip_wei,
            pending_route_swaps=pending_route_swaps,
            pending_swaps=pending_swaps,
        )

    def _rate(self, pool: str) -> float:
        record = self._pools.get(pool)
        if record is None:
            return 0.5
        return (sum(record) + 1) / (len(record) + 2)

    def _push(self, book: dict[_K, deque[bool]], key: _K, success: bool) -> None:
        record = book.get(key)
        if record is None:
            record = book[key] = deque(maxlen=self._window)
        record.append(success)
