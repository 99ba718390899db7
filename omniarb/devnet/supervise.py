"""Running a devnet until told to stop, and finding or stopping one that runs elsewhere.

`serve` is what `omniarb devnet up` runs in the foreground (and, detached, in a daemon process):
it starts the chains, publishes a `DevnetRecord`, and stops everything on SIGINT or SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

from omniarb.chains.rpc import RpcClient
from omniarb.devnet.network import Devnet
from omniarb.devnet.record import DevnetRecord, clear_record, read_record, write_record
from omniarb.errors import DevnetError, NotRunningError, OmniarbError, RetryableError, TimeoutError_
from omniarb.paths import omniarb_home

__all__ = [
    "StopSignals",
    "chain_heads",
    "ensure_not_running",
    "published",
    "serve",
    "spawn_detached",
    "stop_running",
]

log = logging.getLogger(__name__)


class StopSignals:
    """SIGINT and SIGTERM set `stopped`, from `__enter__` on; the default handlers come back after.

    Installed before anything starts, so a signal that arrives during start-up is not lost and
    does not kill the process half-way: start-up finishes, then everything stops in order.
    """

    def __init__(self) -> None:
        self.stopped = asyncio.Event()

    def __enter__(self) -> StopSignals:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.stopped.set)
        return self

    def __exit__(self, *exc: object) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)

    async def wait(self, other: Awaitable[object] | None = None) -> None:
        """Return on a stop signal or when `other` finishes (its exception propagates)."""
        waiters: list[asyncio.Future[object]] = [asyncio.ensure_future(self.stopped.wait())]
        if other is not None:
            waiters.append(asyncio.ensure_future(other))
        done, pending = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for task in done:
            task.result()


@contextlib.contextmanager
def published(devnet: Devnet, home: Path | None = None) -> Iterator[DevnetRecord]:
    """Publish the started `devnet` as the running one for as long as the block runs."""
    if (running := read_record(home)) is not None and running.pid != os.getpid():
        raise DevnetError(
            f"a devnet is already running (pid {running.pid}); stop it with `omniarb devnet down`"
        )
    record = DevnetRecord(
        pid=os.getpid(),
        manifest=str(devnet.manifest_path),
        started_at=time.time(),
        rpc_http={c.name: c.rpc_http for c in devnet.manifest.chains},
        relay_url={c.name: c.relay_url for c in devnet.manifest.chains if c.relay_url},
    )
    write_record(record, home)
    try:
        yield record
    finally:
        clear_record(record.pid, home)


def ensure_not_running(home: Path | None = None) -> None:
    """Refuse early, before anything starts, when another devnet is up."""
    if (running := read_record(home)) is not None:
        raise DevnetError(
            f"a devnet is already running (pid {running.pid}); stop it with `omniarb devnet down`"
        )


async def serve(
    devnet: Devnet,
    *,
    on_ready: Callable[[Devnet], None] | None = None,
    home: Path | None = None,
) -> None:
    """Start `devnet`, publish its record, wait for a stop signal, then stop it cleanly."""
    ensure_not_running(home)
    with StopSignals() as signals:
        async with devnet:
            with published(devnet, home):
                if on_ready is not None:
                    on_ready(devnet)
                await signals.wait()
    log.info("devnet stopped")


def spawn_detached(
    argv: list[str], *, timeout_s: float = 180.0, home: Path | None = None
) -> DevnetRecord:
    """Run `python -m omniarb <argv>` as a daemon and wait until its devnet is up."""
    log_path = (home or omniarb_home()) / "devnet" / "devnet.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log_file:
        child = subprocess.Popen(
            [sys.executable, "-m", "omniarb", *argv],
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=log_file,
            start_new_session=True,
        )
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        record = read_record(home)
        if record is not None and record.pid == child.pid:
            return record
        if child.poll() is not None:
            tail = log_path.read_text(errors="replace").strip().splitlines()[-3:]
            raise DevnetError(
                f"the devnet exited with code {child.returncode}: {' | '.join(tail)} "
                f"(log: {log_path})"
            )
        time.sleep(0.05)
    child.terminate()
    raise TimeoutError_(f"the devnet did not come up within {timeout_s:g} s (log: {log_path})")


def stop_running(*, timeout_s: float = 30.0, home: Path | None = None) -> DevnetRecord:
    """SIGTERM the running devnet's supervisor and wait for it to exit."""
    record = read_record(home)
    if record is None:
        raise NotRunningError("no devnet is running")
    with contextlib.suppress(ProcessLookupError):
        os.kill(record.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not record.alive():
            return record
        time.sleep(0.05)
    raise TimeoutError_(f"the devnet (pid {record.pid}) did not stop within {timeout_s:g} s")


async def chain_heads(rpc_http: dict[str, str]) -> dict[str, int | None]:
    """Each chain's latest block number, or None where the node does not answer."""

    async def head(url: str) -> int | None:
        try:
            async with RpcClient(url, timeout_s=2.0) as rpc:
                return int(await rpc.call("eth_blockNumber"), 16)
        except (RetryableError, OmniarbError, ValueError):
            return None

    names = list(rpc_http)
    heads = await asyncio.gather(*(head(rpc_http[n]) for n in names))
    return dict(zip(names, heads, strict=True))
