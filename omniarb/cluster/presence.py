"""How a process of the cluster appears in the worker registry: who it is, what it does now.

presence = Presence(RoleIdentity.of("worker", chain="polygon"))
async with announced(registry, presence):
    presence.state = "standby"                 # the next heartbeat says so
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal

from omniarb.cluster.registry import ProcessState, WorkerEntry, WorkerRegistry
from omniarb.errors import RetryableError

__all__ = ["Presence", "Role", "RoleIdentity", "announced"]

log = logging.getLogger(__name__)

Role = Literal["worker", "coordinator", "api", "trainer"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleIdentity:
    """One process of the cluster: its role, the chain a worker serves, where it runs."""

    role: Role
    chain: str | None
    pid: int
    host: str
    started_at: float  # Unix seconds

    @classmethod
    def of(cls, role: Role, *, chain: str | None = None) -> RoleIdentity:
        """This process in `role`."""
        return cls(
            role=role,
            chain=chain,
            pid=os.getpid(),
            host=socket.gethostname(),
            started_at=time.time(),
        )

    @property
    def id(self) -> str:
        """Unique per process: the registry key, and the lease holder's name."""
        where = f"{self.role}-{self.chain}" if self.chain else self.role
        return f"{where}-{self.host}-{self.pid}"


class Presence:
    """The process's changing figures, read by each heartbeat (no lock: one event loop)."""

    def __init__(self, identity: RoleIdentity) -> None:
        self.identity = identity
        self.state: ProcessState = "starting"
        self.fencing_token: int | None = None
        self.head_block: int | None = None
        self.trades = 0

    def entry(self) -> WorkerEntry:
        """The registry entry as of now."""
        me = self.identity
        return WorkerEntry(
            id=me.id,
            role=me.role,
            chain=me.chain,
            state=self.state,
            pid=me.pid,
            host=me.host,
            started_at=me.started_at,
            fencing_token=self.fencing_token,
            head_block=self.head_block,
            trades=self.trades,
        )

    async def announce(self, registry: WorkerRegistry) -> None:
        """Tell the registry at once (a state change should not wait for the next beat).

        Redis unreachable is no reason to stop: the heartbeat says it once Redis is back (a
        worker steps down exactly when Redis is away long enough for its lease to lapse)."""
        try:
            await registry.announce(self.entry())
        except RetryableError as exc:
            log.warning("%s: not announced as %s: %s", self.identity.id, self.state, exc)


@contextlib.asynccontextmanager
async def announced(registry: WorkerRegistry, presence: Presence) -> AsyncIterator[Presence]:
    """Announce `presence`, heartbeat it while the block runs, withdraw it after: a process
    that stops cleanly leaves the list at once, one that dies leaves it when its entry expires."""
    await presence.announce(registry)
    beating = asyncio.Event()
    heartbeat = asyncio.create_task(registry.heartbeat(presence.entry, beating))
    try:
        yield presence
    finally:
        beating.set()
        heartbeat.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await heartbeat
        with contextlib.suppress(Exception):
            await registry.withdraw(presence.identity.id)
