"""The env key backend: `OMNIARB_PRIVATE_KEY`, allowed on the devnet's chains and refused on a
real network's unless `[keys] allow_env_on_mainnet`; and the backend factory's choices."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest
from eth_account import Account

from omniarb.config import KeysSettings, Settings, load_secrets, load_settings
from omniarb.errors import ConfigError
from omniarb.keys.env import EnvBackend, require_env_allowed
from omniarb.keys.factory import open_backend, signing_address
from omniarb.keys.keystore import KeystoreBackend
from omniarb.network import ChainManifest
from omniarb.wiring_keys import chain_signer

KEY = bytes(31) + b"\x2a"
SECRETS = load_secrets({"OMNIARB_PRIVATE_KEY": "0x" + KEY.hex()})


def _chain(*, devnet: bool, chain_id: int = 1) -> ChainManifest:
    return ChainManifest.from_dict(
        {
            "chain_id": chain_id,
            "name": "ethereum",
            "rpc_http": "http://127.0.0.1:9",
            "rpc_ws": "ws://127.0.0.1:9",
            "tokens": [],
            "dexes": [],
            **({"devnet": True} if devnet else {}),
        }
    )


def test_the_env_key_signs_on_the_devnet() -> None:
    backend = EnvBackend(SECRETS)
    signer = chain_signer(backend, KeysSettings(), _chain(devnet=True, chain_id=137))
    assert signer.address == Account.from_key(KEY).address
    assert signer.chain_id == 137


def test_the_env_key_is_refused_on_a_real_network() -> None:
    with pytest.raises(ConfigError, match="allow_env_on_mainnet") as refused:
        chain_signer(EnvBackend(SECRETS), KeysSettings(), _chain(devnet=False))
    assert "ethereum is not a devnet chain" in str(refused.value)
    assert KEY.hex() not in str(refused.value)


def test_the_env_key_on_a_real_network_when_the_config_allows_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    allowed = KeysSettings(allow_env_on_mainnet=True)
    signer = chain_signer(EnvBackend(SECRETS), allowed, _chain(devnet=False))
    assert signer.address == Account.from_key(KEY).address
    assert "allow_env_on_mainnet" in caplog.text
    assert KEY.hex() not in caplog.text


def test_the_devnet_flag_round_trips_through_the_manifest_file(tmp_path: Path) -> None:
    # The devnet's manifest says `devnet: true`; a hand-written network description leaves it
    # out, which reads as a real network.
    chain = _chain(devnet=True)
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(asdict(chain)))
    assert ChainManifest.from_dict(json.loads(path.read_text())).devnet
    assert not _chain(devnet=False).devnet
    require_env_allowed(KeysSettings(), chain="ethereum", devnet=True)


def test_without_the_variable_the_error_names_it() -> None:
    with pytest.raises(ConfigError, match="OMNIARB_PRIVATE_KEY"):
        chain_signer(EnvBackend(load_secrets({})), KeysSettings(), _chain(devnet=True))


def test_the_env_backend_neither_creates_nor_retires() -> None:
    backend = EnvBackend(SECRETS)
    with pytest.raises(ConfigError, match="cannot create"):
        backend.create_key("x")
    with pytest.raises(ConfigError, match="cannot retire"):
        backend.retire_key(backend.list_keys()[0].address)
    with pytest.raises(ConfigError, match="not of"):
        backend.digest_signer("0x" + "11" * 20)


def test_the_factory_opens_the_configured_backend(tmp_path: Path) -> None:
    assert isinstance(open_backend(Settings(), SECRETS), EnvBackend)
    settings = Settings.model_validate(
        {"keys": {"backend": "keystore", "keystore_dir": str(tmp_path / "k"), "scrypt_n": 4096}}
    )
    backend = open_backend(settings, load_secrets({"OMNIARB_KEYSTORE_PASSPHRASE": "pw"}))
    assert isinstance(backend, KeystoreBackend)
    assert backend.directory == tmp_path / "k"


def test_the_keystore_directory_defaults_under_the_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMNIARB_HOME", str(tmp_path))
    assert KeysSettings().keystore_path() == tmp_path / "keys"


def test_the_signing_key_is_the_only_live_one_or_the_configured_one(tmp_path: Path) -> None:
    backend = KeystoreBackend(tmp_path / "k", lambda: "pw", scrypt_n=4096)
    with pytest.raises(ConfigError, match="no live key"):
        signing_address(backend, KeysSettings())
    first = backend.create_key("a")
    assert signing_address(backend, KeysSettings()) == first.address
    second = backend.create_key("b")
    with pytest.raises(ConfigError, match=r"keys\.address"):
        signing_address(backend, KeysSettings())
    assert signing_address(backend, KeysSettings(address=second.address)) == second.address
    backend.retire_key(second.address)
    assert signing_address(backend, KeysSettings()) == first.address
    with pytest.raises(ConfigError, match="retired"):
        signing_address(backend, KeysSettings(address=second.address))


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"backend": "vault"}, "keys.backend"),
        ({"scrypt_n": 5000}, "power of two"),
        ({"scrypt_n": 1024}, "keys.scrypt_n"),
        ({"address": "0x1234"}, "20-byte hex address"),
        ({"passphrase": "hunter2"}, "OMNIARB_KEYSTORE_PASSPHRASE"),
    ],
)
def test_bad_keys_tables_are_config_errors(
    tmp_path: Path, table: dict[str, object], message: str
) -> None:
    lines = [f"{k} = {json.dumps(v)}" for k, v in table.items()]
    path = tmp_path / "c.toml"
    path.write_text("[keys]\n" + "\n".join(lines) + "\n")
    with pytest.raises(ConfigError, match=message) as bad:
        load_settings(path)
    assert "hunter2" not in str(bad.value)


def test_pkcs11_without_its_module_or_pin_is_a_config_error() -> None:
    settings = Settings.model_validate({"keys": {"backend": "pkcs11"}})
    with pytest.raises(ConfigError, match="pkcs11"):
        open_backend(settings, SECRETS)
