"""`MarketProcess`: the market activity in a child process, so its signing, RPC and pricing never
hold the bot's event loop.

    market = MarketProcess(manifest_path, MarketParams(seed=7))
    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(market.run())   # starts the child; cancelling stops it
        ...                               # market.snapshot(): the latest figures it sent

The child (a `spawn` process: a fresh interpreter, no copy of the bot's loop or sockets) runs
`MarketActivity` as `omniarb devnet market` would and sends its snapshot a few times a second
through a pipe; the parent reads the pipe with a reader callback on its loop (a few hundred
bytes per message), so a view or the API asks `snapshot()` without any I/O. The same seed on
the same deployment trades the same swaps as the in-process market does.

With `rivals`, the child also runs the rival searchers (`omniarb.devnet.rivals.Rivals`) and
sends their figures too (`rivals_snapshot()`); rivals that cannot start or fail are logged and
the market trades on. `RivalsProcess` runs the rivals alone in a child of their own (their
pricing of every block then never slows the market's pace).

The child never outlives the parent: it stops when the parent closes the pipe (which the
kernel does when the parent dies, however it dies), on SIGTERM, or after its steps; it ignores
SIGINT, because Ctrl-C reaches the whole foreground process group and the parent stops the
market itself, in order, once the bot has stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import signal
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast

from omniarb.devnet.market.activity import MarketActivity
from omniarb.devnet.market.params import MarketParams
from omniarb.errors import DevnetError
from omniarb.log_redact import SecretRedactor
from omniarb.monitor.market_view import MarketSnapshot
from omniarb.network import Manifest

if TYPE_CHECKING:
    # Imported where used: a market without rivals starts without loading the bot's detector.
    from omniarb.devnet.rivals import Rivals, RivalsParams, RivalsSnapshot

__all__ = ["MarketProcess", "RivalsProcess"]

log = logging.getLogger(__name__)

_SNAPSHOT_EVERY_S = 0.25
_STOP_TIMEOUT_S = 15.0
_KILL_TIMEOUT_S = 3.0

# (kind, payload): "snapshot" -> MarketSnapshot, "done" -> MarketSnapshot, "error" -> str,
# "rivals" -> RivalsSnapshot
_Message = tuple[Literal["snapshot", "done", "error", "rivals"], object]


class MarketProcess:
    """Runs `MarketActivity(Manifest.read(manifest_path), params)` in a child process (no
    market with `params` None: the rivals alone).

    `steps` (per chain) ends the market by itself, as `MarketActivity.run(steps=...)` does;
    without it the market trades until `run()` is cancelled.
    """

    def __init__(
        self,
        manifest_path: Path,
        params: MarketParams | None,
        *,
        steps: int | None = None,
        snapshot_every_s: float = _SNAPSHOT_EVERY_S,
        stop_timeout_s: float = _STOP_TIMEOUT_S,
        rivals: RivalsParams | None = None,
    ) -> None:
        self.params = params
        self.rivals = rivals
        self._rivals_snapshot: RivalsSnapshot | None = None
        self._manifest_path = manifest_path
        self._steps = steps
        self._snapshot_every_s = snapshot_every_s
        self._stop_timeout_s = stop_timeout_s
        self._snapshot: MarketSnapshot | None = None
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None

    @property
    def pid(self) -> int | None:
        """The child's process id once started (it stays set after the child exits)."""
        return None if self._process is None else self._process.pid

    @property
    def exitcode(self) -> int | None:
        """The child's exit code once it has exited, else None."""
        return None if self._process is None else self._process.exitcode

    def snapshot(self) -> MarketSnapshot | None:
        """The latest figures the child sent (None before the first); no I/O."""
        return self._snapshot

    def rivals_snapshot(self) -> RivalsSnapshot | None:
        """The rivals' latest figures the child sent (None without rivals or before the
        first); no I/O."""
        return self._rivals_snapshot

    def start(self) -> None:
        """Spawn the child now (`run()` does if this was not called): its imports and
        connections then overlap the bot's own start-up. Pair it with `stop()`."""
        if self._process is not None:
            raise RuntimeError("MarketProcess can start once")
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe(duplex=True)
        process = context.Process(
            target=_child_main,
            args=(
                str(self._manifest_path),
                self.params,
                theirs,
                self._steps,
                self._snapshot_every_s,
                logging.getLogger().getEffectiveLevel(),
                self.rivals,
            ),
            name="omniarb-market",
            daemon=True,
        )
        # Ignored signals survive exec: the child ignores Ctrl-C from its first instruction,
        # not only once its imports are done (a second's window for a traceback otherwise).
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            process.start()
        finally:
            signal.signal(signal.SIGINT, previous)
        theirs.close()
        self._process, self._conn = process, ours
        log.info("market running in process %d", process.pid)

    async def run(self) -> None:
        """Follow the child until it finishes its steps (returns), fails (raises `DevnetError`
        with its error) or this task is cancelled; the child is stopped and reaped before this
        returns, whichever happens."""
        if self._process is None:
            self.start()
        conn = self._conn
        if conn is None:
            raise RuntimeError("MarketProcess.run can run once")
        loop = asyncio.get_running_loop()
        ended: asyncio.Future[None] = loop.create_future()
        loop.add_reader(conn.fileno(), self._receive, conn, ended)
        try:
            await ended
        finally:
            loop.remove_reader(conn.fileno())
            await self.stop()

    async def stop(self) -> None:
        """Stop the child (closing the pipe tells it to) and reap it; idempotent. What the child
        sent and was not read yet (its latest figures) is taken first."""
        if self._conn is not None:
            with contextlib.suppress(EOFError, OSError):
                while self._conn.poll():
                    self._take(*self._conn.recv())
            self._conn.close()
            self._conn = None
        if self._process is not None and self._process.exitcode is None:
            await self._reap(self._process)

    def _take(self, kind: str, payload: object) -> None:
        """Keep the latest figures of a message from the child."""
        if kind == "rivals":
            self._rivals_snapshot = cast("RivalsSnapshot", payload)
        elif isinstance(payload, MarketSnapshot):
            self._snapshot = payload

    def _receive(self, conn: Connection, ended: asyncio.Future[None]) -> None:
        try:
            while conn.poll():
                kind, payload = conn.recv()
                if kind == "error" and not ended.done():
                    ended.set_exception(DevnetError(f"the market process failed: {payload}"))
                self._take(kind, payload)
                if kind == "done" and isinstance(payload, MarketSnapshot) and not ended.done():
                    ended.set_result(None)
        except (EOFError, OSError):
            if not ended.done():
                ended.set_exception(DevnetError("the market process exited unexpectedly"))
            # The pipe stays readable at EOF: stop watching it, or the loop spins on it.
            asyncio.get_running_loop().remove_reader(conn.fileno())

    async def _reap(self, process: multiprocessing.process.BaseProcess) -> None:
        """Wait for the child (the closed pipe tells it to stop), then SIGTERM, then SIGKILL."""
        for action, timeout_s in (
            (None, self._stop_timeout_s),
            (process.terminate, _KILL_TIMEOUT_S),
            (process.kill, _KILL_TIMEOUT_S),
        ):
            if action is not None:
                log.warning("the market process (pid %s) did not stop; signalling it", process.pid)
                action()
            deadline = time.monotonic() + timeout_s
            while process.is_alive() and time.monotonic() < deadline:
                # Polled, not joined in a thread: the wait must survive a second cancellation.
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.sleep(0.02)
            if not process.is_alive():
                process.join()
                log.info("market process %s exited with code %s", process.pid, process.exitcode)
                return


