"""The record a running devnet leaves in `$OMNIARB_HOME/devnet/running.json`.

`omniarb devnet status|down`, `omniarb doctor` and `omniarb run` read it to find the devnet that
`omniarb devnet up --detach` (or a demo) started. A record whose supervisor process is gone is
stale and treated as "not running".
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from omniarb.paths import omniarb_home

__all__ = ["DevnetRecord", "clear_record", "read_record", "record_path", "write_record"]


@dataclass(frozen=True, slots=True, kw_only=True)
class DevnetRecord:
    """Who runs the devnet (`pid`), where its manifest is, each chain's HTTP endpoint, and the
    bundle relay's URL of each chain that has one running (the manifest's `relay_url` too)."""

    pid: int
    manifest: str
    started_at: float
    rpc_http: dict[str, str]
    relay_url: dict[str, str] = field(default_factory=dict)

    def alive(self) -> bool:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def record_path(home: Path | None = None) -> Path:
    return (home or omniarb_home()) / "devnet" / "running.json"


def write_record(record: DevnetRecord, home: Path | None = None) -> Path:
    path = record_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(record), indent=2))
    tmp.replace(path)
    return path


def read_record(home: Path | None = None) -> DevnetRecord | None:
    """The live devnet's record, or None when none runs (a stale record is ignored)."""
    path = record_path(home)
    try:
        data = json.loads(path.read_text())
        record = DevnetRecord(**data)
    except (FileNotFoundError, ValueError, TypeError):
        return None
    return record if record.alive() else None


def clear_record(pid: int, home: Path | None = None) -> None:
    """Remove the record if it still belongs to `pid` (another devnet may have replaced it)."""
    path = record_path(home)
    try:
        data = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return
    if data.get("pid") == pid:
        path.unlink(missing_ok=True)
