"""The alert rules, evaluated in-process: each turns what it has seen into `Alert`s.

* `SuccessRateRule` — per chain, trades that reached the chain over the last `window_s`:
  alert when fewer than `min_rate` succeeded (once at least `min_trades` were seen, so one
  revert out of one is not "0%").
* `ProfitRateRule` — all chains together: realized net USD over the last `window_s`, scaled to
  an hour, below `min_usd_per_hour`. Judged only once the bot has run a whole window.
* `SystemErrorRule` — `count` errors of one component within `window_s` (1: every error).
* `MarketMoveRule` — per pool, the z-score of each log price move against the pool's last
  `window` moves: beyond `zscore_max` is an unusual market (a depeg, an exploit, a fat finger).
* `breaker_alert` — a circuit-breaker trip, always critical.

The same rules, in PromQL, are `deploy/prometheus/alerts.yml`. Rules are plain objects with a
`clock` (monotonic seconds), so tests plant conditions without waiting.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from omniarb.config import AlertSettings
from omniarb.errors import FatalError
from omniarb.monitor.alerts import (
    BREAKER_TRIP,
    MARKET_MOVE,
    PROFIT_RATE,
    SUCCESS_RATE,
    SYSTEM_ERROR,
    Alert,
    Severity,
)
from omniarb.risk.breaker import BreakerTrip
from omniarb.risk.breaker_board import GLOBAL_SCOPE

__all__ = [
    "AlertRuleSet",
    "MarketMoveRule",
    "PriceMove",
    "ProfitRateRule",
    "SuccessRateRule",
    "SystemErrorRule",
    "breaker_alert",
]

Clock = Callable[[], float]


def _prune(events: deque[tuple[float, float]], horizon: float) -> None:
    while events and events[0][0] < horizon:
        events.popleft()


class SuccessRateRule:
    """Alert when a chain's share of successful trades over a window is below `min_rate`."""

    def __init__(
        self, *, min_rate: float, window_s: float, min_trades: int, clock: Clock = time.monotonic
    ) -> None:
        self._min_rate = min_rate
        self._window_s = window_s
        self._min_trades = min_trades
        self._clock = clock
        self._results: dict[str, deque[tuple[float, float]]] = {}

    def record(self, chain: str, *, success: bool) -> None:
        self._results.setdefault(chain, deque()).append((self._clock(), 1.0 if success else 0.0))

    def rate(self, chain: str) -> tuple[float | None, int]:
        """(success rate or None, trades) over the window."""
        results = self._results.get(chain)
        if not results:
            return None, 0
        _prune(results, self._clock() - self._window_s)
        if not results:
            return None, 0
        return sum(ok for _, ok in results) / len(results), len(results)

    def check(self) -> list[Alert]:
        alerts = []
        for chain in sorted(self._results):
            rate, trades = self.rate(chain)
            if rate is None or trades < self._min_trades or rate >= self._min_rate:
                continue
            alerts.append(
                Alert.new(
                    rule=SUCCESS_RATE,
                    severity=Severity.WARNING,
                    key=f"{SUCCESS_RATE}:{chain}",
                    chain=chain,
                    value=rate,
                    threshold=self._min_rate,
                    summary=f"{chain}: {rate:.1%} of the last {trades} trades succeeded "
                    f"(over {self._window_s:g} s; alert below {self._min_rate:.0%})",
                )
            )
        return alerts


class ProfitRateRule:
    """Alert when realized net profit, scaled to an hour, is below `min_usd_per_hour`."""

    def __init__(
        self, *, min_usd_per_hour: float, window_s: float, clock: Clock = time.monotonic
    ) -> None:
        self._min = min_usd_per_hour
        self._window_s = window_s
        self._clock = clock
        self._started = clock()
        self._profits: deque[tuple[float, float]] = deque()

    def record(self, net_usd: float) -> None:
        self._profits.append((self._clock(), net_usd))

    def usd_per_hour(self) -> float:
        now = self._clock()
        _prune(self._profits, now - self._window_s)
        return sum(usd for _, usd in self._profits) * 3600 / self._window_s

    def check(self) -> list[Alert]:
        # A fresh bot has made nothing yet: judge only a whole window.
        if self._min <= 0 or self._clock() - self._started < self._window_s:
            return []
        rate = self.usd_per_hour()
        if rate >= self._min:
            return []
        return [
            Alert.new(
                rule=PROFIT_RATE,
                severity=Severity.WARNING,
                key=PROFIT_RATE,
                value=rate,
                threshold=self._min,
                summary=f"profit rate ${rate:,.2f}/hour over the last {self._window_s:g} s "
                f"(alert below ${self._min:,.0f}/hour)",
            )
        ]


class SystemErrorRule:
    """Alert when a component reports `count` errors within `window_s`."""

    def __init__(self, *, count: int, window_s: float, clock: Clock = time.monotonic) -> None:
        self._count = count
        self._window_s = window_s
        self._clock = clock
        self._errors: dict[str, deque[tuple[float, float]]] = {}

    def record(
        self, component: str, error: BaseException | str, *, chain: str | None = None
    ) -> list[Alert]:
        """Count one error; the alert if the component has now reached the threshold."""
        now = self._clock()
        errors = self._errors.setdefault(component, deque())
        errors.append((now, 1.0))
        _prune(errors, now - self._window_s)
        if len(errors) < self._count:
            return []
        kind = type(error).__name__ if isinstance(error, BaseException) else "error"
        # One line, bounded: an error's text can be long (a revert's data, a traceback).
        text = " ".join(str(error).split())[:300]
        fatal = isinstance(error, FatalError)
        where = f"{chain}: " if chain else ""
        return [
            Alert.new(
                rule=SYSTEM_ERROR,
                severity=Severity.CRITICAL if fatal else Severity.WARNING,
                # Per chain: one chain's node going down must not hide another's as a duplicate.
                key=f"{SYSTEM_ERROR}:{component}" + (f":{chain}" if chain else ""),
                chain=chain,
                value=float(len(errors)),
                threshold=float(self._count),
                summary=f"{where}{component} error ({kind}): {text}",
            )
        ]


