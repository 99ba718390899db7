"""Where alerts go: the log, a generic JSON webhook, Slack and Telegram.

Every webhook sink POSTs JSON with aiohttp and maps every failure (refused connection, timeout,
an HTTP status other than 2xx) to `RetryableError` once, here, with a message that names the
sink but never its URL: Slack's webhook URL and Telegram's bot URL *are* the secret.

Payloads:

* `WebhookSink` — `{"source": "omniarb", "id", "rule", "severity", "key", "chain", "summary",
  "value", "threshold", "suppressed", "fired_at"}`, for any receiver (relays, n8n, ...).
* `SlackSink` — an incoming-webhook message `{"text": ...}` (also what Mattermost and
  Rocket.Chat accept).
* `TelegramSink` — the Bot API's `sendMessage`: POST `{base}/bot{token}/sendMessage` with
  `{"chat_id", "text", "disable_web_page_preview"}`; `base` is configurable (a local receiver
  in tests, a self-hosted Bot API server in production).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from omniarb.errors import ConfigError, RetryableError
from omniarb.monitor.alerts import Alert, Severity

__all__ = [
    "DEFAULT_TELEGRAM_API",
    "LogSink",
    "SlackSink",
    "TelegramSink",
    "WebhookSink",
    "alert_json",
    "alert_text",
]

log = logging.getLogger(__name__)

DEFAULT_TELEGRAM_API = "https://api.telegram.org"
_MARKS = {Severity.INFO: "ℹ️", Severity.WARNING: "⚠️", Severity.CRITICAL: "🚨"}
_LEVELS = {Severity.INFO: logging.INFO, Severity.WARNING: logging.WARNING}
# Telegram refuses messages over 4096 characters.
_TELEGRAM_MAX = 4096


def alert_json(alert: Alert) -> dict[str, Any]:
    """The alert as the generic webhook's JSON object: `Alert.to_json()` plus `source`."""
    return {"source": "omniarb", **alert.to_json()}


def alert_text(alert: Alert) -> str:
    """One human line, then the figures: what chat messages show."""
    head = f"{_MARKS[alert.severity]} [{alert.severity.upper()}] omni-arb {alert.rule}"
    lines = [head, alert.summary]
    if alert.value is not None and alert.threshold is not None:
        lines.append(f"value {alert.value:.6g}, threshold {alert.threshold:.6g}")
    lines.append(f"{alert.fired_at:%Y-%m-%d %H:%M:%S} UTC · {alert.key}")
    return "\n".join(lines)


def _check_url(url: str, what: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        # The URL may hold a token: say what is wrong with it, never what it is.
        raise ConfigError(f"{what} is not an http:// or https:// URL (the value is not shown)")
    return url


class LogSink:
    """Alerts as log lines (warning, or error for critical ones): the sink that always works."""

    name = "log"

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self._log = logger or log

    async def send(self, alert: Alert) -> None:
        level = _LEVELS.get(alert.severity, logging.ERROR)
        self._log.log(
            level, "alert %s [%s] %s: %s", alert.rule, alert.severity, alert.key, alert.summary
        )

    async def close(self) -> None:
        """Nothing to release."""


class _JsonPoster:
    """POSTs JSON to one URL through a session it owns; failures become `RetryableError`."""

    def __init__(self, url: str, *, sink: str, timeout_s: float) -> None:
        self._url = url
        self._sink = sink
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    async def post(self, payload: dict[str, Any]) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        try:
            async with self._session.post(self._url, json=payload) as response:
                await response.read()
                status = response.status
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise RetryableError(f"{self._sink}: {type(exc).__name__}") from exc
        if not 200 <= status < 300:
            raise RetryableError(f"{self._sink}: HTTP {status}")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class WebhookSink:
    """A generic JSON webhook (`alert_json`)."""

    name = "webhook"

    def __init__(self, url: str, *, timeout_s: float = 5.0) -> None:
        self._poster = _JsonPoster(
            _check_url(url, "the alert webhook URL"), sink=self.name, timeout_s=timeout_s
        )

    async def send(self, alert: Alert) -> None:
        await self._poster.post(alert_json(alert))

    async def close(self) -> None:
        await self._poster.close()


class SlackSink:
    """A Slack incoming webhook (`OMNIARB_SLACK_WEBHOOK_URL`): `{"text": alert_text}`."""

    name = "slack"

    def __init__(self, webhook_url: str, *, timeout_s: float = 5.0) -> None:
        url = _check_url(webhook_url, "OMNIARB_SLACK_WEBHOOK_URL")
        self._poster = _JsonPoster(url, sink=self.name, timeout_s=timeout_s)

    def __repr__(self) -> str:
        return "SlackSink(webhook_url=***)"

    async def send(self, alert: Alert) -> None:
        await self._poster.post({"text": alert_text(alert)})

    async def close(self) -> None:
        await self._poster.close()


class TelegramSink:
    """Telegram's `sendMessage` to one chat (`OMNIARB_TELEGRAM_BOT_TOKEN`, `..._CHAT_ID`)."""

    name = "telegram"

    def __init__(
        self,
        bot_token: str,
        chat_id: str,
        *,
        api_url: str = DEFAULT_TELEGRAM_API,
        timeout_s: float = 5.0,
    ) -> None:
        if not bot_token or "/" in bot_token or any(c.isspace() for c in bot_token):
            raise ConfigError("OMNIARB_TELEGRAM_BOT_TOKEN is not a bot token (not shown)")
        if not chat_id:
            raise ConfigError("OMNIARB_TELEGRAM_CHAT_ID is empty")
        base = _check_url(api_url, "the Telegram API URL").rstrip("/")
        self._chat_id = chat_id
        self._poster = _JsonPoster(
            f"{base}/bot{bot_token}/sendMessage", sink=self.name, timeout_s=timeout_s
        )

    def __repr__(self) -> str:
        return "TelegramSink(bot_token=***)"

    async def send(self, alert: Alert) -> None:
        await self._poster.post(
            {
                "chat_id": self._chat_id,
                "text": alert_text(alert)[:_TELEGRAM_MAX],
                "disable_web_page_preview": True,
            }
        )

    async def close(self) -> None:
        await self._poster.close()
