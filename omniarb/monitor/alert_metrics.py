"""The series of the bot's guards: the circuit breaker's state and trips, and the alerts raised,
suppressed and delivered. On the bot's one registry (`Metrics.alerting`); the alerting rules and
Grafana read them.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

__all__ = ["AlertMetrics"]


class AlertMetrics:
    """Breaker and alert series on `registry`."""

    def __init__(self, registry: CollectorRegistry) -> None:
        r = registry
        self.breaker_open = Gauge(
            "omniarb_breaker_open", "1 while the circuit breaker is open", ("scope",), registry=r
        )
        self.breaker_trips = Counter(
            "omniarb_breaker_trips_total", "Circuit-breaker trips", ("scope", "reason"), registry=r
        )
        self.alerts = Counter(
            "omniarb_alerts_total",
            "Alerts raised (not duplicates)",
            ("rule", "severity"),
            registry=r,
        )
        self.alerts_suppressed = Counter(
            "omniarb_alerts_suppressed_total",
            "Alerts not delivered: duplicate or rate limited",
            ("rule", "why"),
            registry=r,
        )
        self.deliveries = Counter(
            "omniarb_alert_deliveries_total",
            "Alert deliveries per sink",
            ("sink", "result"),
            registry=r,
        )

    def set_breaker(self, scope: str, *, is_open: bool, trip_reason: str | None = None) -> None:
        """The breaker's state; `trip_reason` counts a trip."""
        self.breaker_open.labels(scope).set(1 if is_open else 0)
        if trip_reason is not None:
            self.breaker_trips.labels(scope, trip_reason).inc()

    def observe_alert(self, rule: str, severity: str, *, suppressed: str | None = None) -> None:
        """An alert raised; `suppressed` ("duplicate", "rate_limited") when it is not sent."""
        if suppressed != "duplicate":
            self.alerts.labels(rule, severity).inc()
        if suppressed is not None:
            self.alerts_suppressed.labels(rule, suppressed).inc()

    def observe_delivery(self, sink: str, *, ok: bool) -> None:
        self.deliveries.labels(sink, "ok" if ok else "error").inc()
