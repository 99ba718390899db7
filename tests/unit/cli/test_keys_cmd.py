"""`omniarb keys`: new, import (stdin, never argv), list, show, retire on a keystore, each write
audited in the history database; the env backend lists its key and refuses to make one."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from eth_account import Account

from omniarb.store import HistoryDatabase

KeysCli = Callable[..., subprocess.CompletedProcess[str]]
PASSPHRASE = "cli test passphrase"
KEY = bytes.fromhex("8da4ef21b864d2cc526dbdb2a120bd2874c36c9d0a1fb7f8c63d7f7a8b41de8f")


@pytest.fixture
def keys_cli(cli_env: dict[str, str], tmp_path: Path) -> KeysCli:
    config = tmp_path / "keystore.toml"
    config.write_text('[keys]\nbackend = "keystore"\nscrypt_n = 4096\n')
    env = cli_env | {"OMNIARB_KEYSTORE_PASSPHRASE": PASSPHRASE}

    def run(
        *args: str, stdin: str = "", config_file: Path | None = config, **extra_env: str
    ) -> subprocess.CompletedProcess[str]:
        head = ["--config", str(config_file)] if config_file is not None else []
        return subprocess.run(
            [sys.executable, "-m", "omniarb", *head, "keys", *args],
            env=env | extra_env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    return run


def _audit(home: Path) -> list[tuple[str, str, str, str]]:
    database = HistoryDatabase.open(f"sqlite:///{home / 'history.sqlite'}", migrate=False)
    try:
        rows = database.audit(limit=50)
    finally:
        database.dispose()
    return [(e.action, e.subject, e.outcome, e.actor) for e in reversed(rows)]


def _shown(done: subprocess.CompletedProcess[str]) -> str:
    return done.stdout + done.stderr


def test_keys_verbs_on_a_keystore_write_the_audit_log(
    keys_cli: KeysCli,
    cli_env: dict[str, str],
) -> None:
    home = Path(cli_env["OMNIARB_HOME"])
    assert json.loads(keys_cli("list", "--json").stdout) == []

    new = keys_cli("new", "--label", "hot wallet", "--json")
    assert new.returncode == 0, new.stderr
    created = json.loads(new.stdout)
    assert created["label"] == "hot wallet"

    imported = keys_cli("import", "--label", "old", "--json", stdin="0x" + KEY.hex() + "\n")
    assert imported.returncode == 0, imported.stderr
    old = json.loads(imported.stdout)["address"]
    assert old == Account.from_key(KEY).address
    assert KEY.hex() not in _shown(imported)

    listed = json.loads(keys_cli("list", "--json").stdout)
    assert [(k["address"], k["retired"]) for k in listed] == [
        (created["address"], False),
        (old, False),
    ]
    shown = keys_cli("show", old, "--json")
    assert json.loads(shown.stdout)["label"] == "old"

    retired = keys_cli("retire", old)
    assert retired.returncode == 0, retired.stderr
    assert json.loads(keys_cli("show", old, "--json").stdout)["retired"] is True
    text = keys_cli("list")
    assert "retired" in text.stdout
    assert "live" in text.stdout

    files = list((home / "keys").glob("*.json"))
    assert len(files) == 2
    assert all(f.stat().st_mode & 0o777 == 0o600 for f in files)
    audit = _audit(home)
    assert [(a, s, o) for a, s, o, _ in audit] == [
        ("key.create", created["address"], "ok"),
        ("key.import", old, "ok"),
        ("key.retire", old, "ok"),
    ]
    assert all(actor.startswith("cli:") for *_, actor in audit)


def test_a_wrong_passphrase_fails_clearly_and_is_audited(
    keys_cli: KeysCli,
    cli_env: dict[str, str],
) -> None:
    home = Path(cli_env["OMNIARB_HOME"])
    assert keys_cli("import", "--label", "a", stdin=KEY.hex()).returncode == 0
    wrong = keys_cli("new", "--label", "b", OMNIARB_KEYSTORE_PASSPHRASE="definitely wrong")
    assert wrong.returncode == 4
    (line,) = [x for x in wrong.stderr.splitlines() if x.startswith("error:")]
    assert "wrong keystore passphrase" in line
    for secret in (KEY.hex(), PASSPHRASE, "definitely wrong"):
        assert secret not in _shown(wrong)
    assert [(a, o) for a, _, o, _ in _audit(home)] == [
        ("key.import", "ok"),
        ("key.create", "failed"),
    ]
    assert len(json.loads(keys_cli("list", "--json").stdout)) == 1


def test_import_never_takes_the_key_from_the_command_line(keys_cli: KeysCli) -> None:
    done = keys_cli("import", "--label", "a", "0x" + KEY.hex())
    assert done.returncode == 2  # a usage error: there is no such argument
    bad = keys_cli("import", "--label", "a", stdin="0xnothex")
    assert bad.returncode == 4
    assert "not hex digits" in bad.stderr


def test_the_env_backend_lists_its_key_and_makes_none(keys_cli: KeysCli) -> None:
    env_key = {"OMNIARB_PRIVATE_KEY": "0x" + KEY.hex()}
    listed = keys_cli("list", "--json", config_file=None, **env_key)
    assert listed.returncode == 0, listed.stderr
    (key,) = json.loads(listed.stdout)
    assert key["address"] == Account.from_key(KEY).address
    assert key["backend"] == "env"
    refused = keys_cli("new", "--label", "x", config_file=None, **env_key)
    assert refused.returncode == 4
    assert "cannot create" in refused.stderr
    assert KEY.hex() not in _shown(listed) + _shown(refused)


def _network(path: Path, *, devnet: bool) -> Path:
    """A one-chain network description whose node is unreachable (nothing listens on port 9)."""
    chain = {
        "chain_id": 1,
        "name": "ethereum",
        "rpc_http": "http://127.0.0.1:9",
        "rpc_ws": "ws://127.0.0.1:9",
        "tokens": [],
        "dexes": [],
        "executor": "0x" + "11" * 20,
    }
    if devnet:
        chain["devnet"] = True
    path.write_text(json.dumps({"chains": [chain]}))
    return path


def test_the_env_key_is_refused_on_a_real_network_unless_allowed(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    env = cli_env | {"OMNIARB_PRIVATE_KEY": "0x" + KEY.hex()}
    real = _network(tmp_path / "real.json", devnet=False)
    allow = tmp_path / "allow.toml"
    allow.write_text("[keys]\nallow_env_on_mainnet = true\n")

    def omniarb(*args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "omniarb", *(str(a) for a in args)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    for refused in (
        omniarb("run", "--manifest", real, "--blocks", "1"),
        omniarb("executor", "deploy", "--manifest", real, "--chain", "ethereum"),
    ):
        assert refused.returncode == 4, refused.stderr
        assert "ethereum is not a devnet chain" in refused.stderr
        assert "allow_env_on_mainnet" in refused.stderr
        assert KEY.hex() not in _shown(refused)
    # Allowed by the config, or on the devnet's chains: the key is taken, and the command goes on
    # to the node, which is not there.
    allowed = omniarb(
        "--config", allow, "executor", "deploy", "--manifest", real, "--chain", "ethereum"
    )
    devnet = omniarb(
        "executor", "deploy", "--manifest", _network(tmp_path / "dev.json", devnet=True),
        "--chain", "ethereum",
    )  # fmt: skip
    assert "signing with OMNIARB_PRIVATE_KEY on a real network" in allowed.stderr
    for done in (allowed, devnet):
        assert done.returncode != 0
        assert "not a devnet chain" not in done.stderr
        assert "127.0.0.1:9" in done.stderr
        assert KEY.hex() not in _shown(done)