def _child_main(
    manifest_path: str,
    params: MarketParams | None,
    conn: Connection,
    steps: int | None,
    snapshot_every_s: float,
    log_level: int,
    rivals: RivalsParams | None = None,
) -> None:
    """The child's entry point (module level, so `spawn` can find it)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
        # The parent's environment came with the spawn: its secrets are redacted here too.
        handler.addFilter(SecretRedactor.from_environ())
        root.addHandler(handler)
    root.setLevel(log_level)
    manifest = Manifest.read(Path(manifest_path))
    market = None if params is None else MarketActivity(manifest, params)
    racing = None
    if rivals is not None and rivals.resolved():
        from omniarb.devnet.rivals import Rivals

        racing = Rivals(manifest, rivals)
    try:
        asyncio.run(_child_run(market, conn, steps, snapshot_every_s, racing))
    except Exception as exc:
        log.exception("the market failed")
        with contextlib.suppress(OSError):
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
        raise SystemExit(1) from None
    finally:
        conn.close()


async def _child_run(
    market: MarketActivity | None,
    conn: Connection,
    steps: int | None,
    snapshot_every_s: float,
    rivals: Rivals | None = None,
) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)

    def parent_spoke() -> None:
        # The parent only ever closes its end: EOF (or anything else) means stop.
        loop.remove_reader(conn.fileno())
        stop.set()

    loop.add_reader(conn.fileno(), parent_spoke)

    async def send_snapshots() -> None:
        while True:
            if market is not None:
                _send(conn, ("snapshot", market.snapshot()))
            if rivals is not None:
                _send(conn, ("rivals", rivals.snapshot()))
            await asyncio.sleep(snapshot_every_s)

    trading = asyncio.create_task(
        stop.wait() if market is None else market.run(steps=steps), name="market"
    )
    sending = asyncio.create_task(send_snapshots(), name="market-snapshots")
    stopping = asyncio.create_task(stop.wait(), name="market-stop")
    racing = asyncio.create_task(_race(rivals), name="rivals")
    try:
        await asyncio.wait({trading, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (trading, sending, stopping, racing):
            task.cancel()
        await asyncio.gather(trading, sending, stopping, racing, return_exceptions=True)
    if market is not None and trading.done() and not trading.cancelled():
        trading.result()  # the market's own error, raised as is
        _send(conn, ("done", market.snapshot()))


async def _race(rivals: Rivals | None) -> None:
    """Run the rivals until cancelled; one that fails is logged, and the market goes on."""
    if rivals is None:
        return
    try:
        async with rivals:
            await rivals.run()
    except Exception:
        log.exception("the rivals stopped; the market goes on without them")


def _send(conn: Connection, message: _Message) -> None:
    with contextlib.suppress(OSError):
        conn.send(message)


class RivalsProcess(MarketProcess):
    """Runs `Rivals(Manifest.read(manifest_path), rivals)` alone in a child process, as
    `MarketProcess` runs the market: `start()`, `run()` or `stop()`, `rivals_snapshot()`."""

    def __init__(self, manifest_path: Path, rivals: RivalsParams) -> None:
        super().__init__(manifest_path, None, rivals=rivals)
