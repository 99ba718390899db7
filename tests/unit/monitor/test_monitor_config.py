"""`[monitor]` settings: defaults, overrides, one-line errors with key paths, and the alert
channels' secrets read from the environment only and masked everywhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from omniarb.cli.main import main
from omniarb.config import Settings, load_secrets, load_settings
from omniarb.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "omniarb.toml"
    path.write_text(text)
    return path


def test_defaults_are_the_issue_s_thresholds() -> None:
    monitor = Settings().monitor
    assert monitor.metrics is True
    assert monitor.alerts.success_rate_min == 0.95
    assert monitor.alerts.profit_rate_min_usd_per_hour == 1000
    assert monitor.alerts.price_zscore_max == 4.0
    assert monitor.breaker.max_consecutive_failures == 5
    assert monitor.influx.enabled is False


def test_a_partial_table_keeps_the_other_defaults(tmp_path: Path) -> None:
    settings = load_settings(
        write(
            tmp_path,
            "[monitor.alerts]\nsuccess_rate_min = 0.9\n"
            'webhook_url = "http://127.0.0.1:9000/hook"\n'
            "[monitor.influx]\nenabled = true\n",
        )
    )
    assert settings.monitor.alerts.success_rate_min == 0.9
    assert settings.monitor.alerts.webhook_url == "http://127.0.0.1:9000/hook"
    assert settings.monitor.alerts.rate_limit_count == 20
    assert settings.monitor.influx.enabled is True
    assert settings.monitor.influx.url == "http://127.0.0.1:8086"


@pytest.mark.parametrize(
    ("text", "path", "expected"),
    [
        (
            "[monitor.alerts]\nsuccess_rate_min = 1.5\n",
            "monitor.alerts.success_rate_min",
            "a fraction from 0 to 1",
        ),
        (
            '[monitor.alerts]\nwebhook_url = "hooks"\n',
            "monitor.alerts.webhook_url",
            "an http:// or https:// URL",
        ),
        ("[monitor.breaker]\nmax_loss_usd = 0\n", "monitor.breaker.max_loss_usd", "USD"),
        ("[monitor.influx]\nbatch_lines = 0\n", "monitor.influx.batch_lines", "an integer"),
        ("[monitor]\nmetric = true\n", "monitor.metric", "unknown key"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, text: str, path: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text))
    assert f"{path}: " in str(caught.value)
    assert expected in str(caught.value)


def test_alert_secrets_come_from_the_environment_and_are_masked() -> None:
    secrets = load_secrets(
        {
            "OMNIARB_SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/feedface",
            "OMNIARB_TELEGRAM_BOT_TOKEN": "123:feedface",
            "OMNIARB_TELEGRAM_CHAT_ID": " -1001 \n",
        }
    )
    public = secrets.to_public_dict()
    assert public["slack_webhook_url"] == public["telegram_bot_token"] == "***"
    assert public["telegram_chat_id"] == "***"
    assert "feedface" not in repr(secrets)
    assert secrets.telegram_chat_id is not None
    assert secrets.telegram_chat_id.get_secret_value() == "-1001"


def test_show_config_masks_the_alert_secrets(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OMNIARB_SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T/B/feedface")
    monkeypatch.setenv("OMNIARB_TELEGRAM_BOT_TOKEN", "123:feedface")
    monkeypatch.delenv("OMNIARB_TELEGRAM_CHAT_ID", raising=False)
    assert main(["show-config", "--json"]) == 0
    as_json = capsys.readouterr().out
    assert main(["show-config"]) == 0
    as_toml = capsys.readouterr().out
    data = json.loads(as_json)
    assert data["secrets"]["slack_webhook_url"] == "***"
    assert data["secrets"]["telegram_chat_id"] is None
    assert data["monitor"]["alerts"]["success_rate_min"] == 0.95
    assert "OMNIARB_TELEGRAM_BOT_TOKEN: set (***)" in as_toml
    assert "[monitor.alerts]" in as_toml
    assert "feedface" not in as_json + as_toml
