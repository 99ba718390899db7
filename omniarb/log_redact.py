"""Secrets out of log lines: a logging filter that replaces every known secret with `[redacted]`.

    redactor = SecretRedactor.from_environ()       # every configured secret of the environment
    handler.addFilter(redactor)                    # the CLI does this for its stderr handler
    register_secret(key_bytes)                     # a key loaded later (a keystore, the devnet)

The filter rewrites a record's final message (its `msg % args`), its exception text and its
stack text, so a secret is caught whether it was a format argument, part of an exception's
message or a local repr'd into a traceback line.

How aggressive: only *known* secrets are redacted, never every 64-hex string. Transaction and
block hashes, storage slots, pool ids and topics are 64 hex digits too, and a log where they read
`[redacted]` cannot be debugged; a pattern cannot tell a key from a hash, only the value can. So a
private key is redacted when it is one the process was given (the environment, a keystore it
decrypted, the devnet account it signs with): in every spelling a log line might use — with or
without `0x`, lower-, upper- or mixed-case. Other secrets (API tokens, passphrases, PINs, URLs
with credentials) are redacted as written, percent-encoded, and escaped as `repr`/JSON would;
a URL's password is also redacted on its own, since a driver may print the URL rebuilt.

The only state is the filter instance on the handlers: `register_secret` finds it there.
"""

from __future__ import annotations

import json
import logging
import os
import re
import string
import traceback
from collections.abc import Iterable, Mapping
from urllib.parse import quote, unquote, urlsplit

from omniarb._secrets import SECRET_ENV_VARS

__all__ = [
    "REDACTED",
    "SecretRedactor",
    "installed_redactors",
    "is_secret_env_name",
    "register_secret",
    "secret_values",
]

REDACTED = "[redacted]"

# Shorter values would blank out ordinary words and numbers all over the log; a secret this
# short is no secret (SoftHSM2's minimum PIN is 4 characters).
_MIN_SECRET_CHARS = 4
# A hex value this long is a key (32 bytes); shorter hex secrets are redacted as plain text.
_KEY_HEX_DIGITS = 64
# The name parts (split at "_") that make an `OMNIARB_*` variable a secret, whatever sibling
# feature added it: OMNIARB_KEYSTORE_PASSPHRASE, OMNIARB_PKCS11_PIN, OMNIARB_RELAY_KEY, ...
_SECRET_NAME_PARTS = frozenset({"KEY", "TOKEN", "PASSPHRASE", "PIN", "PASSWORD", "SECRET", "PASS"})


def is_secret_env_name(name: str) -> bool:
    """Whether the environment variable `name` holds a secret (`SECRET_ENV_VARS`, or an
    `OMNIARB_*` name with a part such as KEY, TOKEN, PASSPHRASE or PIN)."""
    if name in SECRET_ENV_VARS.values():
        return True
    parts = name.split("_")
    return parts[0] == "OMNIARB" and any(part in _SECRET_NAME_PARTS for part in parts[1:])


def secret_values(environ: Mapping[str, str]) -> list[str]:
    """The values of every secret variable set in `environ`, stripped as `load_secrets` does."""
    values = (text.strip() for name, text in environ.items() if is_secret_env_name(name))
    return [value for value in values if value]


def _hex_digits(secret: str) -> str | None:
    """The digits of a key-shaped secret (64 hex digits, with or without 0x), else None."""
    digits = secret[2:] if secret[:2].lower() == "0x" else secret
    if len(digits) == _KEY_HEX_DIGITS and all(c in string.hexdigits for c in digits):
        return digits.lower()
    return None


def _spellings(secret: str) -> set[str]:
    """`secret` as a log line may show it: as is, percent-encoded, escaped by repr or JSON,
    and a URL's password alone."""
    forms = {secret, quote(secret, safe=""), repr(secret)[1:-1], json.dumps(secret)[1:-1]}
    try:
        password = urlsplit(secret).password
    except ValueError:  # not a URL (an unbalanced "[" reads as a bad IPv6 host)
        password = None
    if password:
        forms |= {password, unquote(password), quote(unquote(password), safe="")}
    return {form for form in forms if len(form) >= _MIN_SECRET_CHARS}


class SecretRedactor(logging.Filter):
    """A logging filter replacing every registered secret with `[redacted]` in each record it
    sees; install it on the handlers (a filter on a handler sees the records of every logger)."""

    def __init__(self, secrets: Iterable[str | bytes] = ()) -> None:
        super().__init__()
        self._keys: set[str] = set()
        self._secrets: set[str] = set()
        self._texts: set[str] = set()
        self._key_pattern: re.Pattern[str] | None = None
        self._text_pattern: re.Pattern[str] | None = None
        for secret in secrets:
            self.add(secret)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> SecretRedactor:
        """A redactor of every secret set in `environ` (default `os.environ`)."""
        return cls(secret_values(os.environ if environ is None else environ))

    @property
    def secret_count(self) -> int:
        """How many secrets (a key counts once, whatever its spellings) are registered."""
        return len(self._keys) + len(self._secrets)

    def add(self, secret: str | bytes) -> None:
        """Register `secret`: text, or a raw private key (bytes, redacted in hex)."""
        text = "0x" + secret.hex() if isinstance(secret, bytes | bytearray) else secret.strip()
        if len(text) < _MIN_SECRET_CHARS:
            return
        digits = _hex_digits(text)
        if digits is not None:
            if digits not in self._keys:
                self._keys.add(digits)
                # Optional 0x, any case: one pattern catches every spelling of every key.
                alternatives = "|".join(sorted(self._keys))
                self._key_pattern = re.compile(f"(?:0[xX])?(?:{alternatives})", re.IGNORECASE)
            return
        self._secrets.add(text)
        forms = _spellings(text) - self._texts
        if forms:
            self._texts |= forms
            # Longest first, so a secret containing another is replaced whole.
            ordered = sorted(self._texts, key=len, reverse=True)
            self._text_pattern = re.compile("|".join(re.escape(form) for form in ordered))

    def redact(self, text: str) -> str:
        """`text` with every registered secret replaced by `[redacted]`."""
        if self._key_pattern is not None:
            text = self._key_pattern.sub(REDACTED, text)
        if self._text_pattern is not None:
            text = self._text_pattern.sub(REDACTED, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite `record` in place (its message fixed, its args dropped); never drops it."""
        if self._key_pattern is None and self._text_pattern is None:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: logging would report it; show the raw parts
            message = f"{record.msg!r} % {record.args!r}"
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def installed_redactors(logger: logging.Logger | None = None) -> list[SecretRedactor]:
    """The redactors on the handlers of `logger` (default: the root logger)."""
    handlers = (logger or logging.getLogger()).handlers
    return [f for h in handlers for f in h.filters if isinstance(f, SecretRedactor)]


def register_secret(secret: str | bytes, logger: logging.Logger | None = None) -> int:
    """Register a secret loaded after start-up (a decrypted keystore key) with every redactor
    installed on `logger`'s handlers (default: root); returns how many it reached."""
    redactors = installed_redactors(logger)
    for redactor in redactors:
        redactor.add(secret)
    return len(redactors)
