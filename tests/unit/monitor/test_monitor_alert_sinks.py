"""The sinks' message shapes and their refusal to show a secret URL or token."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from omniarb.errors import ConfigError
from omniarb.monitor import Alert, Severity, SlackSink, TelegramSink, WebhookSink
from omniarb.monitor.alert_sinks import alert_json, alert_text

ALERT = Alert(
    id="success_rate-1",
    rule="success_rate",
    severity=Severity.CRITICAL,
    key="success_rate:polygon",
    summary="polygon: 80.0% of the last 20 trades succeeded",
    fired_at=datetime(2026, 11, 28, 9, 30, 5, tzinfo=UTC),
    chain="polygon",
    value=0.8,
    threshold=0.95,
)


def test_text_for_chat_messages() -> None:
    assert alert_text(ALERT) == (
        "🚨 [CRITICAL] omni-arb success_rate\n"
        "polygon: 80.0% of the last 20 trades succeeded\n"
        "value 0.8, threshold 0.95\n"
        "2026-11-28 09:30:05 UTC · success_rate:polygon"
    )
    bare = replace(ALERT, severity=Severity.INFO, value=None, threshold=None)
    assert alert_text(bare).splitlines()[0].startswith("ℹ️ [INFO]")
    assert len(alert_text(bare).splitlines()) == 3


def test_json_for_the_generic_webhook() -> None:
    data = alert_json(ALERT)
    assert data["source"] == "omniarb"
    assert data["fired_at"] == "2026-11-28T09:30:05+00:00"
    assert {k: data[k] for k in ("rule", "severity", "chain", "value")} == {
        "rule": "success_rate",
        "severity": "critical",
        "chain": "polygon",
        "value": 0.8,
    }


@pytest.mark.parametrize(
    "make",
    [
        lambda: SlackSink("hooks.slack.com/services/T000/B000/sekrit"),
        lambda: WebhookSink("ftp://example.org/sekrit"),
        lambda: TelegramSink("123:sekrit", "42", api_url="telegram/sekrit"),
        lambda: TelegramSink("123:sek rit", "42"),
        lambda: TelegramSink("123/sekrit", "42"),
    ],
)
def test_bad_urls_and_tokens_are_refused_without_showing_them(make: Callable[[], object]) -> None:
    with pytest.raises(ConfigError) as caught:
        make()
    assert "sekrit" not in str(caught.value)


def test_reprs_hide_the_secret() -> None:
    assert "sekrit" not in repr(SlackSink("https://hooks.slack.com/services/T/B/sekrit"))
    assert "sekrit" not in repr(TelegramSink("123:sekrit", "42"))


def test_an_empty_chat_id_is_refused() -> None:
    with pytest.raises(ConfigError, match="CHAT_ID"):
        TelegramSink("123:abc", "")
