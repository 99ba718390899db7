"""The state stage's task: the runner the engine puts in its TaskGroup.

    out: asyncio.Queue[PoolUpdate] = asyncio.Queue(maxsize=64)
    sync = V2StateSync(discovery=V2Discovery(rpc=rpc, chain_id=1, factories=factories))
    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(run_v2_state(sync=sync, collector=sync.collector(ws_url), out=out))

Cancelling the task stops it (the WebSocket is closed on the way out).
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import aclosing

from omniarb.collect.heads import HeadCollector
from omniarb.errors import RetryableError, RevertError
from omniarb.state.v2_sync import V2StateSync
from omniarb.types import PoolUpdate

__all__ = ["run_v2_state"]

log = logging.getLogger(__name__)


async def run_v2_state(
    *,
    sync: V2StateSync,
    collector: HeadCollector,
    out: asyncio.Queue[PoolUpdate],
    retry_initial_s: float = 0.2,
    retry_max_s: float = 5.0,
) -> None:
    """The state stage's task: bootstrap, then feed every collector event through `sync`.

    Puts each `PoolUpdate` on `out` (a bounded queue: a slow consumer applies backpressure all
    the way to the socket). Runs until cancelled; node errors are logged and counted, never
    fatal: a failed step leaves the state as it was and the next head catches up.
    """
    delay_s = retry_initial_s
    while sync.head is None:
        try:
            update = await sync.bootstrap()
        except (RetryableError, RevertError) as exc:
            sync.counters.errors += 1
            log.warning(
                "chain %d: discovery failed (%s); retrying in %.1f s", sync.chain_id, exc, delay_s
            )
            await asyncio.sleep(delay_s)
            delay_s = min(delay_s * 2, retry_max_s)
            continue
        await out.put(update)
    async with aclosing(collector.events()) as events:
        async for event in events:
            try:
                updates = await sync.process(event)
            except (RetryableError, RevertError) as exc:
                sync.counters.errors += 1
                log.warning("chain %d: state step failed, will catch up: %s", sync.chain_id, exc)
                continue
            for update in updates:
                await out.put(update)