@dataclass(frozen=True, slots=True, kw_only=True)
class PriceMove:
    """One observed price move of a pool: its log return and z-score (0 until judged)."""

    chain: str
    pool: str
    log_return: float
    zscore: float


class _PoolPrices:
    """The last price and the last `window` log returns of one pool, with running sums."""

    __slots__ = ("last_log_price", "returns", "sum", "sum_sq")

    def __init__(self, log_price: float) -> None:
        self.last_log_price = log_price
        self.returns: deque[float] = deque()
        self.sum = 0.0
        self.sum_sq = 0.0


class MarketMoveRule:
    """Alert when a pool's price moves by more than `zscore_max` standard deviations of its
    recent moves (log returns), once `min_samples` moves are known."""

    def __init__(self, *, zscore_max: float, window: int, min_samples: int) -> None:
        self._zscore_max = zscore_max
        self._window = window
        self._min_samples = min(min_samples, window)
        self._pools: dict[tuple[str, str], _PoolPrices] = {}

    def observe(self, chain: str, pool: str, price: float) -> tuple[PriceMove | None, list[Alert]]:
        """Record `price` (any consistent unit); the move it makes and an alert if unusual."""
        if not price > 0 or math.isinf(price):
            return None, []
        log_price = math.log(price)
        state = self._pools.get((chain, pool))
        if state is None:
            self._pools[(chain, pool)] = _PoolPrices(log_price)
            return None, []
        move = log_price - state.last_log_price
        if move == 0.0:
            return None, []  # the pool did not move: no information about volatility
        state.last_log_price = log_price
        zscore = self._zscore(state, move)
        state.returns.append(move)
        state.sum += move
        state.sum_sq += move * move
        if len(state.returns) > self._window:
            old = state.returns.popleft()
            state.sum -= old
            state.sum_sq -= old * old
        observed = PriceMove(chain=chain, pool=pool, log_return=move, zscore=zscore)
        if abs(zscore) <= self._zscore_max:
            return observed, []
        alert = Alert.new(
            rule=MARKET_MOVE,
            severity=Severity.WARNING,
            key=f"{MARKET_MOVE}:{chain}:{pool}",
            chain=chain,
            value=zscore,
            threshold=self._zscore_max,
            summary=f"{chain}: pool {pool} moved {math.expm1(move):+.2%} in one update, "
            f"z-score {zscore:+.1f} (alert beyond ±{self._zscore_max:g})",
        )
        return observed, [alert]

    def _zscore(self, state: _PoolPrices, move: float) -> float:
        n = len(state.returns)
        if n < self._min_samples:
            return 0.0
        mean = state.sum / n
        variance = state.sum_sq / n - mean * mean
        # Moves all alike leave only rounding error in the running sums: no spread to judge by.
        if variance <= 1e-12 * mean * mean or variance <= 0.0:
            return 0.0
        return (move - mean) / math.sqrt(variance)


def breaker_alert(trip: BreakerTrip) -> Alert:
    """The critical alert of a circuit-breaker trip; a chain's breaker names its chain."""
    where = "" if trip.scope == GLOBAL_SCOPE else f" on {trip.scope}"
    return Alert.new(
        rule=BREAKER_TRIP,
        severity=Severity.CRITICAL,
        key=f"{BREAKER_TRIP}:{trip.scope}",
        chain=None if trip.scope == GLOBAL_SCOPE else trip.scope,
        value=trip.loss_usd,
        summary=f"circuit breaker {trip.scope} tripped ({trip.reason}, by {trip.tripped_by}): "
        f"{trip.detail}; trading{where} is stopped until it is reset",
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertRuleSet:
    """Every rule, built from the `[monitor.alerts]` settings."""

    success_rate: SuccessRateRule
    profit_rate: ProfitRateRule
    system_errors: SystemErrorRule
    market_moves: MarketMoveRule

    @classmethod
    def from_settings(
        cls, settings: AlertSettings, *, clock: Clock = time.monotonic
    ) -> AlertRuleSet:
        return cls(
            success_rate=SuccessRateRule(
                min_rate=settings.success_rate_min,
                window_s=settings.success_rate_window_s,
                min_trades=settings.success_rate_min_trades,
                clock=clock,
            ),
            profit_rate=ProfitRateRule(
                min_usd_per_hour=settings.profit_rate_min_usd_per_hour,
                window_s=settings.profit_rate_window_s,
                clock=clock,
            ),
            system_errors=SystemErrorRule(
                count=settings.system_error_count,
                window_s=settings.system_error_window_s,
                clock=clock,
            ),
            market_moves=MarketMoveRule(
                zscore_max=settings.price_zscore_max,
                window=settings.price_window,
                min_samples=settings.price_min_samples,
            ),
        )

    def check(self) -> list[Alert]:
        """The windowed rules' alerts now (success rate per chain, profit rate)."""
        return [*self.success_rate.check(), *self.profit_rate.check()]
