"""The cluster chaos tests' bed: `omniarb cluster up --detach` in a private home, against a
PostgreSQL database of its own and the test Redis (or a private one), and what the tests read
back: the registry, the shared history, the bus streams and the chains.

    with cluster_bed(tmp_path, omniarb_home, chains={"polygon": 1.0, "arbitrum": 1.0}) as bed:
        active = bed.wait_active("polygon")
        ...
    # `cluster down` ran (and had to exit 0); nothing of the cluster is left running
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import redis
from _cli_helpers import (
    alive,
    detached_devnet,
    env_for,
    private_home,
    rpc_batch,
    wait_until,
    write_config,
)
from _servers import DEFAULT_PG_URL, DEFAULT_REDIS_URL, PG_URL_ENV, REDIS_URL_ENV
from psycopg import sql
from sqlalchemy.engine import make_url

from omniarb.cli._cluster_record import ClusterRecord, read_record
from omniarb.cluster.registry import WorkerEntry, WorkerRegistry
from omniarb.config import Settings, load_settings
from omniarb.devnet.record import read_record as devnet_record
from omniarb.network import Manifest

# The cluster the chaos tests run (README "The cluster on one machine"): two chains at 1 s
# blocks, and a signer lease of 2 s for the lease tests.
CHAINS = {"polygon": 1.0, "arbitrum": 1.0}
LEASE_TTL_S = 2.0
_UP_TIMEOUT_S = 420.0  # nine interpreters starting on two shared cores, and the devnet
_DOWN_TIMEOUT_S = 150.0


# -- a PostgreSQL database and a Redis server of the test's own ---------------------------------


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """A new, empty database on the test PostgreSQL server, dropped afterwards."""
    base = make_url(os.environ.get(PG_URL_ENV, DEFAULT_PG_URL))
    name = f"chaos_{uuid.uuid4().hex[:10]}"
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as db:
            db.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


class AofRedis:
    """A private `redis-server` with an append-only file fsynced at every write, restartable on
    the same port and directory (what it acknowledged survives a restart)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        server = shutil.which("redis-server")
        assert server is not None, "redis-server is not installed (make system-packages)"
        command = [server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.root)]
        command += ["--logfile", str(self.root / "server.log")]
        self._process = subprocess.Popen(command, cwd=self.root, stdin=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False

        wait_until(answers, timeout_s=30, what="the private redis-server to answer")
        client.close()

    def stop(self) -> None:
        """SIGTERM (it writes the AOF out) and wait for the exit."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=30)
        self._process = None


@contextlib.contextmanager
def aof_redis() -> Iterator[AofRedis]:
    with tempfile.TemporaryDirectory(prefix="omniarb-aof-redis-") as root:
        server = AofRedis(Path(root))
        server.start()
        try:
            yield server
        finally:
            server.stop()


# -- the cluster ---------------------------------------------------------------------------------


@dataclass
class Bed:
    """A running cluster and the handles a test reads it through."""

    home: Path
    config: Path
    db_url: str
    chains: list[str]
    env: dict[str, str]
    record: ClusterRecord = field(init=False)
    settings: Settings = field(init=False)
    manifest: Manifest = field(init=False)
    stopped: bool = False

    def load(self) -> None:
        record = read_record(self.home)
        assert record is not None, "`cluster up` left no record"
        self.record = record
        self.settings = load_settings(Path(record.config))
        running = devnet_record(self.home)
        assert running is not None, "no devnet runs"
        self.manifest = Manifest.read(Path(running.manifest))

    def down(self) -> None:
        """`omniarb cluster down`: exit 0, and nothing it started left running."""
        if self.stopped:
            return
        self.stopped = True
        record = read_record(self.home) or getattr(self, "record", None)
        done = _cli(self.env, self.config, "cluster", "down", timeout_s=_DOWN_TIMEOUT_S)
        leftovers = _leftovers(record)
        for pid in leftovers:  # down failed: leave nothing behind for the next test
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        assert done.returncode == 0, f"cluster down failed:\n{done.stdout}\n{done.stderr}"
        assert not leftovers, f"still running after `cluster down`: {leftovers}"

    def status(self) -> dict[str, Any]:
        """`omniarb cluster status --json`, from this shell as from any other."""
        done = _cli(self.env, self.config, "cluster", "status", "--json", timeout_s=60)
        assert done.returncode == 0, done.stderr
        parsed: dict[str, Any] = json.loads(done.stdout)
        return parsed

    def forget(self) -> None:
        """Delete the cluster's keys (its prefix only) from the Redis it ran against."""
        if not hasattr(self, "settings"):
            return
        client = self.redis()
        try:
            keys = list(client.scan_iter(f"{self.settings.redis.key_prefix}*", count=1000))
            for start in range(0, len(keys), 1000):
                client.delete(*keys[start : start + 1000])
        except redis.RedisError:
            pass  # a private server already stopped: its directory goes with it
        finally:
            client.close()

    # the registry

    def entries(self) -> list[WorkerEntry]:
        async def read() -> list[WorkerEntry]:
            registry = await WorkerRegistry.connect(self.settings.redis, self.settings.cluster)
            try:
                return await registry.list()
            finally:
                await registry.close()

        return asyncio.run(read())

    def workers(self, chain: str) -> list[WorkerEntry]:
        return [e for e in self.entries() if e.role == "worker" and e.chain == chain]

    def active(self, chain: str) -> WorkerEntry | None:
        """The worker the registry shows active on `chain` with the newest fencing token: a
        worker that stepped down while Redis was away shows its old state until its next
        heartbeat reaches Redis (the registry is a view; the lease is what decides)."""
        found = [e for e in self.workers(chain) if e.state == "active"]
        return max(found, key=lambda e: e.fencing_token or 0) if found else None

    def log_of(self, pid: int) -> Path:
        (process,) = [p for p in self.record.processes if p.pid == pid]
        return Path(process.log)

    def logs(self) -> list[str]:
        return [p.log for p in self.record.processes]

    # the shared history

    def query(self, text: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.db_url) as db:
            return list(db.execute(text, params).fetchall())

    # the bus

    def redis(self) -> redis.Redis:
        return redis.Redis.from_url(self.settings.redis.url, decode_responses=True)

    def stream_key(self, name: str) -> str:
        return f"{self.settings.redis.key_prefix}stream:{name}"

    # the chains

    def chain_id(self, chain: str) -> int:
        return self.manifest.chain(chain).chain_id

    def rpc(self, chain: str) -> str:
        return self.manifest.chain(chain).rpc_http


def _cli(
    bed_env: dict[str, str], config: Path, *args: str, timeout_s: float
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "omniarb", "--config", str(config), *args],
        env=bed_env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def _extra_config(*, lease_ttl_s: float, redis_url: str) -> str:
    return (
        f'[redis]\nurl = "{redis_url}"\n'
        f"[cluster]\nlease_ttl_s = {lease_ttl_s}\nheartbeat_s = 0.5\nclaim_idle_s = 2.0\n"
    )


@contextlib.contextmanager
def cluster_bed(
    tmp_path: Path,
    shared_home: Path,
    *,
    chains: dict[str, float],
    lease_ttl_s: float = 2.0,
    redis_url: str | None = None,
    own_devnet: bool = False,
) -> Iterator[Bed]:
    """`omniarb cluster up --chains … --standbys 1 --detach` … `cluster down`; every process it
    started must be gone after. `own_devnet`: the test starts the devnet first (it outlives the
    cluster, so the chains can be read after `down`); else `up` starts it and `down` stops it."""
    home = private_home(tmp_path, shared_home)
    config = write_config(tmp_path / "cluster-test.toml", block_times_s=chains)
    url = redis_url or os.environ.get(REDIS_URL_ENV, DEFAULT_REDIS_URL)
    with config.open("a") as extra:
        extra.write(_extra_config(lease_ttl_s=lease_ttl_s, redis_url=url))
    with contextlib.ExitStack() as outer:
        if own_devnet:
            outer.enter_context(detached_devnet(home, config, through_cli=False))
        db_url = outer.enter_context(fresh_database())
        env = {**env_for(home), "OMNIARB_DB_URL": db_url}
        bed = Bed(home=home, config=config, db_url=db_url, chains=list(chains), env=env)
        up = _cli(
            env,
            config,
            "cluster",
            "up",
            "--chains",
            ",".join(chains),
            "--standbys",
            "1",
            "--detach",
            timeout_s=_UP_TIMEOUT_S,
        )
        try:
            assert up.returncode == 0, f"cluster up failed:\n{up.stdout}\n{up.stderr}"
            bed.load()
            yield bed
        finally:
            try:
                if not bed.stopped:
                    bed.down()
            finally:
                bed.forget()


def _leftovers(record: ClusterRecord | None) -> list[int]:
    if record is None:
        return []
    pids = [p.pid for p in record.processes]
    if record.devnet_pid is not None:
        pids.append(record.devnet_pid)
    return [pid for pid in pids if alive(pid)]


# -- what the tests check in the history and on the chains --------------------------------------


def sent_from(url: str, sender: str) -> list[dict[str, Any]]:
    """Every transaction `sender` got mined on the chain at `url`, in chain order."""
    last = int(rpc_batch(url, [("eth_blockNumber", [])])[0], 16)
    blocks = rpc_batch(url, [("eth_getBlockByNumber", [hex(n), True]) for n in range(last + 1)])
    return [
        tx
        for block in blocks
        for tx in block["transactions"]
        if tx["from"].lower() == sender.lower()
    ]


def nonce_of(url: str, address: str, block: str) -> int:
    return int(rpc_batch(url, [("eth_getTransactionCount", [address, block])])[0], 16)


_LABEL = re.compile(r"^(?P<host>.+):(?P<pid>\d+)$")


def claimed_pid(claimed_by: str) -> int:
    """The pid in a claim's `host:pid` label."""
    match = _LABEL.match(claimed_by)
    assert match is not None, claimed_by
    return int(match["pid"])


def assert_exactly_once(bed: Bed, chain: str, sender: str) -> int:
    """On `chain`, after the cluster stopped: every claim in the shared history has one
    execution that was sent and its outcome; no opportunity was sent twice; the sender's
    transactions on the chain are the claims' (or recorded replacements of them), one to one;
    its nonces are 0..n-1 with none pending. Returns the number of trades."""
    url = bed.rpc(chain)
    chain_id = bed.chain_id(chain)
    claims = bed.query("SELECT key, tx_hash FROM submissions WHERE chain_id = %s", (chain_id,))
    executions = bed.query(
        "SELECT e.opportunity_id, e.tx_hash, o.tx_hash, o.status FROM executions e "
        "LEFT JOIN outcomes o ON o.execution_id = e.id "
        "WHERE e.tx_hash IS NOT NULL AND e.chain = %s",
        (chain,),
    )
    sent_keys = [row[0] for row in executions]
    twice = {key for key in sent_keys if sent_keys.count(key) > 1}
    assert not twice, "an opportunity was sent twice: " + repr(
        bed.query(
            "SELECT e.id, e.opportunity_id, e.status, e.tx_hash, e.nonce, e.error, o.status, "
            "o.tx_hash, s.claimed_by, s.tx_hash, s.fencing_token FROM executions e "
            "LEFT JOIN outcomes o ON o.execution_id = e.id "
            "LEFT JOIN submissions s ON s.key = e.opportunity_id WHERE e.opportunity_id = ANY(%s)",
            (list(twice),),
        )
    )
    unsettled = [row[1] for row in executions if row[2] is None and row[3] is None]
    assert not unsettled, "sent but never settled: " + repr(
        bed.query(
            "SELECT e.id, e.opportunity_id, e.status, e.tx_hash, e.nonce, e.error, e.recorded_at, "
            "s.claimed_by, s.claimed_at, s.tx_hash, s.fencing_token, "
            "(SELECT count(*) FROM executions x WHERE x.opportunity_id = e.opportunity_id), "
            "(SELECT string_agg(o.status || ':' || o.execution_id, ',') FROM outcomes o "
            "WHERE o.opportunity_id = e.opportunity_id) "
            "FROM executions e LEFT JOIN submissions s ON s.key = e.opportunity_id "
            "WHERE e.tx_hash = ANY(%s)",
            (unsettled,),
        )
    )
    missing = {key for key, _ in claims} - set(sent_keys)
    assert not missing, f"claimed but no execution recorded: {sorted(missing)}"
    replacements = {
        h for (h,) in bed.query("SELECT new_tx_hash FROM replacements WHERE chain = %s", (chain,))
    }
    landed = [row[2] for row in executions if row[3] != "dropped"]
    assert len(landed) == len(set(landed))
    mined = sent_from(url, sender)
    on_chain = {tx["hash"] for tx in mined if tx["to"] is not None}
    recorded = set(landed) | (replacements & on_chain)
    unrecorded = [
        (int(tx["nonce"], 16), tx["hash"]) for tx in mined if tx["hash"] in on_chain - recorded
    ]
    assert not unrecorded, (
        "mined, but the history records no trade of it (nonce, hash): "
        f"{unrecorded}; the claims of those nonces: "
        + repr(
            bed.query(
                "SELECT s.key, s.claimed_by, s.claimed_at, s.tx_hash, s.fencing_token, o.status, "
                "o.tx_hash FROM submissions s LEFT JOIN outcomes o ON o.opportunity_id = s.key "
                "WHERE s.chain_id = %s AND s.nonce = ANY(%s)",
                (chain_id, [n for n, _ in unrecorded]),
            )
        )
    )
    assert recorded <= on_chain, f"recorded as mined, not on chain: {sorted(recorded - on_chain)}"
    assert [int(tx["nonce"], 16) for tx in mined] == list(range(len(mined))), "a nonce gap"
    assert nonce_of(url, sender, "pending") == nonce_of(url, sender, "latest") == len(mined)
    return len(executions)


def assert_bus_drained(bed: Bed, stream: str = "events", *, timeout_s: float = 60.0) -> None:
    """Every consumer group of `stream` caught up at some point: lag and pending both 0."""
    client = bed.redis()
    key = bed.stream_key(stream)

    def drained() -> list[dict[str, Any]] | None:
        groups = client.xinfo_groups(key)
        if groups and all(g["pending"] == 0 and g.get("lag") == 0 for g in groups):
            return groups
        return None

    try:
        wait_until(
            drained, timeout_s=timeout_s, what=f"the groups of {key} to drain", interval_s=0.02
        )
    finally:
        client.close()
