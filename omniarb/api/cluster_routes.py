"""`/cluster/workers`: every process of a scaled-out cluster (workers, coordinator, API,
trainer) as the worker registry lists it (`omniarb.cluster.registry`), for the dashboard's
Cluster page and `omniarb cluster status`.

    GET /cluster/workers      503 when no registry is attached (a single-process `omniarb run`)

Behind the `read` scope (the router it is added to carries it). The registry is read through
`ClusterView`, a Protocol of the one call the route makes, so the API does not import the
cluster package (which imports the bus, which imports the API's hub).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from fastapi import APIRouter
from pydantic import BaseModel, Field

from omniarb.api._schema_base import BODY
from omniarb.errors import OmniarbError

__all__ = [
    "ClusterUnavailableError",
    "ClusterView",
    "ClusterWorkerItem",
    "WorkerView",
    "cluster_worker_item",
    "register_cluster",
]

_NO_REGISTRY: dict[int | str, dict[str, Any]] = {
    503: {
        "description": "no worker registry is attached (a single-process bot), or Redis is "
        "not reachable"
    }
}


class ClusterUnavailableError(OmniarbError):
    """No worker registry is attached: the API answers 503."""


class WorkerView(Protocol):
    """One registry entry, as `omniarb.cluster.registry.WorkerEntry` has it."""

    @property
    def id(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def chain(self) -> str | None: ...
    @property
    def state(self) -> str: ...
    @property
    def pid(self) -> int: ...
    @property
    def host(self) -> str: ...
    @property
    def started_at(self) -> float: ...
    @property
    def fencing_token(self) -> int | None: ...
    @property
    def head_block(self) -> int | None: ...
    @property
    def trades(self) -> int: ...
    @property
    def last_seen(self) -> float: ...


class ClusterView(Protocol):
    """Where the API reads the cluster's processes (`WorkerRegistry`): Redis errors come out
    as `RetryableError` (503)."""

    async def list(self) -> Sequence[WorkerView]: ...


class ClusterWorkerItem(BaseModel):
    """One process of the cluster as it last announced itself."""

    model_config = BODY

    id: str
    role: str = Field(description="worker, coordinator, api or trainer")
    chain: str | None = Field(description="a worker's chain; null for the other roles")
    state: str = Field(description="starting, standby, active or stepping-down")
    pid: int
    host: str
    started_at: float = Field(description="Unix seconds")
    fencing_token: int | None = Field(description="the signer lease's token while it holds one")
    head_block: int | None = Field(description="a worker's last synced block")
    trades: int = Field(description="trades it settled since it started")
    last_seen: float = Field(description="Unix seconds of its last heartbeat")
    last_seen_age_s: float = Field(description="seconds since then, by this API's clock")


def cluster_worker_item(entry: WorkerView, *, now: float) -> ClusterWorkerItem:
    """`entry` as the API serves it, its age at `now` (Unix seconds)."""
    return ClusterWorkerItem(
        id=entry.id,
        role=entry.role,
        chain=entry.chain,
        state=entry.state,
        pid=entry.pid,
        host=entry.host,
        started_at=entry.started_at,
        fencing_token=entry.fencing_token,
        head_block=entry.head_block,
        trades=entry.trades,
        last_seen=entry.last_seen,
        last_seen_age_s=max(0.0, round(now - entry.last_seen, 3)),
    )


def register_cluster(
    routes: APIRouter, view: ClusterView | None, *, clock: Callable[[], float] = time.time
) -> None:
    """Add `/cluster/workers` to `routes`, served from `view`."""

    @routes.get("/cluster/workers", responses=_NO_REGISTRY)
    async def cluster_workers() -> list[ClusterWorkerItem]:
        """Every process of the cluster alive now (an entry expires three heartbeats after
        its last), workers first by chain: role, state (active/standby), fencing token, pid,
        host, head block, trades and the age of its last heartbeat."""
        if view is None:
            raise ClusterUnavailableError(
                "no worker registry: this API is not part of a cluster (start it with "
                "`omniarb api` and [redis] enabled)"
            )
        entries = await view.list()
        now = clock()
        return [cluster_worker_item(entry, now=now) for entry in entries]
