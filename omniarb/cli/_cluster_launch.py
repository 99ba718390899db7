"""Starting and stopping the processes of `omniarb cluster`: each an `omniarb` command of its
own (`python -m omniarb --config FILE VERB ...`) in a new session, its output in a log file.

    child = launch("worker-polygon-1", ["worker", "--chain", "polygon"], config=..., logs=...)
    stop_all([child.pid, ...], timeout_s=30)      # SIGTERM, then SIGKILL what is left
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from omniarb.cli._cluster_record import ClusterProcess, alive, signal_if_alive

__all__ = ["free_port", "launch", "log_tail", "stop_all"]

_POLL_S = 0.1


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now (the child binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def launch(
    name: str,
    argv: Sequence[str],
    *,
    role: str,
    chain: str | None,
    config: Path,
    logs: Path,
    env: Mapping[str, str],
    metrics_port: int | None = None,
) -> tuple[ClusterProcess, subprocess.Popen[bytes]]:
    """Start `omniarb --config CONFIG ARGV...` as the cluster process `name`."""
    logs.mkdir(parents=True, exist_ok=True)
    log_path = logs / f"{name}.log"
    with log_path.open("ab") as out:
        child = subprocess.Popen(
            [sys.executable, "-m", "omniarb", "--config", str(config), *argv],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            env=dict(env),
            # Its own session: a Ctrl-C in the terminal reaches `up`, which stops the children
            # in order, rather than every child at once.
            start_new_session=True,
        )
    process = ClusterProcess(
        name=name,
        role=role,
        chain=chain,
        pid=child.pid,
        log=str(log_path),
        metrics_port=metrics_port,
    )
    return process, child


def log_tail(path: str | Path, lines: int = 5) -> str:
    try:
        text = Path(path).read_text(errors="replace").strip().splitlines()[-lines:]
    except OSError:
        return ""
    return " | ".join(text)


def _reap(pids: Sequence[int]) -> None:
    """Collect the exit status of the pids that are our children (the foreground `up`)."""
    for pid in pids:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def stop_all(pids: Sequence[int], *, timeout_s: float) -> list[int]:
    """SIGTERM every pid still running, wait up to `timeout_s` for them to exit, SIGKILL the
    rest; returns the pids that had to be killed."""
    for pid in pids:
        signal_if_alive(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        _reap(pids)
        if not any(alive(pid) for pid in pids):
            return []
        time.sleep(_POLL_S)
    killed = [pid for pid in pids if signal_if_alive(pid, signal.SIGKILL)]
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline and any(alive(pid) for pid in killed):
        _reap(killed)
        time.sleep(_POLL_S)
    return killed
