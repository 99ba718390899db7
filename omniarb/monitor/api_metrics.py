"""The API's intrusion signal: failed auths and rate-limited requests, counted and alerted on.

* `omniarb_api_auth_failures_total{reason}` — `missing` (no token), `invalid` (not a token we
  know), `revoked`, `scope` (a valid token without the route's scope: 403).
* `omniarb_api_rate_limited_total{scope}` — which limit refused: `token`, `address`,
  `websocket` (a client sending too many messages).

A burst of failed auths (`[monitor.alerts] auth_failure_count` within `auth_failure_window_s`)
is someone guessing tokens or a client with a stale one: `AuthFailureRule` raises the
`api_auth_failures` alert, the in-process twin of `OmniarbApiAuthFailures` in
`deploy/prometheus/alerts.yml`. `ApiIntrusion` is what the API calls (its `IntrusionSignal`).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter

from omniarb.monitor.alerts import AUTH_FAILURES, Alert, Severity

__all__ = [
    "AUTH_FAILURE_REASONS",
    "RATE_LIMIT_SCOPES",
    "ApiIntrusion",
    "ApiMetrics",
    "AuthFailureRule",
]

AUTH_FAILURE_REASONS = ("missing", "invalid", "revoked", "scope")
RATE_LIMIT_SCOPES = ("token", "address", "websocket")


class ApiMetrics:
    """The API's security series, in `registry` (the bot's `Metrics` owns one); every label
    exists at zero from the start, so `increase()` sees the first failure."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.auth_failures = Counter(
            "omniarb_api_auth_failures_total",
            "API requests refused for want of a valid token (401) or of its scope (403)",
            ("reason",),
            registry=registry,
        )
        self.rate_limited = Counter(
            "omniarb_api_rate_limited_total",
            "API requests and WebSocket clients refused by a rate limit (429 / close 1008)",
            ("scope",),
            registry=registry,
        )
        for reason in AUTH_FAILURE_REASONS:
            self.auth_failures.labels(reason)
        for scope in RATE_LIMIT_SCOPES:
            self.rate_limited.labels(scope)


class AuthFailureRule:
    """Alert when `count` API auths fail within `window_s` (one alert per burst: the
    manager's de-duplication keeps a sustained attack to one alert per dedup window)."""

    def __init__(self, *, count: int, window_s: float, clock: Callable[[], float] = time.monotonic):
        self._count = count
        self._window_s = window_s
        self._clock = clock
        self._failures: deque[float] = deque()
        self._reasons: dict[str, int] = {}

    def record(self, reason: str) -> list[Alert]:
        """Count one failure; the alert when the window now holds `count` of them."""
        now = self._clock()
        self._failures.append(now)
        while self._failures and self._failures[0] < now - self._window_s:
            self._failures.popleft()
        if len(self._failures) < self._count:
            return []
        return [
            Alert.new(
                rule=AUTH_FAILURES,
                severity=Severity.WARNING,
                key=AUTH_FAILURES,
                value=float(len(self._failures)),
                threshold=float(self._count),
                summary=f"API: {len(self._failures)} failed authentications in "
                f"{self._window_s:g} s (last: {reason}); someone may be guessing tokens",
            )
        ]


class ApiIntrusion:
    """The API's `IntrusionSignal`: counters always, the burst alert when a rule is given."""

    def __init__(
        self,
        metrics: ApiMetrics,
        *,
        rule: AuthFailureRule | None = None,
        publish: Callable[[Alert], object] | None = None,
    ) -> None:
        self._metrics = metrics
        self._rule = rule
        self._publish = publish

    def auth_failed(self, reason: str) -> None:
        label = reason if reason in AUTH_FAILURE_REASONS else "invalid"
        self._metrics.auth_failures.labels(label).inc()
        if self._rule is None or self._publish is None:
            return
        for alert in self._rule.record(label):
            self._publish(alert)

    def rate_limited(self, scope: str) -> None:
        label = scope if scope in RATE_LIMIT_SCOPES else "address"
        self._metrics.rate_limited.labels(label).inc()
