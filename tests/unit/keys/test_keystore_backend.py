"""The keystore key backend: v3 files that round-trip, one passphrase, private permissions, and
errors that never show a key or the passphrase."""

from __future__ import annotations

import json
import os
import traceback
from pathlib import Path

import pytest
from coincurve import PublicKey
from Crypto.Hash import keccak
from eth_account import Account
from eth_utils.address import to_checksum_address

from omniarb.config import load_secrets
from omniarb.errors import ConfigError
from omniarb.keys.keystore import KeystoreBackend, passphrase_source

PASSPHRASE = "correct horse battery staple"
KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
N = 2**12


def _backend(directory: Path, passphrase: str = PASSPHRASE) -> KeystoreBackend:
    return KeystoreBackend(directory, lambda: passphrase, scrypt_n=N)


def _recovered(digest: bytes, signature: bytes) -> str:
    public = PublicKey.from_signature_and_message(signature, digest, hasher=None)
    raw = public.format(compressed=False)[1:]
    return to_checksum_address(keccak.new(data=raw, digest_bits=256).digest()[12:])


def test_a_created_key_is_listed_and_signs_after_reopening(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    created = _backend(keys).create_key("bot")
    assert created.backend == "keystore"
    assert created.label == "bot"
    assert not created.retired
    again = _backend(keys)
    assert again.list_keys() == [created]
    signer = again.digest_signer(created.address)
    digest = bytes(range(32))
    signature = signer.sign_digest(digest)
    assert len(signature) == 65
    assert _recovered(digest, signature) == created.address


def test_files_are_web3_secret_storage_v3_that_eth_account_reads(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    info = _backend(keys).import_key(KEY, label="imported")
    (path,) = keys.glob("*.json")
    data = json.loads(path.read_text())
    assert data["version"] == 3
    assert data["crypto"]["kdf"] == "scrypt"
    assert data["crypto"]["kdfparams"]["n"] == N
    assert data["omniarb"]["label"] == "imported"
    assert path.name.startswith("UTC--")
    assert path.name.endswith(f"--{data['address']}.json")
    assert bytes(Account.decrypt(data, PASSPHRASE)) == KEY
    assert info.address == Account.from_key(KEY).address
    assert KEY.hex() not in path.read_text()


def test_directory_is_0700_and_files_0600(tmp_path: Path) -> None:
    keys = tmp_path / "deep" / "keys"
    old_umask = os.umask(0o022)  # the usual umask: what mkdir would leave group/world-readable
    try:
        _backend(keys).create_key("a")
    finally:
        os.umask(old_umask)
    assert keys.stat().st_mode & 0o777 == 0o700
    (path,) = keys.glob("*.json")
    assert path.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("target", "mode", "fix"), [("file", 0o644, "chmod 600"), ("dir", 0o755, "chmod 700")]
)
def test_a_key_others_may_read_is_refused(tmp_path: Path, target: str, mode: int, fix: str) -> None:
    keys = tmp_path / "keys"
    info = _backend(keys).create_key("a")
    (path,) = keys.glob("*.json")
    os.chmod(path if target == "file" else keys, mode)
    with pytest.raises(ConfigError, match=fix):
        _backend(keys).digest_signer(info.address)


def test_a_wrong_passphrase_is_a_clear_error_without_secrets(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    info = _backend(keys).import_key(KEY, label="a")
    with pytest.raises(ConfigError, match="wrong keystore passphrase") as wrong:
        _backend(keys, "not the passphrase").digest_signer(info.address)
    # No chained library error (its message or locals) travels with it.
    assert wrong.value.__cause__ is None
    assert wrong.value.__suppress_context__
    text = "".join(traceback.format_exception_only(wrong.value))
    for secret in (KEY.hex(), PASSPHRASE, "not the passphrase"):
        assert secret not in text
    assert wrong.value.exit_code == 4


def test_every_key_of_a_directory_shares_its_passphrase(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    _backend(keys).create_key("first")
    with pytest.raises(ConfigError, match="wrong keystore passphrase"):
        _backend(keys, "another one").create_key("second")
    assert [k.label for k in _backend(keys).list_keys()] == ["first"]


def test_retired_keys_are_kept_listed_and_never_sign(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    backend = _backend(keys)
    info = backend.import_key(KEY, label="old")
    retired = backend.retire_key(info.address)
    assert retired.retired
    assert [k.retired for k in _backend(keys).list_keys()] == [True]
    for fresh in (backend, _backend(keys)):
        with pytest.raises(ConfigError, match="retired"):
            fresh.digest_signer(info.address)
    (path,) = keys.glob("*.json")
    assert path.stat().st_mode & 0o777 == 0o600  # the rewrite keeps the file private


def test_the_same_key_twice_and_unknown_keys_are_refused(tmp_path: Path) -> None:
    backend = _backend(tmp_path / "keys")
    info = backend.import_key(KEY, label="a")
    with pytest.raises(ConfigError, match="already holds"):
        backend.import_key(KEY, label="b")
    with pytest.raises(ConfigError, match="no key"):
        backend.digest_signer("0x" + "00" * 20)
    with pytest.raises(ConfigError, match="no key"):
        backend.retire_key("0x" + "00" * 20)
    assert backend.list_keys()[0].address == info.address


def test_listing_needs_no_passphrase(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    _backend(keys).create_key("a")

    def no_passphrase() -> str:
        raise AssertionError("listing asked for the passphrase")

    assert len(KeystoreBackend(keys, no_passphrase).list_keys()) == 1
    assert KeystoreBackend(tmp_path / "nowhere", no_passphrase).list_keys() == []


def test_the_passphrase_comes_from_the_environment() -> None:
    read = passphrase_source(load_secrets({"OMNIARB_KEYSTORE_PASSPHRASE": PASSPHRASE}))
    assert read() == PASSPHRASE


def test_without_passphrase_or_terminal_the_error_names_the_variable() -> None:
    # pytest's stdin is not a terminal: no prompt can be shown.
    with pytest.raises(ConfigError, match="OMNIARB_KEYSTORE_PASSPHRASE"):
        passphrase_source(load_secrets({}))()


def test_the_backend_repr_shows_no_secret(tmp_path: Path) -> None:
    backend = _backend(tmp_path / "keys")
    signer = backend.digest_signer(backend.import_key(KEY, label="a").address)
    for text in (repr(backend), repr(signer), str(signer)):
        assert PASSPHRASE not in text
        assert KEY.hex() not in text
