"""The V3 state stage's task, as `run_v2_state` is the V2 one:

    out: asyncio.Queue[V3PoolUpdate] = asyncio.Queue(maxsize=64)
    sync = V3StateSync(discovery=V3Discovery(rpc=rpc, chain_id=1, factories=factories))
    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(run_v3_state(sync=sync, collector=sync.collector(ws_url), out=out))

Cancelling the task stops it (the WebSocket is closed on the way out).
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import aclosing

from omniarb.collect.heads import HeadCollector
from omniarb.errors import RetryableError, RevertError
from omniarb.state.v3_sync import V3StateSync
from omniarb.state.v3_update import V3PoolUpdate

__all__ = ["run_v3_state"]

log = logging.getLogger(__name__)


async def run_v3_state(
    *,
    sync: V3StateSync,
    collector: HeadCollector,
    out: asyncio.Queue[V3PoolUpdate],
    retry_initial_s: float = 0.2,
    retry_max_s: float = 5.0,
) -> None:
    """Bootstrap (retrying while the node fails), then feed every collector event through
    `sync` and put each update on `out` (bounded: a slow consumer applies backpressure). Runs
    until cancelled; node errors are logged and counted, never fatal: a failed step leaves the
    state as it was and the next head catches up."""
    delay_s = retry_initial_s
    while sync.head is None:
        try:
            update = await sync.bootstrap()
        except (RetryableError, RevertError) as exc:
            sync.counters.errors += 1
            log.warning(
                "chain %d: V3 discovery failed (%s); retrying in %.1f s",
                sync.chain_id,
                exc,
                delay_s,
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
                log.warning("chain %d: V3 state step failed, will catch up: %s", sync.chain_id, exc)
                continue
            for update in updates:
                await out.put(update)
