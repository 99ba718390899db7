"""The record a running cluster leaves in `$OMNIARB_HOME/cluster/running.json`: every process it
started (pid, role, chain, log, metrics port), its Redis key prefix, the API's URL, and the devnet
if `up` started it; `omniarb cluster status|down` read it from any shell."""

from __future__ import annotations

import json
import os
import signal
from dataclasses import asdict, dataclass, field
from pathlib import Path

from omniarb.paths import omniarb_home

__all__ = [
    "ClusterProcess",
    "ClusterRecord",
    "alive",
    "clear_record",
    "cluster_dir",
    "read_record",
    "write_record",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class ClusterProcess:
    """One child of the cluster."""

    name: str  # e.g. "worker-polygon-1"
    role: str  # worker, coordinator, api, market
    chain: str | None
    pid: int
    log: str
    metrics_port: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ClusterRecord:
    """A running cluster, as `up` started it."""

    key_prefix: str
    config: str
    started_at: float
    supervisor_pid: int  # the `up` in the foreground, or the shell's `up --detach` (gone)
    api_url: str | None
    db_url: str  # without its password
    chains: list[str]
    devnet_pid: int | None  # set only when `up` started the devnet (`down` stops it then)
    processes: list[ClusterProcess] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: dict[str, object]) -> ClusterRecord:
        raw = dict(data)
        children = raw.pop("processes", [])
        assert isinstance(children, list)
        return cls(**raw, processes=[ClusterProcess(**p) for p in children])  # type: ignore[arg-type]


def cluster_dir(home: Path | None = None) -> Path:
    return (home or omniarb_home()) / "cluster"


def _path(home: Path | None) -> Path:
    return cluster_dir(home) / "running.json"


def write_record(record: ClusterRecord, home: Path | None = None) -> Path:
    path = _path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(record), indent=2))
    tmp.replace(path)
    return path


def read_record(home: Path | None = None) -> ClusterRecord | None:
    """The cluster's record, or None when there is none (or it is unreadable)."""
    try:
        return ClusterRecord.from_json(json.loads(_path(home).read_text()))
    except (FileNotFoundError, ValueError, TypeError, AssertionError):
        return None


def clear_record(home: Path | None = None) -> None:
    _path(home).unlink(missing_ok=True)


def alive(pid: int) -> bool:
    """Whether `pid` runs an omniarb command still (not a zombie, not a reused pid): only then
    may `down` signal it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    # The state follows the command name in parentheses, which may itself hold spaces.
    state = stat.rsplit(")", 1)[-1].split()[0]
    return state != "Z" and b"omniarb" in cmdline


def signal_if_alive(pid: int, sig: signal.Signals) -> bool:
    """Send `sig` to `pid` when it is still one of ours; whether it was."""
    if not alive(pid):
        return False
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return False
    return True
