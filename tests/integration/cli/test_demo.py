"""`omniarb demo` starts five chains, trades on every one, stops by itself and leaves nothing.

The market's whales are made frequent (a config key the demo documents) so that every chain
sees a gap worth trading within the run's few blocks."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from _plans import ENGINE_TEST_DEADLINE_BLOCKS

pytestmark = pytest.mark.xdist_group("devnet-cli")

_CHAINS = ("ethereum", "bnb", "polygon", "arbitrum", "optimism")
_FAST_CHAINS = "\n".join(f"[devnet.chains.{name}]\nblock_time_s = 0.4\n" for name in _CHAINS)
# No rival searchers: every trade of the bot must succeed (tests/integration/engine/
# test_demo_rivals.py runs the demo with them).
_FAST_CHAINS += "[devnet.rivals]\ncount = 0\n"
# As in the engine tests (`tests/_plans.py`): a bot starved of CPU on the shared two-core machine
# falls blocks behind these 0.4 s chains, and its trades must not expire on chain meanwhile.
_FAST_CHAINS += f"[execute]\ndeadline_blocks = {ENGINE_TEST_DEADLINE_BLOCKS}\n"
_BLOCKS = 20


def test_demo_trades_on_five_chains_and_stops(tmp_path: Path, omniarb_home: Path) -> None:
    home = tmp_path / "home"
    (home / "cache").mkdir(parents=True)
    (omniarb_home / "cache" / "devnet").mkdir(parents=True, exist_ok=True)
    (home / "cache" / "devnet").symlink_to(omniarb_home / "cache" / "devnet")
    config = tmp_path / "fast.toml"
    config.write_text(_FAST_CHAINS + "[market]\nwhale_probability = 0.5\n")
    summary_path = tmp_path / "summary.json"

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "omniarb",
            "--config",
            str(config),
            "demo",
            "--blocks",
            str(_BLOCKS),
            "--summary",
            str(summary_path),
        ],
        env={**os.environ, "OMNIARB_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    # The last plain-text view has one line per chain: every chain mined swaps.
    final = done.stdout.split("demo stopped")[0].strip().splitlines()[-5:]
    mined = {}
    for line in final:
        match = re.match(r"(\w+)\s+block\s+(\d+)\s+swaps\s+(\d+)", line)
        assert match, line
        mined[match.group(1)] = int(match.group(3))
    assert set(mined) == set(_CHAINS)
    assert all(count > 0 for count in mined.values()), mined
    # And the bot traded on every chain, each trade mined and successful.
    summary = json.loads(summary_path.read_text())
    succeeded = {c["chain"]: c["succeeded"] for c in summary["chains"]}
    assert set(succeeded) == set(_CHAINS)
    assert all(count > 0 for count in succeeded.values()), succeeded
    assert {t["chain"] for t in summary["trades"] if t["status"] == "success"} == set(_CHAINS)
    assert "demo stopped" in done.stdout
    assert not (home / "devnet" / "running.json").exists()
    # Every chain's profit went to its Safe at the end (the executor keeps its float).
    swept = done.stdout.split("treasury (profit above the executor's float")[1].splitlines()[1:]
    lines = {line.split(":")[0].strip(): line for line in swept if line.startswith("  ")}
    assert set(lines) == set(_CHAINS), done.stdout
    for chain, line in lines.items():
        assert re.search(r": \d[\d.]* \w+.* to Safe 0x[0-9a-fA-F]{40}$", line), (chain, line)


def _children(pid: int) -> list[tuple[int, str]]:
    """The processes whose parent is `pid`, with their command lines."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append((int(entry.name), cmdline))
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.parametrize("ctrl_c", [False, True], ids=["sigterm", "ctrl-c"])
async def test_the_market_trades_in_a_child_process_that_stops_with_the_demo(
    tmp_path: Path, omniarb_home: Path, ctrl_c: bool
) -> None:
    """SIGTERM reaches the demo alone; Ctrl-C reaches its whole process group, the market's
    process too, which leaves the stopping to the demo."""
    home = tmp_path / "home"
    (home / "cache").mkdir(parents=True)
    (omniarb_home / "cache" / "devnet").mkdir(parents=True, exist_ok=True)
    (home / "cache" / "devnet").symlink_to(omniarb_home / "cache" / "devnet")
    config = tmp_path / "fast.toml"
    config.write_text(_FAST_CHAINS)
    stderr_path = tmp_path / "demo.err"
    with stderr_path.open("wb") as stderr:
        demo = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "omniarb",
            "--config",
            str(config),
            "demo",
            env={**os.environ, "OMNIARB_HOME": str(home)},
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
            start_new_session=True,
        )
    try:
        # The first view line: the bot runs, with its stop signals installed.
        assert demo.stdout is not None
        async with asyncio.timeout(120):
            while not re.match(rb"\w+\s+block\s+\d+", line := await demo.stdout.readline()):
                assert line, stderr_path.read_text()
        spawned = [pid for pid, cmd in _children(demo.pid) if "spawn_main" in cmd]
        assert len(spawned) == 1, _children(demo.pid)
        market_pid = spawned[0]
        if ctrl_c:
            os.killpg(demo.pid, signal.SIGINT)
        else:
            demo.send_signal(signal.SIGTERM)
        async with asyncio.timeout(120):
            await demo.communicate()
        errors = stderr_path.read_text()
        assert demo.returncode == 0, errors
        assert "Traceback" not in errors
        assert not _alive(market_pid), f"the market process {market_pid} outlived the demo"
        assert not (home / "devnet" / "running.json").exists()
    finally:
        if demo.returncode is None:
            demo.kill()
            await demo.wait()
