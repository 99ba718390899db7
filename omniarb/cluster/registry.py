"""The registry of the cluster's processes: each announces itself in Redis and refreshes the
entry every `[cluster] heartbeat_s`; an entry not refreshed for three heartbeats expires, so the
list is the processes alive now. The API serves it (`/cluster/workers`) and the dashboard shows it.

    registry = await WorkerRegistry.connect(settings.redis, settings.cluster)
    task = asyncio.create_task(registry.heartbeat(lambda: entry_now(), stop))
    workers = await registry.list()

In Redis: one key per process, `{prefix}worker:{id}`, holding the entry as JSON with a TTL of
3 x heartbeat_s, and the set `{prefix}workers` of the ids announced. `list()` reads the set and
the keys (SMEMBERS + MGET: two round trips, whatever else the server holds, where a SCAN would
walk the whole keyspace) and drops from the set the ids whose key expired. A registry sees only
its own prefix: two clusters on one Redis do not see each other's processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, get_args

import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from omniarb._config_cluster import ClusterSettings
from omniarb.bus.redis_errors import redis_errors
from omniarb.config import RedisSettings
from omniarb.errors import NotRunningError, RetryableError

__all__ = ["ProcessState", "WorkerEntry", "WorkerRegistry"]

log = logging.getLogger(__name__)

ProcessState = Literal["starting", "standby", "active", "stepping-down"]
Role = Literal["worker", "coordinator", "api", "trainer"]

# An entry lives this many heartbeats past its last refresh: two may be late, the third is not.
_MISSED_HEARTBEATS = 3
_ROLE_ORDER = {role: n for n, role in enumerate(get_args(Role))}


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkerEntry:
    """One process of the cluster as it last announced itself."""

    id: str  # unique per process, e.g. "worker-ethereum-<host>-<pid>"
    role: Literal["worker", "coordinator", "api", "trainer"]
    chain: str | None
    state: ProcessState
    pid: int
    host: str
    started_at: float  # Unix seconds
    fencing_token: int | None = None  # while it holds a signer lease
    head_block: int | None = None  # a worker's last synced block
    trades: int = 0  # trades it settled since it started
    last_seen: float = 0.0  # Unix seconds of the last heartbeat (set by the registry)


_FIELDS = frozenset(f.name for f in dataclasses.fields(WorkerEntry))


def _decode(text: str) -> WorkerEntry | None:
    """The entry a process wrote; None (logged) for one this version cannot read. Fields a
    newer version added are ignored, so a rolling upgrade does not blank the list."""
    try:
        raw: dict[str, Any] = json.loads(text)
        entry = WorkerEntry(**{k: v for k, v in raw.items() if k in _FIELDS})
    except (ValueError, TypeError) as exc:
        log.warning("unreadable registry entry skipped: %s", exc)
        return None
    if entry.role not in _ROLE_ORDER or entry.state not in get_args(ProcessState):
        log.warning(
            "registry entry %s skipped: role %r, state %r", entry.id, entry.role, entry.state
        )
        return None
    return entry


def _order(entry: WorkerEntry) -> tuple[int, str, str]:
    return (_ROLE_ORDER[entry.role], entry.chain or "", entry.id)


class WorkerRegistry:
    """The entries in Redis, one key per process with a TTL of three heartbeats."""

    def __init__(
        self,
        client: aioredis.Redis,
        *,
        prefix: str,
        heartbeat_s: float,
        where: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._heartbeat_s = heartbeat_s
        self._ttl_ms = max(1, round(_MISSED_HEARTBEATS * heartbeat_s * 1000))
        self._where = where
        self._clock = clock

    @classmethod
    async def connect(cls, redis: RedisSettings, cluster: ClusterSettings) -> WorkerRegistry:
        """A registry on `redis.url` under `redis.key_prefix`, checked with PING
        (`NotRunningError` when no Redis answers)."""
        client = aioredis.Redis.from_url(redis.url, decode_responses=True)
        try:
            await client.ping()
        except (RedisConnectionError, RedisTimeoutError) as exc:
            await client.aclose()
            raise NotRunningError(f"no Redis answers at {redis.url}: {exc}") from exc
        return cls(
            client, prefix=redis.key_prefix, heartbeat_s=cluster.heartbeat_s, where=redis.url
        )

    @property
    def heartbeat_s(self) -> float:
        return self._heartbeat_s

    @property
    def ttl_s(self) -> float:
        """How long an entry outlives its last heartbeat."""
        return self._ttl_ms / 1000

    def _key(self, worker_id: str) -> str:
        return f"{self._prefix}worker:{worker_id}"

    @property
    def _ids_key(self) -> str:
        return f"{self._prefix}workers"

    async def announce(self, entry: WorkerEntry) -> None:
        """Write `entry` (its `last_seen` set to now) with a fresh TTL."""
        seen = dataclasses.replace(entry, last_seen=self._clock())
        text = json.dumps(dataclasses.asdict(seen), separators=(",", ":"))
        async with redis_errors("announcing in the registry", self._where):
            pipe = self._client.pipeline(transaction=True)
            pipe.set(self._key(entry.id), text, px=self._ttl_ms)
            pipe.sadd(self._ids_key, entry.id)
            await pipe.execute()

    async def withdraw(self, worker_id: str) -> None:
        """Remove the entry at once (a clean exit), rather than after three heartbeats."""
        async with redis_errors("withdrawing from the registry", self._where):
            pipe = self._client.pipeline(transaction=True)
            pipe.delete(self._key(worker_id))
            pipe.srem(self._ids_key, worker_id)
            await pipe.execute()

    async def list(self) -> list[WorkerEntry]:
        """The processes alive now, by role (worker, coordinator, api, trainer), chain and id."""
        async with redis_errors("reading the registry", self._where):
            members = await self._client.smembers(self._ids_key)
            ids = sorted(str(member) for member in members)
            texts = await self._client.mget([self._key(i) for i in ids]) if ids else []
            gone = [i for i, text in zip(ids, texts, strict=True) if text is None]
            if gone:
                # Expired since: forget the id (an announce in between re-adds it).
                await self._client.srem(self._ids_key, *gone)
        entries = [_decode(str(text)) for text in texts if text is not None]
        return sorted((e for e in entries if e is not None), key=_order)

    async def heartbeat(self, current: Callable[[], WorkerEntry], stop: asyncio.Event) -> None:
        """Announce `current()` now and every `heartbeat_s` until `stop` is set. Redis being
        unreachable is logged once per outage and retried at the next beat: the entry expires
        meanwhile, and comes back with the connection."""
        down = False
        while not stop.is_set():
            try:
                await self.announce(current())
            except RetryableError as exc:
                if not down:
                    log.warning("registry heartbeat failed, retrying every beat: %s", exc)
                down = True
            else:
                if down:
                    log.info("registry heartbeat back")
                down = False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._heartbeat_s)

    async def close(self) -> None:
        await self._client.aclose()
