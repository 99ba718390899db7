"""The command line's contract: exit codes, one-line errors on stderr, JSON on stdout."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from omniarb import __version__
from omniarb.cli import config_cmd
from omniarb.cli.main import main
from omniarb.config import load_settings

RunCli = Callable[..., subprocess.CompletedProcess[str]]  # the `run_cli` fixture

BAD_CONFIGS = {
    "unknown key": ("[market]\nsed = 3\n", "market.sed"),
    "wrong type": ('[market]\nseed = "abc"\n', "market.seed"),
    "negative block time": ("[devnet.chains.polygon]\nblock_time_s = -1\n", "block_time_s"),
    "bad chain id": (
        '[chains.polygon]\nchain_id = 999\nrpc_http = "https://polygon.example"\n',
        "chains.polygon.chain_id",
    ),
    "unknown dex": (
        '[chains.polygon]\nrpc_http = "https://polygon.example"\ndexes = ["foo"]\n',
        "chains.polygon.dexes[0]",
    ),
    "secret in the file": ('private_key = "0xfeedfacecafe"\n', "private_key"),
    "relay key in the file": (
        '[submission.ethereum]\nrelay_key = "0xfeedfacecafe"\n',
        "submission.ethereum.relay_key",
    ),
    "bribe share out of range": (
        "[submission.ethereum]\nbribe_share_bps = 10001\n",
        "submission.ethereum.bribe_share_bps",
    ),
    "bribe on a sequencer": (
        "[submission.arbitrum]\nbribe_share_bps = 100\n",
        "submission.arbitrum.bribe_share_bps",
    ),
    "relay on a public chain": (
        '[submission.polygon]\nrelay_url = "https://relay.example"\n',
        "submission.polygon.relay_url",
    ),
    "invalid toml": ("[market\n", "invalid TOML"),
}


def assert_one_error_line(stderr: str, *parts: str) -> None:
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    for part in parts:
        assert part in lines[0]


@pytest.mark.parametrize(("text", "key_path"), BAD_CONFIGS.values(), ids=BAD_CONFIGS.keys())
def test_a_bad_config_exits_4_with_one_line(
    run_cli: RunCli, tmp_path: Path, text: str, key_path: str
) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(text)
    done = run_cli("--config", str(config), "show-config")
    assert done.returncode == 4
    assert done.stdout == ""
    assert_one_error_line(done.stderr, str(config), key_path)
    assert "feedfacecafe" not in done.stderr


@pytest.mark.parametrize("where", ["missing", "directory"])
def test_an_unreadable_config_exits_4(run_cli: RunCli, tmp_path: Path, where: str) -> None:
    config = tmp_path / "nope.toml" if where == "missing" else tmp_path
    done = run_cli("--config", str(config), "show-config", "--json")
    assert done.returncode == 4
    assert done.stdout == ""
    assert_one_error_line(done.stderr, str(config))


def test_show_config_json_masks_secrets(run_cli: RunCli, tmp_path: Path) -> None:
    config = tmp_path / "omniarb.toml"
    config.write_text("[market]\nseed = 42\n")
    secrets = {
        "OMNIARB_API_TOKEN": "tok-feedfacecafe",
        "OMNIARB_PRIVATE_KEY": "cd" * 32,
        "OMNIARB_RELAY_KEY": "ef" * 32,
    }
    done = run_cli("--config", str(config), "show-config", "--json", env=secrets)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["secrets"] == {
        "private_key": "***",
        "api_token": "***",
        "db_url": None,
        "slack_webhook_url": None,
        "telegram_bot_token": None,
        "telegram_chat_id": None,
        "relay_key": "***",
        "keystore_passphrase": None,
    }
    assert data["market"]["seed"] == 42
    assert data["devnet"]["chains"]["arbitrum"]["block_time_s"] == 0.5
    assert "feedfacecafe" not in done.stdout + done.stderr
    assert "cdcdcdcd" not in done.stdout + done.stderr
    assert "efefefef" not in done.stdout + done.stderr


def test_show_config_text_is_a_config_file_that_loads_back(run_cli: RunCli, tmp_path: Path) -> None:
    config = tmp_path / "omniarb.toml"
    config.write_text(
        '[devnet.chains.bnb]\nenabled = false\n[chains.polygon]\nrpc_http = "https://p.example"\n'
        '[submission.bnb]\nrelay_url = "https://bnb-relay.example"\nbribe_share_bps = 2500\n'
    )
    env = {"OMNIARB_DB_URL": "sqlite://x", "OMNIARB_RELAY_KEY": "ef" * 32}
    done = run_cli("--config", str(config), "show-config", env=env)
    assert done.returncode == 0, done.stderr
    assert "OMNIARB_DB_URL: set (***)" in done.stdout
    assert "OMNIARB_RELAY_KEY: set (***)" in done.stdout
    assert "efefefef" not in done.stdout
    assert "sqlite://x" not in done.stdout
    echoed = tmp_path / "echoed.toml"
    echoed.write_text(done.stdout)
    assert load_settings(echoed) == load_settings(config)


def test_a_bad_private_key_exits_4_without_showing_it(run_cli: RunCli) -> None:
    done = run_cli("show-config", env={"OMNIARB_PRIVATE_KEY": "0xfeedfacecafe"})
    assert done.returncode == 4
    assert_one_error_line(done.stderr, "OMNIARB_PRIVATE_KEY")
    assert "feedfacecafe" not in done.stderr


def test_version(run_cli: RunCli) -> None:
    done = run_cli("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"omniarb {__version__}"


@pytest.mark.parametrize("args", [["no-such-verb"], []], ids=["unknown", "none"])
def test_a_usage_error_exits_2(run_cli: RunCli, args: list[str]) -> None:
    done = run_cli(*args)
    assert done.returncode == 2
    assert "usage: omniarb" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_internal_error_is_one_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def explode(*_: object) -> int:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(config_cmd, "run", explode)
    assert main(["show-config"]) == 1
    captured = capsys.readouterr()
    assert captured.err == "error: internal error: RuntimeError: boom second line\n"
    assert captured.out == ""


def test_debug_shows_the_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def explode(*_: object) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(config_cmd, "run", explode)
    assert main(["--log-level", "debug", "show-config"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err
    assert err.endswith("error: internal error: RuntimeError: boom\n")


def test_ctrl_c_exits_130_quietly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(*_: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(config_cmd, "run", interrupted)
    assert main(["show-config"]) == 130
    assert capsys.readouterr().err == ""
