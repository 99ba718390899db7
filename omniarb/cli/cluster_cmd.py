"""`omniarb cluster up [--chains a,b] [--standbys N] [--detach] | status [--json] | down`: the
scaled-out roles as separate processes on this machine, against the devnet, PostgreSQL and Redis.

`up` starts the devnet if none runs (as `omniarb devnet up --detach`), its market activity, the
API, the coordinator (+ a standby) and per chain one worker + N standbys, each an `omniarb`
process with its log under `$OMNIARB_HOME/cluster/logs/`, all reading one configuration written
for the cluster (`_cluster_config`: Redis on under a key prefix of its own). It returns once
every process has announced itself in the registry; in the foreground it then shows the
registry's table until Ctrl-C, and stops everything.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import time
import uuid
from pathlib import Path
from typing import Any

from rich.live import Live
from rich.table import Table

from omniarb.cli import Subparsers
from omniarb.cli._cluster_config import cluster_settings, write_cluster_config
from omniarb.cli._cluster_db import DEFAULT_CLUSTER_DB_URL, prepare_database, require_redis
from omniarb.cli._cluster_launch import free_port, launch, log_tail, stop_all
from omniarb.cli._cluster_record import (
    ClusterProcess,
    ClusterRecord,
    alive,
    clear_record,
    cluster_dir,
    read_record,
    write_record,
)
from omniarb.cli._output import add_json_flag, emit_json, stdout_console
from omniarb.cluster.registry import WorkerEntry, WorkerRegistry
from omniarb.config import Settings, load_settings
from omniarb.devnet import record as devnet_record
from omniarb.devnet.supervise import StopSignals, spawn_detached
from omniarb.errors import ConfigError, DevnetError, NotRunningError, TimeoutError_
from omniarb.network import Manifest
from omniarb.store.engine import display_url

__all__ = ["register"]

_STOP_TIMEOUT_S = 60.0  # a worker's engine lets the trades in flight settle first
_SHOW_EVERY_S = 2.0
_READY_POLL_S = 0.25


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if not 0 <= value <= 8:
        raise argparse.ArgumentTypeError(f"must be from 0 to 8, got {value}")
    return value


def register(subparsers: Subparsers) -> None:
    """Add `cluster` with its verbs."""
    parser = subparsers.add_parser(
        "cluster", help="run the roles as separate processes on this machine (up/status/down)"
    )
    verbs = parser.add_subparsers(dest="cluster_verb", required=True, metavar="VERB")
    up = verbs.add_parser(
        "up",
        help="start the devnet (if none runs), its market, the API, the coordinator and the "
        "workers, each a process",
    )
    up.add_argument(
        "--chains",
        metavar="A,B",
        help="the chains to run workers for (default: the running devnet's, else the "
        "configured devnet chains)",
    )
    up.add_argument(
        "--standbys", type=_count, default=1, metavar="N", help="standbys per worker (default 1)"
    )
    up.add_argument("--detach", action="store_true", help="start everything and return")
    up.add_argument(
        "--timeout-s",
        type=float,
        default=240.0,
        metavar="S",
        help="how long every process may take to announce itself (default 240)",
    )
    up.set_defaults(func=_up)
    status = verbs.add_parser("status", help="the cluster's processes and their states")
    add_json_flag(status)
    status.set_defaults(func=_status)
    down = verbs.add_parser("down", help="stop every process of the cluster")
    down.set_defaults(func=_down)


# -- up ------------------------------------------------------------------------------------------


def _chains(args: argparse.Namespace, settings: Settings) -> list[str]:
    if args.chains:
        return [name.strip() for name in args.chains.split(",") if name.strip()]
    running = devnet_record.read_record()
    if running is not None:
        return [c.name for c in Manifest.read(Path(running.manifest)).chains]
    return [c.name for c in settings.devnet.enabled_chains()]


def _up(args: argparse.Namespace, settings: Settings) -> int:
    existing = read_record()
    if existing is not None and any(alive(p.pid) for p in existing.processes):
        raise DevnetError(
            f"a cluster is already running (prefix {existing.key_prefix}); "
            "stop it with `omniarb cluster down`"
        )
    chains = _chains(args, settings)
    if not chains:
        raise ConfigError("--chains: no chain to run")
    prefix = f"cluster-{uuid.uuid4().hex[:8]}:"
    own = cluster_settings(settings, chains=chains, key_prefix=prefix)
    home = cluster_dir()
    config = write_cluster_config(own, home / "cluster.toml")
    require_redis(own.redis.url)
    db_url = os.environ.get("OMNIARB_DB_URL") or DEFAULT_CLUSTER_DB_URL
    prepare_database(db_url, default=db_url == DEFAULT_CLUSTER_DB_URL)
    console = stdout_console()

    devnet_pid = None
    running = devnet_record.read_record()
    if running is None:
        console.print(f"starting the devnet ({', '.join(chains)})")
        devnet_pid = spawn_detached(["--config", str(config), "devnet", "up"]).pid
        running = devnet_record.read_record()
    if running is None:
        raise NotRunningError("the devnet stopped as it started (log: devnet/devnet.log)")
    have = {c.name for c in Manifest.read(Path(running.manifest)).chains}
    if missing := [name for name in chains if name not in have]:
        raise ConfigError(
            f"--chains: the running devnet has no chain {missing[0]!r} (it has "
            f"{', '.join(sorted(have))}); stop it with `omniarb devnet down` or pick its chains"
        )

    api_port = free_port(own.api.host)
    record = ClusterRecord(
        key_prefix=prefix,
        config=str(config),
        started_at=time.time(),
        supervisor_pid=os.getpid(),
        api_url=f"http://{own.api.host}:{api_port}",
        db_url=display_url(db_url),
        chains=chains,
        devnet_pid=devnet_pid,
    )
    env = {**os.environ, "OMNIARB_DB_URL": db_url}
    logs = home / "logs" / prefix.rstrip(":")
    plan: list[tuple[str, list[str], str, str | None, bool]] = [
        ("market", ["devnet", "market"], "market", None, False),
        ("api", ["api", "--port", str(api_port)], "api", None, True),
    ]
    if own.cross_chain.enabled:  # the coordinator trades across chains: two or more
        plan += [
            (f"coordinator-{n}", ["coordinator"], "coordinator", None, True)
            for n in range(1, 2 + args.standbys)
        ]
    for served in chains:
        plan += [
            (f"worker-{served}-{n}", ["worker", "--chain", served], "worker", served, True)
            for n in range(1, 2 + args.standbys)
        ]
    started: list[ClusterProcess] = []
    try:
        for name, argv, role, chain, scraped in plan:
            metrics_port = free_port() if scraped else None
            extra = ["--metrics-port", str(metrics_port)] if metrics_port is not None else []
            process, _child = launch(
                name,
                [*argv, *extra],
                role=role,
                chain=chain,
                config=config,
                logs=logs,
                env=env,
                metrics_port=metrics_port,
            )
            started.append(process)
            write_record(_with(record, started))
        console.print(f"{len(started)} processes started; logs in {logs}")
        asyncio.run(_until_announced(own, started, args.timeout_s))
    except BaseException:
        _stop(_with(record, started), console_note="start-up failed: ")
        raise
    record = _with(record, started)
    console.print(_table(record, asyncio.run(_entries(own))))
    console.print(f"API and dashboard: {record.api_url}/  (stop with `omniarb cluster down`)")
    if args.detach:
        return 0
    asyncio.run(_show(own, record))
    _stop(record)
    return 0


def _with(record: ClusterRecord, processes: list[ClusterProcess]) -> ClusterRecord:
    return ClusterRecord(
        **{
            **{k: getattr(record, k) for k in ClusterRecord.__dataclass_fields__},
            "processes": list(processes),
        }
    )


async def _entries(settings: Settings) -> list[WorkerEntry]:
    registry = await WorkerRegistry.connect(settings.redis, settings.cluster)
    try:
        return await registry.list()
    finally:
        await registry.close()


async def _until_announced(
    settings: Settings, processes: list[ClusterProcess], timeout_s: float
) -> None:
    """Wait until every process that announces itself (all but the market) is in the
    registry; fail with the log tail of one that exited, or at the deadline."""
    expected = {p.pid: p for p in processes if p.role != "market"}
    deadline = time.monotonic() + timeout_s
    while True:
        for process in processes:
            if not alive(process.pid):
                raise DevnetError(
                    f"{process.name} exited during start-up: {log_tail(process.log)} "
                    f"(log: {process.log})"
                )
        seen = {e.pid for e in await _entries(settings)}
        waiting = [p.name for pid, p in expected.items() if pid not in seen]
        if not waiting:
            return
        if time.monotonic() > deadline:
            raise TimeoutError_(
                f"not announced within {timeout_s:g} s: {', '.join(waiting)} (logs under "
                f"{Path(processes[0].log).parent})"
            )
        await asyncio.sleep(_READY_POLL_S)


async def _show(settings: Settings, record: ClusterRecord) -> None:
    """The registry's table until Ctrl-C or SIGTERM: refreshed in place on a terminal, else
    printed every few seconds."""
    console = stdout_console()
    with StopSignals() as signals, contextlib.ExitStack() as stack:
        live = None
        if console.is_terminal:
            live = stack.enter_context(Live(console=console, auto_refresh=False))
        while not signals.stopped.is_set():
            try:
                await asyncio.wait_for(signals.stopped.wait(), timeout=_SHOW_EVERY_S)
            except TimeoutError:
                table = _table(record, await _entries(settings))
                if live is not None:
                    live.update(table, refresh=True)
                else:
                    console.print(table)


def _stop(record: ClusterRecord, *, console_note: str = "") -> None:
    console = stdout_console()
    killed = stop_all([p.pid for p in record.processes], timeout_s=_STOP_TIMEOUT_S)
    if killed:
        console.print(f"{console_note}killed after {_STOP_TIMEOUT_S:g} s: {killed}")
    if record.devnet_pid is not None:
        # `up` in this shell started it: it is our child, whose exit only we can reap.
        stop_all([record.devnet_pid], timeout_s=_STOP_TIMEOUT_S)
    clear_record()
    console.print(f"{console_note}cluster {record.key_prefix} stopped")


# -- status / down -------------------------------------------------------------------------------


def _rows(record: ClusterRecord, entries: list[WorkerEntry]) -> list[dict[str, Any]]:
    by_pid = {e.pid: e for e in entries}
    rows = []
    for process in record.processes:
        entry = by_pid.get(process.pid)
        rows.append(
            {
                "name": process.name,
                "role": process.role,
                "chain": process.chain,
                "pid": process.pid,
                "alive": alive(process.pid),
                "state": entry.state if entry is not None else None,
                "fencing_token": entry.fencing_token if entry is not None else None,
                "head_block": entry.head_block if entry is not None else None,
                "trades": entry.trades if entry is not None else None,
                "last_seen": entry.last_seen if entry is not None else None,
                "metrics_port": process.metrics_port,
                "log": process.log,
            }
        )
    return rows


def _table(record: ClusterRecord, entries: list[WorkerEntry]) -> Table:
    table = Table(title=f"omni-arb cluster {record.key_prefix} ({', '.join(record.chains)})")
    for column in ("process", "pid", "state", "token", "block", "trades", "metrics"):
        table.add_column(column)
    for row in _rows(record, entries):
        state = row["state"] or ("running" if row["alive"] else "EXITED")
        table.add_row(
            row["name"],
            str(row["pid"]),
            state,
            "-" if row["fencing_token"] is None else str(row["fencing_token"]),
            "-" if row["head_block"] is None else str(row["head_block"]),
            "-" if row["trades"] is None else str(row["trades"]),
            "-" if row["metrics_port"] is None else f":{row['metrics_port']}",
        )
    return table


def _record_or_fail(json_out: bool = False) -> ClusterRecord:
    record = read_record()
    if record is None:
        if json_out:
            emit_json({"running": False})
        raise NotRunningError("no cluster is running (start one with `omniarb cluster up`)")
    return record


def _status(args: argparse.Namespace, settings: Settings) -> int:
    record = _record_or_fail(args.json)
    own = load_settings(Path(record.config))
    entries = asyncio.run(_entries(own))
    if args.json:
        emit_json(
            {
                "running": any(alive(p.pid) for p in record.processes),
                "key_prefix": record.key_prefix,
                "api_url": record.api_url,
                "db_url": record.db_url,
                "config": record.config,
                "chains": record.chains,
                "devnet_pid": record.devnet_pid,
                "processes": _rows(record, entries),
            }
        )
        return 0
    console = stdout_console()
    console.print(_table(record, entries))
    console.print(f"API and dashboard: {record.api_url}/")
    return 0


def _down(args: argparse.Namespace, settings: Settings) -> int:
    _stop(_record_or_fail())
    return 0
