"""Settings of the services beside the engine: `[monitor]` (metrics, alerts, the circuit breaker,
InfluxDB), `[api]` and `[redis]`. Part of `omniarb.config`, which re-exports every name here."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from omniarb._config_errors import DOMAIN_ERROR, Problem

# The same strictness as every other table (see omniarb.config).
MODEL = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

__all__ = [
    "AlertSettings",
    "ApiSettings",
    "BreakerSettings",
    "InfluxSettings",
    "MonitorSettings",
    "RedisSettings",
    "check_url",
]


def check_url(url: str, schemes: tuple[str, ...]) -> str:
    parts = urlsplit(url)
    if parts.scheme not in schemes or not parts.netloc:
        raise ValueError("bad URL")
    return url


class AlertSettings(BaseModel):
    """The in-process alert rules, their thresholds, and where alerts go.

    Slack and Telegram are enabled by their secrets (`OMNIARB_SLACK_WEBHOOK_URL`,
    `OMNIARB_TELEGRAM_BOT_TOKEN` with `OMNIARB_TELEGRAM_CHAT_ID`), never by this file.
    """

    model_config = MODEL

    enabled: bool = Field(default=True, description="true or false")
    evaluate_every_s: float = Field(
        default=10.0, gt=0, le=3600, description="seconds, a number > 0 and <= 3600"
    )
    success_rate_min: float = Field(
        default=0.95, ge=0, le=1, description="a fraction from 0 to 1 (alert below it)"
    )
    success_rate_window_s: float = Field(default=900.0, gt=0, description="seconds, a number > 0")
    success_rate_min_trades: int = Field(
        default=20, ge=1, description="an integer >= 1 (trades in the window before judging)"
    )
    profit_rate_min_usd_per_hour: float = Field(
        default=1000.0, ge=0, description="USD per hour, a number >= 0 (0 turns the rule off)"
    )
    profit_rate_window_s: float = Field(default=3600.0, gt=0, description="seconds, a number > 0")
    system_error_count: int = Field(
        default=1, ge=1, description="an integer >= 1 (errors in the window that alert)"
    )
    system_error_window_s: float = Field(default=300.0, gt=0, description="seconds, a number > 0")
    price_zscore_max: float = Field(
        default=4.0, gt=0, description="a number > 0 (|z| of a price move that alerts)"
    )
    price_window: int = Field(
        default=120, ge=3, le=100_000, description="an integer from 3 to 100000 (price moves)"
    )
    price_min_samples: int = Field(
        default=30, ge=2, description="an integer >= 2 (moves seen before judging a pool)"
    )
    dedup_window_s: float = Field(default=300.0, ge=0, description="seconds, a number >= 0")
    rate_limit_count: int = Field(
        default=20, ge=1, description="an integer >= 1 (alerts per rule per window)"
    )
    rate_limit_window_s: float = Field(default=60.0, gt=0, description="seconds, a number > 0")
    auth_failure_count: int = Field(
        default=20,
        ge=1,
        description="an integer >= 1 (failed API auths in the window that alert: an intrusion "
        "signal)",
    )
    auth_failure_window_s: float = Field(
        default=60.0, gt=0, le=86_400, description="seconds, a number > 0 and <= 86400"
    )
    log: bool = Field(default=True, description="true or false (alerts as log lines)")
    webhook_url: str = Field(
        default="", description='an http:// or https:// URL, or "" (generic JSON webhook)'
    )
    telegram_api_url: str = Field(
        default="https://api.telegram.org", description="an http:// or https:// URL"
    )

    @field_validator("webhook_url")
    @classmethod
    def _check_webhook(cls, url: str) -> str:
        return url and check_url(url, ("http", "https"))

    @field_validator("telegram_api_url")
    @classmethod
    def _check_telegram(cls, url: str) -> str:
        return check_url(url, ("http", "https"))


class BreakerSettings(BaseModel):
    """The circuit breaker: trading stops after this many failures in a row or this loss, and,
    when set, a low success rate, a burst of errors or a pool's price jump. Each optional rule
    is off at 0, as is the cooldown (an automatic trip then waits for a manual reset)."""

    model_config = MODEL

    max_consecutive_failures: int = Field(default=5, ge=1, description="an integer >= 1")
    max_loss_usd: float = Field(default=500.0, gt=0, description="USD, a number > 0")
    loss_window_s: float = Field(default=3600.0, gt=0, description="seconds, a number > 0")
    per_chain: bool = Field(
        default=False,
        description="true or false (also a breaker per chain, stopping only that chain)",
    )
    min_success_rate: float = Field(
        default=0.0, ge=0, le=1, description="a fraction from 0 to 1 (0: off)"
    )
    success_sample: int = Field(
        default=20, ge=1, le=10_000, description="settled trades, an integer from 1 to 10000"
    )
    max_errors: int = Field(default=0, ge=0, le=100_000, description="an integer >= 0 (0: off)")
    error_window_s: float = Field(default=60.0, gt=0, description="seconds, a number > 0")
    max_price_jump_pct: float = Field(
        default=0.0, ge=0, description="percent within one block, a number >= 0 (0: off)"
    )
    cooldown_s: float = Field(
        default=0.0, ge=0, description="seconds, a number >= 0 (0: reset by hand only)"
    )


class InfluxSettings(BaseModel):
    """The optional InfluxDB 1.x sink: the metrics as line protocol, written every interval."""

    model_config = MODEL

    enabled: bool = Field(default=False, description="true or false")
    url: str = Field(default="http://127.0.0.1:8086", description="an http:// or https:// URL")
    database: str = Field(
        default="omniarb", min_length=1, max_length=64, description="a database name"
    )
    interval_s: float = Field(
        default=10.0, gt=0, le=3600, description="seconds, a number > 0 and <= 3600"
    )
    batch_lines: int = Field(
        default=5000, ge=1, le=100_000, description="an integer from 1 to 100000"
    )

    @field_validator("url")
    @classmethod
    def _check_influx_url(cls, url: str) -> str:
        return check_url(url, ("http", "https"))


class MonitorSettings(BaseModel):
    """Metrics, alerts, the circuit breaker and the InfluxDB sink."""

    model_config = MODEL

    metrics: bool = Field(default=True, description="true or false (Prometheus metrics)")
    alerts: AlertSettings = Field(default_factory=AlertSettings, description="a table")
    breaker: BreakerSettings = Field(default_factory=BreakerSettings, description="a table")
    influx: InfluxSettings = Field(default_factory=InfluxSettings, description="a table")


class ApiSettings(BaseModel):
    """The REST + WebSocket API (and the dashboard it serves).

    Auth is a bearer token: one made by `omniarb tokens create` (stored hashed in the history
    database, with a scope) or the legacy `OMNIARB_API_TOKEN` (scope admin), never from this
    file; without any the API only starts on a loopback address, where it serves local requests
    without a token. Rate limits are token buckets: `*_per_s` refills, `*_burst` is the size.
    """

    model_config = MODEL

    enabled: bool = Field(default=True, description="true or false")
    host: str = Field(
        default="127.0.0.1", description="an IP address or host name of this machine to bind"
    )
    port: int = Field(
        default=0, ge=0, le=65535, description="a TCP port from 0 to 65535 (0 = a free port)"
    )
    metrics_public: bool = Field(
        default=True, description="true or false (whether /metrics is served without the token)"
    )
    stats_interval_s: float = Field(
        default=1.0, gt=0, le=60, description="seconds, a number > 0 and <= 60"
    )
    ws_queue_size: int = Field(
        default=1024,
        ge=16,
        le=100_000,
        description="an integer from 16 to 100000 (messages a WebSocket client may lag)",
    )

    token_rate_per_s: float = Field(
        default=20.0, gt=0, le=100_000, description="requests per second per token, > 0"
    )
    token_burst: int = Field(
        default=60, ge=1, le=1_000_000, description="an integer >= 1 (requests a token may burst)"
    )
    address_rate_per_s: float = Field(
        default=50.0, gt=0, le=100_000, description="requests per second per client address, > 0"
    )
    address_burst: int = Field(
        default=100,
        ge=1,
        le=1_000_000,
        description="an integer >= 1 (requests a client address may burst)",
    )
    max_body_bytes: int = Field(
        default=65_536,
        ge=1024,
        le=16 * 1024 * 1024,
        description="an integer from 1024 to 16777216 (a larger request body gets 413)",
    )
    ws_max_message_bytes: int = Field(
        default=4096,
        ge=64,
        le=1024 * 1024,
        description="an integer from 64 to 1048576 (a larger WebSocket message closes with 1009)",
    )
    ws_messages_per_s: float = Field(
        default=5.0, gt=0, le=10_000, description="WebSocket messages per second a client may send"
    )
    ws_message_burst: int = Field(
        default=20,
        ge=1,
        le=100_000,
        description="an integer >= 1 (messages a client may burst; beyond: close with 1008)",
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description='a list of origins such as "https://ops.example.com" (empty: no CORS)',
    )
    tls_cert: str = Field(
        default="", description='a PEM certificate file for HTTPS, or "" (plain HTTP)'
    )
    tls_key: str = Field(default="", description='the PEM private-key file of tls_cert, or ""')

    @field_validator("cors_origins")
    @classmethod
    def _check_origins(cls, origins: list[str]) -> list[str]:
        for origin in origins:
            parts = urlsplit(origin)
            if (
                parts.scheme not in ("http", "https")
                or not parts.netloc
                or parts.path
                or parts.query
            ):
                raise ValueError("an origin is scheme://host[:port], without a path")
        return origins

    @model_validator(mode="after")
    def _tls_pair(self) -> ApiSettings:
        if bool(self.tls_cert) != bool(self.tls_key):
            missing = "api.tls_key" if self.tls_cert else "api.tls_cert"
            problem = Problem(
                path=missing, message="tls_cert and tls_key go together: set both or neither"
            )
            raise PydanticCustomError(
                DOMAIN_ERROR, "{summary}", {"summary": problem.message, "problems": [problem]}
            )
        return self

    @property
    def tls(self) -> bool:
        return bool(self.tls_cert)

    @field_validator("host")
    @classmethod
    def _check_api_host(cls, host: str) -> str:
        if not host or any(c.isspace() for c in host):
            raise ValueError("not a host")
        return host


class RedisSettings(BaseModel):
    """The optional Redis of the bus, the leases, the registry and the shared cross-chain view
    (off in the embedded default)."""

    model_config = MODEL

    enabled: bool = Field(default=False, description="true or false")
    url: str = Field(
        default="redis://127.0.0.1:6379/0",
        description="a redis:// or rediss:// URL without a password",
    )
    key_prefix: str = Field(
        default="omniarb:",
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="1 to 64 characters of letters, digits and _ . : -",
    )
    stream_maxlen: int = Field(
        default=10_000, ge=100, le=10_000_000, description="an integer from 100 to 10000000"
    )
    price_ttl_s: float = Field(
        default=30.0, gt=0, le=86_400, description="seconds, a number > 0 and <= 86400"
    )

    @field_validator("url")
    @classmethod
    def _check_redis_url(cls, url: str) -> str:
        check_url(url, ("redis", "rediss"))
        if urlsplit(url).password is not None:
            # Secrets never come from the file, and the message must not echo this one.
            problem = Problem(
                path="redis.url",
                message="a password does not belong in the config file (secrets come from the "
                "environment only); the value is not shown",
            )
            raise PydanticCustomError(
                DOMAIN_ERROR,
                "{summary}",
                {"summary": f"{problem.path}: {problem.message}", "problems": [problem]},
            )
        return url
