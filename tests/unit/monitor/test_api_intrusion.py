"""The API's intrusion signal: counters per reason and scope, and the burst alert of failed
auths (once `count` fall within the window; older ones age out)."""

from __future__ import annotations

from omniarb.config import AlertSettings, MonitorSettings, Secrets
from omniarb.monitor import Metrics, Monitor
from omniarb.monitor.alerts import AUTH_FAILURES, RULES, Alert
from omniarb.monitor.api_metrics import ApiIntrusion, AuthFailureRule


class _Clock:
    def __init__(self) -> None:
        self.now_s = 0.0

    def __call__(self) -> float:
        return self.now_s


def test_a_burst_of_failed_auths_alerts_and_a_trickle_does_not() -> None:
    clock = _Clock()
    rule = AuthFailureRule(count=5, window_s=60, clock=clock)
    # One failure every 20 s: never 5 within a minute.
    for _ in range(10):
        assert rule.record("invalid") == []
        clock.now_s += 20
    clock.now_s += 60  # the trickle has aged out of the window
    for _ in range(4):
        assert rule.record("missing") == []
    (alert,) = rule.record("invalid")
    assert alert.rule == AUTH_FAILURES
    assert AUTH_FAILURES in RULES
    assert alert.value == 5.0
    assert alert.threshold == 5.0
    assert "5 failed authentications in 60 s (last: invalid)" in alert.summary


def test_the_counters_and_the_alert_through_the_signal() -> None:
    metrics = Metrics()
    alerts: list[Alert] = []
    signal = ApiIntrusion(
        metrics.api, rule=AuthFailureRule(count=3, window_s=60), publish=alerts.append
    )
    text = metrics.render().decode()
    # Every label exists at zero before the first failure.
    for reason in ("missing", "invalid", "revoked", "scope"):
        assert f'omniarb_api_auth_failures_total{{reason="{reason}"}} 0.0' in text
    for scope in ("token", "address", "websocket"):
        assert f'omniarb_api_rate_limited_total{{scope="{scope}"}} 0.0' in text
    signal.auth_failed("scope")
    signal.auth_failed("revoked")
    signal.auth_failed("something-else")  # an unknown reason is counted as invalid
    signal.rate_limited("address")
    text = metrics.render().decode()
    assert 'omniarb_api_auth_failures_total{reason="scope"} 1.0' in text
    assert 'omniarb_api_auth_failures_total{reason="invalid"} 1.0' in text
    assert 'omniarb_api_rate_limited_total{scope="address"} 1.0' in text
    assert [a.rule for a in alerts] == [AUTH_FAILURES]


def test_without_a_rule_only_counters() -> None:
    metrics = Metrics()
    signal = ApiIntrusion(metrics.api)
    for _ in range(100):
        signal.auth_failed("missing")
    assert metrics.api.auth_failures.labels("missing")._value.get() == 100.0


def test_the_monitor_wires_the_signal_to_its_alert_manager() -> None:
    alerting = AlertSettings(auth_failure_count=3, auth_failure_window_s=60, log=False)
    monitor = Monitor.from_settings(MonitorSettings(alerts=alerting), Secrets(), clock=_Clock())
    for _ in range(3):
        monitor.api_intrusion.auth_failed("invalid")
    assert monitor.alerts.stats.published == 1
    # A sustained burst is one alert per dedup window, not one per failure.
    for _ in range(10):
        monitor.api_intrusion.auth_failed("invalid")
    assert monitor.alerts.stats.published == 1
    assert monitor.metrics.api.auth_failures.labels("invalid")._value.get() == 13.0
