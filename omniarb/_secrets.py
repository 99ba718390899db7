"""Secrets from the environment: the bot's private key, the API token, the database URL, the
alert channels whose URLs or ids carry a token (Slack webhook, Telegram bot token and chat), and
the searcher's bundle-relay reputation key (`OMNIARB_RELAY_KEY`: it signs relay requests and
holds no funds; see `omniarb._config_submission`), and the passphrase of the keystore key backend
(`OMNIARB_KEYSTORE_PASSPHRASE`; see `omniarb.keys.keystore`).

They never come from the TOML file, and their values never reach a log line or an error message:
each is a `pydantic.SecretStr`, which prints as `**********`.
"""

from __future__ import annotations

import os
import string
from collections.abc import Mapping
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict, SecretStr

from omniarb.errors import ConfigError

__all__ = [
    "API_TOKEN_ENV",
    "DB_URL_ENV",
    "KEYSTORE_PASSPHRASE_ENV",
    "PRIVATE_KEY_ENV",
    "RELAY_KEY_ENV",
    "SECRET_ENV_VARS",
    "SLACK_WEBHOOK_URL_ENV",
    "TELEGRAM_BOT_TOKEN_ENV",
    "TELEGRAM_CHAT_ID_ENV",
    "Secrets",
    "load_secrets",
]

PRIVATE_KEY_ENV = "OMNIARB_PRIVATE_KEY"
API_TOKEN_ENV = "OMNIARB_API_TOKEN"
DB_URL_ENV = "OMNIARB_DB_URL"
SLACK_WEBHOOK_URL_ENV = "OMNIARB_SLACK_WEBHOOK_URL"
TELEGRAM_BOT_TOKEN_ENV = "OMNIARB_TELEGRAM_BOT_TOKEN"
TELEGRAM_CHAT_ID_ENV = "OMNIARB_TELEGRAM_CHAT_ID"
RELAY_KEY_ENV = "OMNIARB_RELAY_KEY"
KEYSTORE_PASSPHRASE_ENV = "OMNIARB_KEYSTORE_PASSPHRASE"

# Each `Secrets` field and the environment variable it is read from.
SECRET_ENV_VARS: Mapping[str, str] = MappingProxyType(
    {
        "private_key": PRIVATE_KEY_ENV,
        "api_token": API_TOKEN_ENV,
        "db_url": DB_URL_ENV,
        "slack_webhook_url": SLACK_WEBHOOK_URL_ENV,
        "telegram_bot_token": TELEGRAM_BOT_TOKEN_ENV,
        "telegram_chat_id": TELEGRAM_CHAT_ID_ENV,
        "relay_key": RELAY_KEY_ENV,
        "keystore_passphrase": KEYSTORE_PASSPHRASE_ENV,
    }
)

# The order of the secp256k1 group: a private key is an integer in [1, n).
_SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


class Secrets(BaseModel):
    """The secrets that are set; each is None when its variable is unset or empty."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    private_key: SecretStr | None = None
    api_token: SecretStr | None = None
    db_url: SecretStr | None = None
    slack_webhook_url: SecretStr | None = None
    telegram_bot_token: SecretStr | None = None
    telegram_chat_id: SecretStr | None = None
    relay_key: SecretStr | None = None
    keystore_passphrase: SecretStr | None = None

    def to_public_dict(self) -> dict[str, str | None]:
        """`"***"` for each secret that is set and None for each that is not; never a value."""
        return {
            name: None if getattr(self, name) is None else "***" for name in type(self).model_fields
        }


def _private_key(raw: str, env_name: str = PRIVATE_KEY_ENV) -> SecretStr:
    """The key as `0x` + 64 lowercase hex digits; errors describe the value but never show it."""
    digits = raw[2:] if raw[:2].lower() == "0x" else raw
    expected = "expected 32 bytes as 64 hex digits, with or without 0x; the value is not shown"
    if any(c not in string.hexdigits for c in digits):
        raise ConfigError(f"{env_name} contains characters that are not hex digits: {expected}")
    if len(digits) != 64:
        raise ConfigError(f"{env_name} has {len(digits)} hex digits: {expected}")
    if not 0 < int(digits, 16) < _SECP256K1_N:
        raise ConfigError(
            f"{env_name} is not a valid secp256k1 private key (zero or not below the "
            "curve order); the value is not shown"
        )
    return SecretStr("0x" + digits.lower())


def load_secrets(environ: Mapping[str, str] | None = None) -> Secrets:
    """Read the secrets from `environ` (default `os.environ`), validating the private key."""
    env = os.environ if environ is None else environ

    def value(name: str) -> str | None:
        # Surrounding whitespace is a copy-paste accident (a trailing newline), never meaningful.
        text = env.get(name, "").strip()
        return text or None

    values = {field: value(env) for field, env in SECRET_ENV_VARS.items()}
    key = values.pop("private_key")
    relay_key = values.pop("relay_key")
    return Secrets(
        private_key=None if key is None else _private_key(key),
        relay_key=None if relay_key is None else _private_key(relay_key, RELAY_KEY_ENV),
        **{field: None if text is None else SecretStr(text) for field, text in values.items()},
    )
