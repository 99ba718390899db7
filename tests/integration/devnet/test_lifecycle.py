"""The devnet starts, stops and recovers cleanly: no orphan anvil, no stale record, fast restarts.

Covers the library (`Devnet`), the CLI (`omniarb devnet up|status|down`) in the foreground,
detached, stopped by SIGINT/SIGTERM, and killed outright (SIGKILL), where the kernel must take
the anvil nodes down with it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from omniarb.chains.rpc import RpcClient
from omniarb.devnet import Devnet
from omniarb.devnet.record import read_record

pytestmark = pytest.mark.xdist_group("devnet-cli")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it is dead for our purposes.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _wait_gone(pids: list[int], timeout_s: float = 10.0) -> list[int]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        left = [p for p in pids if _alive(p)]
        if not left:
            return []
        time.sleep(0.05)
    return [p for p in pids if _alive(p)]


def _cli(home: Path, *args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "omniarb", *args],
        env={**os.environ, "OMNIARB_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        **kwargs,  # type: ignore[call-overload]
    )


@pytest.fixture
def cli_home(tmp_path: Path, omniarb_home: Path) -> Path:
    """A private home (own running-devnet record) that shares the saved deployments."""
    home = tmp_path / "home"
    (home / "cache").mkdir(parents=True)
    (home / "cache" / "devnet").symlink_to(omniarb_home / "cache" / "devnet")
    (omniarb_home / "cache" / "devnet").mkdir(parents=True, exist_ok=True)
    return home


async def test_library_start_stop_leaves_nothing(omniarb_home: Path) -> None:
    net = Devnet(block_times_s={"polygon": 0.2, "arbitrum": None}, home=omniarb_home)
    async with net:
        pids = [node.pid for node in net.nodes.values()]
        assert len(pids) == 2
        assert all(_alive(p) for p in pids)
        assert net.manifest_path.exists()
        for chain in net.manifest.chains:
            async with RpcClient(chain.rpc_http) as rpc:
                assert int(await rpc.call("eth_chainId"), 16) == chain.chain_id
    assert _wait_gone(pids) == []
    assert not net.run_dir.exists()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_foreground_up_stops_on_signal(cli_home: Path, sig: signal.Signals) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "omniarb", "devnet", "up"],
        env={**os.environ, "OMNIARB_HOME": str(cli_home)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        record = _wait_for_record(cli_home, process.pid)
        anvils = _children(process.pid)
        assert len(anvils) == 5
        process.send_signal(sig)
        assert process.wait(timeout=30) == 0, process.stderr.read() if process.stderr else ""
    finally:
        if process.poll() is None:
            process.kill()
    assert _wait_gone(anvils) == []
    assert read_record(cli_home) is None
    assert not Path(record.manifest).exists()


def test_killed_supervisor_takes_anvil_down(cli_home: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "omniarb", "devnet", "up"],
        env={**os.environ, "OMNIARB_HOME": str(cli_home)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait_for_record(cli_home, process.pid)
    anvils = _children(process.pid)
    assert len(anvils) == 5
    process.kill()
    process.wait(timeout=10)
    assert _wait_gone(anvils) == [], "anvil outlived its killed parent"
    # The record of a dead supervisor is stale: status says "not running" with exit code 3.
    status = _cli(cli_home, "devnet", "status", "--json")
    assert status.returncode == 3
    assert json.loads(status.stdout) == {"running": False}


def test_detached_up_status_down(cli_home: Path) -> None:
    up = _cli(cli_home, "devnet", "up", "--detach")
    assert up.returncode == 0, up.stderr
    record = read_record(cli_home)
    assert record is not None
    anvils = _children(record.pid)
    try:
        again = _cli(cli_home, "devnet", "up", "--detach")
        assert again.returncode == 1
        assert "already running" in again.stderr

        status = _cli(cli_home, "devnet", "status", "--json")
        assert status.returncode == 0, status.stderr
        data = json.loads(status.stdout)
        assert data["running"] is True
        assert Path(data["manifest"]) == Path(record.manifest)
        assert Path(data["manifest"]).exists()
        by_name = {c["name"]: c for c in data["chains"]}
        assert {n: c["chain_id"] for n, c in by_name.items()} == {
            "ethereum": 1,
            "bnb": 56,
            "polygon": 137,
            "arbitrum": 42161,
            "optimism": 10,
        }
        assert all(isinstance(c["block"], int) for c in data["chains"])
    finally:
        down = _cli(cli_home, "devnet", "down")
    assert down.returncode == 0, down.stderr
    assert _wait_gone([record.pid, *anvils]) == []
    down_again = _cli(cli_home, "devnet", "down")
    assert down_again.returncode == 3
    assert down_again.stderr.startswith("error: ")


async def test_saved_deployment_is_reused_and_a_broken_one_redeployed(tmp_path: Path) -> None:
    home = tmp_path / "fresh"
    async with Devnet(block_times_s={"optimism": None}, home=home) as first:
        cold = first.manifest.chain("optimism")
    saved = sorted((home / "cache" / "devnet").glob("optimism-*"))
    assert [p.suffixes[-2] for p in saved] == [".manifest", ".state"]
    stamps = {p: p.stat().st_mtime_ns for p in saved}

    async with Devnet(block_times_s={"optimism": None}, home=home) as second:
        warm = second.manifest.chain("optimism")
    assert {p: p.stat().st_mtime_ns for p in saved} == stamps, "a warm start rewrote the save"
    assert warm.pools == cold.pools
    assert warm.tokens == cold.tokens

    state = next(p for p in saved if p.name.endswith(".state.json"))
    state.write_text("{ not json")
    async with Devnet(block_times_s={"optimism": None}, home=home) as third:
        rpc_http = third.manifest.chain("optimism").rpc_http
        async with RpcClient(rpc_http) as rpc:
            code = await rpc.call("eth_getCode", cold.pools[0].address, "latest")
    assert len(code) > 2
    assert json.loads(state.read_text())


def _wait_for_record(home: Path, pid: int, timeout_s: float = 120.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        record = read_record(home)
        if record is not None and record.pid == pid:
            return record
        time.sleep(0.05)
    raise AssertionError("the devnet did not publish its record")
