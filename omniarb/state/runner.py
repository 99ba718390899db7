"""The state stage's task: the runner the engine puts in its TaskGroup, for one kind or all.

    out: asyncio.Queue[PoolUpdate] = asyncio.Queue(maxsize=64)
    sync = PoolStateSync([BlockSync(book) for book in books])
    collector = HeadCollector(chain_id=1, ws_url=url, log_filters=sync.log_filters())
    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(run_state(sync=sync, collector=collector, out=out))

Cancelling the task stops it (the WebSocket is closed on the way out).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from typing import Protocol, TypeVar

from omniarb.backoff import Backoff
from omniarb.chain_events import ChainEvent, NewHead
from omniarb.errors import NODE_ERRORS
from omniarb.outage import OutageLog

__all__ = ["EventSource", "StateStage", "run_state"]

log = logging.getLogger(__name__)

U = TypeVar("U")

_DISCOVERY_RETRY = Backoff(initial_s=0.2, max_s=5.0)
U_co = TypeVar("U_co", covariant=True)


class _Counters(Protocol):
    errors: int


class EventSource(Protocol):
    """Where the events come from: a collector (`omniarb.collect.HeadCollector`)."""

    def events(self) -> AsyncGenerator[ChainEvent, None]: ...


class StateStage(Protocol[U_co]):
    """What `BlockSync` (one kind) and `PoolStateSync` (every kind) have in common: bootstrap
    once, then events."""

    @property
    def chain_id(self) -> int: ...
    @property
    def counters(self) -> _Counters: ...
    @property
    def head(self) -> NewHead | None: ...
    async def bootstrap(self) -> U_co: ...
    async def process(self, event: ChainEvent) -> Sequence[U_co]: ...


async def run_state(
    *,
    sync: StateStage[U],
    collector: EventSource,
    out: asyncio.Queue[U],
    retry: Backoff = _DISCOVERY_RETRY,
) -> None:
    """The state stage's task: bootstrap, then feed every collector event through `sync`.

    Puts each update on `out` (a bounded queue: a slow consumer applies backpressure all the
    way to the socket). Runs until cancelled; node errors are logged and counted, never fatal:
    a failed step leaves the state as it was and the next head catches up. Each RPC request is
    already retried by the client; a discovery that still fails (the node is down) is tried
    again whole, waiting by `retry`, until the node is back.
    """
    waits = retry.waits()
    outage = OutageLog(log, f"chain {sync.chain_id}: discovery")
    while sync.head is None:
        try:
            update = await sync.bootstrap()
        except NODE_ERRORS as exc:
            sync.counters.errors += 1
            outage.failed(exc)
            await asyncio.sleep(next(waits))
            continue
        outage.recovered()
        await out.put(update)
    async with aclosing(collector.events()) as events:
        async for event in events:
            try:
                updates = await sync.process(event)
            except NODE_ERRORS as exc:
                sync.counters.errors += 1
                log.warning("chain %d: state step failed, will catch up: %s", sync.chain_id, exc)
                continue
            for update in updates:
                await out.put(update)
