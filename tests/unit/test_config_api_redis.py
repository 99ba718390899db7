"""The `[api]` and `[redis]` tables: defaults, bounds, and a Redis password refused unseen."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from omniarb.config import Settings, load_settings
from omniarb.errors import ConfigError


def test_defaults_serve_on_loopback_and_keep_redis_off() -> None:
    settings = Settings()
    assert (settings.api.enabled, settings.api.host, settings.api.port) == (True, "127.0.0.1", 0)
    assert settings.api.metrics_public
    assert not settings.redis.enabled
    assert settings.redis.url == "redis://127.0.0.1:6379/0"
    assert settings.redis.key_prefix == "omniarb:"


def test_partial_tables_merge(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[api]\nport = 8420\nmetrics_public = false\n[redis]\nenabled = true\n")
    settings = load_settings(path)
    assert (settings.api.port, settings.api.metrics_public, settings.api.host) == (
        8420,
        False,
        "127.0.0.1",
    )
    assert settings.redis.enabled
    assert settings.redis.stream_maxlen == 10_000


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[api]\nport = 70000\n", "api.port: expected a TCP port from 0 to 65535"),
        ('[api]\nhost = ""\n', "api.host: expected an IP address or host name"),
        ('[redis]\nurl = "http://x"\n', "redis.url: expected a redis:// or rediss:// URL"),
        ('[redis]\nkey_prefix = "a b"\n', "redis.key_prefix: expected 1 to 64 characters"),
        ("[redis]\nstream_maxlen = 5\n", "redis.stream_maxlen: expected an integer from 100"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError, match=message.replace(".", r"\.").replace("+", r"\+")):
        load_settings(path)


def test_a_redis_password_is_refused_without_showing_it(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[redis]\nurl = "redis://:hunter2@cache.internal:6379/0"\n')
    with pytest.raises(ConfigError) as refused:
        load_settings(path)
    assert "redis.url" in str(refused.value)
    assert "hunter2" not in str(refused.value)


def test_the_api_s_security_defaults() -> None:
    api = Settings().api
    assert (api.token_rate_per_s, api.token_burst) == (20.0, 60)
    assert (api.address_rate_per_s, api.address_burst) == (50.0, 100)
    assert api.max_body_bytes == 65_536
    assert (api.ws_max_message_bytes, api.ws_messages_per_s, api.ws_message_burst) == (4096, 5, 20)
    assert api.cors_origins == []
    assert not api.tls


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[api]\ntls_cert = "a.pem"\n', "api.tls_key: tls_cert and tls_key go together"),
        ('[api]\ntls_key = "a.key"\n', "api.tls_cert: tls_cert and tls_key go together"),
        ('[api]\ncors_origins = ["https://a.example/x"]\n', "api.cors_origins: expected a list"),
        ('[api]\ncors_origins = ["*"]\n', "api.cors_origins: expected a list"),
        ("[api]\nmax_body_bytes = 10\n", "api.max_body_bytes: expected an integer from 1024"),
        ("[api]\ntoken_rate_per_s = 0\n", "api.token_rate_per_s"),
        ("[api]\naddress_burst = 0\n", "api.address_burst"),
        ("[monitor.alerts]\nauth_failure_count = 0\n", "monitor.alerts.auth_failure_count"),
    ],
)
def test_bad_api_security_keys_are_clear_errors(tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(path)


def test_tls_and_cors_load(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[api]\ntls_cert = "/etc/omniarb/api.pem"\ntls_key = "/etc/omniarb/api.key"\n'
        'cors_origins = ["https://ops.example.com", "http://127.0.0.1:5173"]\n'
    )
    api = load_settings(path).api
    assert api.tls
    assert api.cors_origins == ["https://ops.example.com", "http://127.0.0.1:5173"]
