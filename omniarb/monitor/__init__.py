"""Monitoring: what the operators of an unattended bot watch — Prometheus metrics, alerts with
de-duplication and rate limits (log, JSON webhook, Slack, Telegram), and an optional InfluxDB
sink — fed by the engine through one `Monitor` as values leave each stage.

`Metrics` holds a private registry and renders `/metrics`; `AlertRuleSet` holds the in-process
rules (success rate, profit rate, system errors, unusual price moves, breaker trips) that
`deploy/prometheus/alerts.yml` repeats in PromQL; `AlertManager` stores every alert and delivers
it; `InfluxSink` writes the same figures as line protocol.
"""

from omniarb.monitor.alert_rules import (
    AlertRuleSet,
    MarketMoveRule,
    PriceMove,
    ProfitRateRule,
    SuccessRateRule,
    SystemErrorRule,
    breaker_alert,
)
from omniarb.monitor.alert_sinks import (
    LogSink,
    SlackSink,
    TelegramSink,
    WebhookSink,
    alert_json,
    alert_text,
)
from omniarb.monitor.alerts import (
    RULES,
    Alert,
    AlertManager,
    AlertRecorder,
    AlertSink,
    AlertStats,
    Severity,
)
from omniarb.monitor.hub import Monitor, alert_sinks_from_settings
from omniarb.monitor.influx import InfluxSink, InfluxStats
from omniarb.monitor.metrics import Metrics

__all__ = [
    "RULES",
    "Alert",
    "AlertManager",
    "AlertRecorder",
    "AlertRuleSet",
    "AlertSink",
    "AlertStats",
    "InfluxSink",
    "InfluxStats",
    "LogSink",
    "MarketMoveRule",
    "Metrics",
    "Monitor",
    "PriceMove",
    "ProfitRateRule",
    "Severity",
    "SlackSink",
    "SuccessRateRule",
    "SystemErrorRule",
    "TelegramSink",
    "WebhookSink",
    "alert_json",
    "alert_sinks_from_settings",
    "alert_text",
    "breaker_alert",
]
