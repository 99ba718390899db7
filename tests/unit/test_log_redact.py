"""The log filter redacts every spelling of the secrets it knows, and nothing else: transaction
hashes (64 hex digits as well) stay readable."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from omniarb.cli.main import main
from omniarb.execute.relay_auth import RelayAuth
from omniarb.execute.signer import Signer
from omniarb.keys.local import LocalDigestSigner
from omniarb.log_redact import (
    REDACTED,
    SecretRedactor,
    installed_redactors,
    is_secret_env_name,
    register_secret,
)

KEY = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
TX_HASH = "0x" + "ab" * 32
PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def logged() -> Iterator[tuple[logging.Logger, io.StringIO, SecretRedactor]]:
    """A logger of its own writing through a redacting handler into a buffer."""
    logger = logging.getLogger("test_log_redact")
    logger.propagate = False
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    redactor = SecretRedactor()
    handler.addFilter(redactor)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield logger, out, redactor
    logger.removeHandler(handler)


@pytest.mark.parametrize("spelling", [KEY, "0x" + KEY, KEY.upper(), "0X" + KEY.upper()])
def test_a_known_key_is_redacted_in_every_spelling_and_a_tx_hash_is_not(spelling: str) -> None:
    redactor = SecretRedactor(["0x" + KEY])
    line = redactor.redact(f"sent {TX_HASH} signed with {spelling}.")
    assert line == f"sent {TX_HASH} signed with {REDACTED}."


def test_a_raw_key_registers_as_hex_and_an_unknown_64_hex_value_stays() -> None:
    redactor = SecretRedactor([bytes.fromhex(KEY)])
    other = "11" * 32
    assert redactor.redact(f"{KEY} {other}") == f"{REDACTED} {other}"
    assert redactor.secret_count == 1


def test_the_filter_rewrites_arguments_exceptions_and_stacks(
    logged: tuple[logging.Logger, io.StringIO, SecretRedactor],
) -> None:
    logger, out, redactor = logged
    redactor.add(PASSPHRASE)
    redactor.add(KEY)
    logger.info("unlocking with %r", PASSPHRASE)
    try:
        int(f"0x{KEY.upper()}zz", 16)  # the message quotes the value
    except ValueError:
        logger.exception("loading failed for %s", TX_HASH)
    logger.warning("here %s", PASSPHRASE, stack_info=True)
    text = out.getvalue()
    assert PASSPHRASE not in text
    assert KEY not in text.lower()
    assert text.count(REDACTED) == 3
    assert TX_HASH in text
    assert "Traceback" in text
    assert f"with base 16: '{REDACTED}zz'" in text
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s", (KEY,), None)
    record.stack_info = f"Stack (most recent call last):\n  unlock({PASSPHRASE!r})"
    assert redactor.filter(record)
    assert (record.getMessage(), record.stack_info.splitlines()[-1]) == (
        REDACTED,
        f"  unlock('{REDACTED}')",
    )


def test_a_url_password_is_redacted_alone_encoded_and_in_the_url() -> None:
    url = "postgresql://bot:p%40ss-w0rd!@db.example:5432/omniarb"
    redactor = SecretRedactor([url])
    assert redactor.redact(f"connect {url} failed") == f"connect {REDACTED} failed"
    assert redactor.redact("password 'p@ss-w0rd!' refused") == f"password '{REDACTED}' refused"
    assert redactor.redact("user=bot pw=p%40ss-w0rd!") == f"user=bot pw={REDACTED}"
    assert redactor.redact("postgresql://bot:***@db.example") == "postgresql://bot:***@db.example"


def test_escaped_spellings_and_the_longest_secret_first() -> None:
    tricky = 'pa"ss\\word'
    redactor = SecretRedactor([tricky, 'pa"ss\\word-and-more'])
    assert redactor.redact(repr(tricky)) == f"'{REDACTED}'"
    assert redactor.redact('{"p": "pa\\"ss\\\\word"}') == f'{{"p": "{REDACTED}"}}'
    assert redactor.redact('pa"ss\\word-and-more') == REDACTED


def test_too_short_values_are_not_secrets() -> None:
    redactor = SecretRedactor(["abc", "", "   "])
    assert redactor.secret_count == 0
    assert redactor.redact("abc") == "abc"


def test_secret_variables_by_name() -> None:
    for name in (
        "OMNIARB_PRIVATE_KEY",
        "OMNIARB_KEYSTORE_PASSPHRASE",
        "OMNIARB_PKCS11_PIN",
        "OMNIARB_API_TOKEN",
        "OMNIARB_DB_URL",
        "OMNIARB_RELAY_KEY",
        "OMNIARB_TELEGRAM_CHAT_ID",
        "OMNIARB_SLACK_WEBHOOK_URL",
    ):
        assert is_secret_env_name(name), name
    for name in ("OMNIARB_HOME", "OMNIARB_KEYSTORE_DIR", "OMNIARB_PKCS11_MODULE", "HOME", "PIN"):
        assert not is_secret_env_name(name), name
    redactor = SecretRedactor.from_environ(
        {"OMNIARB_KEYSTORE_PASSPHRASE": f" {PASSPHRASE}\n", "OMNIARB_HOME": "/home/bot"}
    )
    assert redactor.redact(f"{PASSPHRASE} in /home/bot") == f"{REDACTED} in /home/bot"


def test_register_secret_reaches_the_redactors_of_a_logger_s_handlers(
    logged: tuple[logging.Logger, io.StringIO, SecretRedactor],
) -> None:
    logger, out, _ = logged
    assert register_secret(PASSPHRASE, logger) == 1
    logger.info("phrase %s", PASSPHRASE)
    assert out.getvalue() == f"phrase {REDACTED}\n"


@pytest.mark.parametrize(
    "load",
    [
        lambda key: Signer(key, chain_id=1),
        LocalDigestSigner,
        RelayAuth,
    ],
    ids=["Signer", "LocalDigestSigner", "RelayAuth"],
)
def test_whatever_loads_a_key_registers_it_with_the_root_redactors(
    load: Callable[[bytes], object],
) -> None:
    root = logging.getLogger()
    handler = logging.StreamHandler(io.StringIO())
    redactor = SecretRedactor()
    handler.addFilter(redactor)
    root.addHandler(handler)
    try:
        load(bytes.fromhex(KEY))
    finally:
        root.removeHandler(handler)
    assert redactor.redact("0x" + KEY) == REDACTED


@pytest.fixture
def restore_root() -> Iterator[None]:
    """`main()` installs a stderr handler on the root logger: take it away after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.usefixtures("restore_root")
def test_the_cli_installs_a_redactor_of_the_environment_s_secrets(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OMNIARB_API_TOKEN", "tok-" + "7" * 20)
    monkeypatch.setenv("OMNIARB_PKCS11_PIN", "246810")
    assert main(["show-config", "--json"]) == 0
    assert len(installed_redactors()) == 1
    logging.getLogger("omniarb.somewhere").warning("token tok-%s pin %s", "7" * 20, "246810")
    err = capsys.readouterr().err
    assert f"token {REDACTED} pin {REDACTED}" in err
    assert "246810" not in err


@pytest.mark.usefixtures("restore_root")
def test_the_cli_s_error_line_is_redacted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """An error message quoting a secret (here a path the user built from one) shows it
    redacted, in the one-line error and in the DEBUG traceback."""
    monkeypatch.setenv("OMNIARB_KEYSTORE_PASSPHRASE", PASSPHRASE)
    missing = tmp_path / PASSPHRASE / "omniarb.toml"
    assert main(["--log-level", "DEBUG", "--config", str(missing), "show-config"]) == 4
    err = capsys.readouterr().err
    assert PASSPHRASE not in err
    assert f"{tmp_path}/{REDACTED}/omniarb.toml: cannot read the config file" in err
    assert "Traceback" in err
