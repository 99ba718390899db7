"""Driving the real `omniarb` command in tests: a private home, a detached devnet, the market and
the bot as subprocesses, and reading what they leave behind (the history database, the chain).

    home = private_home(tmp_path, omniarb_home)
    config = write_config(tmp_path / "fast.toml", block_times_s={"arbitrum": 0.5})
    with detached_devnet(home, config) as devnet, market(home, config, tmp_path / "m.log"):
        done = cli(home, "--config", str(config), "run", "--blocks", "5")

Each helper leaves nothing running: `detached_devnet` stops the devnet with `omniarb devnet down`
and, when the block ended normally, asserts that every anvil node is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from _plans import ENGINE_TEST_DEADLINE_BLOCKS

from omniarb.chains.rpc import RpcClient
from omniarb.devnet.record import DevnetRecord, read_record
from omniarb.devnet.supervise import spawn_detached

T = TypeVar("T")

# Variables that would point the subprocesses at something other than their private home.
_FOREIGN_ENV = ("OMNIARB_DB_URL", "OMNIARB_PRIVATE_KEY", "OMNIARB_API_TOKEN")
_ALL_CHAINS = ("ethereum", "bnb", "polygon", "arbitrum", "optimism")


def private_home(tmp_path: Path, shared_home: Path) -> Path:
    """An `OMNIARB_HOME` of its own (record, history, runs) sharing the saved deployments."""
    home = tmp_path / "home"
    (home / "cache").mkdir(parents=True)
    (shared_home / "cache" / "devnet").mkdir(parents=True, exist_ok=True)
    (home / "cache" / "devnet").symlink_to(shared_home / "cache" / "devnet")
    return home


def write_config(
    path: Path,
    *,
    block_times_s: dict[str, float],
    whale_probability: float = 0.5,
    seed: int = 7,
    rivals: int = 0,
) -> Path:
    """A config that enables only the chains of `block_times_s`, mining at those block times;
    `rivals` rival searchers race the bot in a demo (none by default: a test of the bot's own
    trades counts on the market's gaps being left to it)."""
    lines = []
    for name in _ALL_CHAINS:
        lines.append(f"[devnet.chains.{name}]")
        if name in block_times_s:
            lines.append(f"block_time_s = {block_times_s[name]}")
        else:
            lines.append("enabled = false")
    lines += ["[market]", f"whale_probability = {whale_probability}", f"seed = {seed}"]
    lines += ["[devnet.rivals]", f"count = {rivals}"]
    # As in the in-process engine tests (`tests/_plans.py`): a bot starved of CPU for a second
    # on the shared machine must not see trades expire on chain in tests of other behaviour.
    lines += ["[execute]", f"deadline_blocks = {ENGINE_TEST_DEADLINE_BLOCKS}"]
    path.write_text("\n".join(lines) + "\n")
    return path


def env_for(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _FOREIGN_ENV}
    env["OMNIARB_HOME"] = str(home)
    return env


def _argv(args: Sequence[str | Path], config: Path | None) -> list[str]:
    prefix = [] if config is None else ["--config", str(config)]
    return [sys.executable, "-m", "omniarb", *prefix, *(str(a) for a in args)]


def cli(
    home: Path, *args: str | Path, config: Path | None = None, timeout_s: float = 120.0
) -> subprocess.CompletedProcess[str]:
    """Run `omniarb [--config FILE] ARGS…` to completion with `home` as its home."""
    return subprocess.run(
        _argv(args, config),
        env=env_for(home),
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


@contextlib.contextmanager
def kept_demo(
    home: Path,
    *,
    blocks: int,
    summary: Path,
    config: Path,
    timeout_s: float = 120.0,
    args: Sequence[str] = (),
) -> Iterator[subprocess.CompletedProcess[str]]:
    """`omniarb demo ARGS --blocks N --summary FILE --keep-devnet` run to a clean exit; its
    devnet stays up for the block's checks and is brought down after (which must succeed when
    the checks did)."""
    demo = cli(
        home,
        "demo",
        *args,
        "--blocks",
        str(blocks),
        "--summary",
        summary,
        "--keep-devnet",
        config=config,
        timeout_s=timeout_s,
    )
    try:
        assert demo.returncode == 0, demo.stderr[-3000:]
        yield demo
    finally:
        down = cli(home, "devnet", "down")
    assert down.returncode == 0, down.stderr


def spawn(
    home: Path, *args: str | Path, log: Path, config: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start `omniarb [--config FILE] ARGS…` in the background, its output going to `log`."""
    with log.open("ab") as out:
        return subprocess.Popen(
            _argv(args, config),
            env=env_for(home),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def tail(log: Path, lines: int = 15) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout_s: float = 30) -> int:
    """Send `sig` and wait for the exit code; SIGKILL if it does not exit in time."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            return process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
    return process.returncode


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"  # a zombie is dead for our purposes


def children(pid: int) -> list[int]:
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


def _answers(url: str) -> bool:
    request = urllib.request.Request(
        url,
        data=b'{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}',
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=2):
            return True
    except (urllib.error.URLError, OSError):
        return False


def wait_until(
    condition: Callable[[], T | None],
    *,
    timeout_s: float,
    what: str,
    interval_s: float = 0.05,
    watch: subprocess.Popen[bytes] | None = None,
    log: Path | None = None,
    logs: Sequence[Path | str] = (),
) -> T:
    """Poll `condition` until it returns something truthy; fail (with the tails of `log` and
    of each of `logs`, several processes' logs) on timeout or when the `watch`ed process exits
    first."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if watch is not None and watch.poll() is not None:
            raise AssertionError(
                f"exited with {watch.returncode} before {what}:\n{_tails(log, logs)}"
            )
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out after {timeout_s:g} s waiting for {what}:\n{_tails(log, logs)}"
            )
        time.sleep(interval_s)


def _tails(log: Path | None, logs: Sequence[Path | str]) -> str:
    if not logs:
        return tail(log) if log else ""
    named = [Path(p) for p in (log, *logs) if p is not None]
    return "\n".join(f"--- {p}\n{tail(p, lines=25) or '(no log)'}" for p in named)


@contextlib.contextmanager
def _home_env(home: Path) -> Iterator[None]:
    """`OMNIARB_HOME=home` in this process for the block (for children it spawns)."""
    saved = os.environ.get("OMNIARB_HOME")
    os.environ["OMNIARB_HOME"] = str(home)
    try:
        yield
    finally:
        if saved is None:
            del os.environ["OMNIARB_HOME"]
        else:
            os.environ["OMNIARB_HOME"] = saved


def _up(home: Path, config: Path, through_cli: bool) -> DevnetRecord:
    if through_cli:
        up = cli(home, "devnet", "up", "--detach", config=config)
        assert up.returncode == 0, up.stderr
        record = read_record(home)
        assert record is not None
        return record
    # What `devnet up --detach` does, without a second interpreter start-up: spawn the real
    # `omniarb devnet up` daemon and wait for its record.
    with _home_env(home):
        return spawn_detached(["--config", str(config), "devnet", "up"], home=home)


def _down(home: Path, through_cli: bool) -> None:
    if through_cli:
        down = cli(home, "devnet", "down")
        assert down.returncode == 0, down.stderr
    else:
        # The daemon is this process's child here: SIGTERM it and reap it (`stop_running` would
        # wait for a zombie that only its parent can clear).
        record = read_record(home)
        assert record is not None
        os.kill(record.pid, signal.SIGTERM)
        exits: list[int] = []

        def reaped() -> bool:
            pid, status = os.waitpid(record.pid, os.WNOHANG)
            if pid:
                exits.append(os.waitstatus_to_exitcode(status))
            return bool(pid)

        wait_until(reaped, timeout_s=30, what="the devnet daemon to exit")
        assert exits == [0]


@contextlib.contextmanager
def detached_devnet(
    home: Path, config: Path, *, through_cli: bool = True
) -> Iterator[DevnetRecord]:
    """`omniarb devnet up --detach` … `omniarb devnet down`; then no anvil node may remain.

    `through_cli=False` starts the same daemon and stops it through the library, which spares
    two interpreter start-ups where the devnet's own commands are not what a test is about.
    """
    record = _up(home, config, through_cli)
    anvils = children(record.pid)
    assert len(anvils) == len(record.rpc_http)
    try:
        yield record
    finally:
        try:
            _down(home, through_cli)
        finally:
            if alive(record.pid):  # down failed: do not leak the nodes (they die with it)
                os.kill(record.pid, signal.SIGKILL)
    wait_until(
        lambda: not any(alive(p) for p in [record.pid, *anvils]),
        timeout_s=15,
        what="the devnet's processes to exit",
    )
    assert not any(_answers(url) for url in record.rpc_http.values()), "a node still answers"
    assert read_record(home) is None


@contextlib.contextmanager
def market(home: Path, config: Path, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`omniarb devnet market` in the background for the duration of the block."""
    process = spawn(home, "devnet", "market", config=config, log=log)
    try:
        yield process
    finally:
        stop(process)
    assert process.returncode == 0, tail(log)


def query(home: Path, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Rows of the history database in `home`, read-only; [] while it has no such table yet."""
    path = home / "history.sqlite"
    if not path.exists():
        return []
    try:
        with contextlib.closing(
            sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        ) as connection:
            return connection.execute(sql, params).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return []
        raise


def count(home: Path, sql: str, params: Sequence[Any] = ()) -> int:
    """The single number a `SELECT count(*) …` returns; 0 before the table exists."""
    rows = query(home, sql, params)
    return int(rows[0][0]) if rows else 0


def rpc_batch(url: str, calls: Sequence[tuple[str, list[Any]]]) -> list[Any]:
    """Answers to `calls` (method, params), sent to the node as one batched request."""

    async def send() -> list[Any]:
        async with RpcClient(url) as rpc:
            return await rpc.batch(list(calls))

    return asyncio.run(send())


def head(url: str) -> int:
    return int(rpc_batch(url, [("eth_blockNumber", [])])[0], 16)


def nonce(url: str, address: str, block: str = "latest") -> int:
    return int(rpc_batch(url, [("eth_getTransactionCount", [address, block])])[0], 16)


def transactions_from(url: str, sender: str, first_block: int) -> list[dict[str, Any]]:
    """Every transaction `sender` got mined from `first_block` to the head, in chain order."""
    last = head(url)
    blocks = rpc_batch(
        url, [("eth_getBlockByNumber", [hex(n), True]) for n in range(first_block, last + 1)]
    )
    return [
        tx
        for block in blocks
        for tx in block["transactions"]
        if tx["from"].lower() == sender.lower()
    ]


def receipts(url: str, tx_hashes: Sequence[str]) -> list[dict[str, Any]]:
    return rpc_batch(url, [("eth_getTransactionReceipt", [h]) for h in tx_hashes])
