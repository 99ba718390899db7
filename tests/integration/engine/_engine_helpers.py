"""Running the engine with one chain's stage swapped for a faulty one: what `run_bot` does, with
a `wrap` between building the pipelines and starting them.

    async with engine_on(net, db, wrap={"ethereum": lambda p: replace(p, risk=Fails(p.risk))}):
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AsyncExitStack
from pathlib import Path

from _bot_helpers import RunningBot
from _plans import roomy_deadline

from omniarb.bot import rpc_client
from omniarb.config import Settings
from omniarb.devnet import Devnet
from omniarb.devnet.bot_access import DevnetAccess
from omniarb.engine import ChainPipeline, Engine
from omniarb.store import HistoryStore
from omniarb.telemetry import Telemetry
from omniarb.wiring import build_pipeline

Wrap = Callable[[ChainPipeline], ChainPipeline]


class FailsFirst:
    """A stage that raises `RuntimeError` on its first `times` items, then is `inner` again: the
    unexpected bug of one stage on one chain."""

    def __init__(self, inner: object, *, times: int = 1) -> None:
        self._inner = inner
        self._left = times
        self.raised = 0

    async def process(self, item: object) -> object:
        if self._left > 0:
            self._left -= 1
            self.raised += 1
            raise RuntimeError(f"injected fault #{self.raised}")
        return await self._inner.process(item)  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        # The stage's other methods (the risk stage's `on_sent`, ...) are `inner`'s, unfaulted.
        return getattr(self._inner, name)


class DiesOnce:
    """A collector whose event stream raises `RuntimeError` once, after `after` events: the
    state task dies on a bug outside any one item; the next `events()` is `inner`'s own."""

    def __init__(self, inner: object, *, after: int) -> None:
        self._inner = inner
        self._after = after
        self.died = False

    async def events(self) -> AsyncIterator[object]:
        seen = 0
        async with contextlib.aclosing(self._inner.events()) as events:  # type: ignore[attr-defined]
            async for event in events:
                yield event
                seen += 1
                if not self.died and seen >= self._after:
                    self.died = True
                    raise RuntimeError("injected: the state task dies")


@contextlib.asynccontextmanager
async def engine_on(
    net: Devnet,
    db: Path,
    *,
    telemetry: Telemetry | None = None,
    wrap: Mapping[str, Wrap] | None = None,
    settings: Settings | None = None,
) -> AsyncIterator[RunningBot]:
    """The engine on every chain of `net` (history in SQLite `db`), each chain's pipeline passed
    through `wrap[chain]` first; stopped when the block ends."""
    settings = roomy_deadline(settings or Settings())
    store = await asyncio.to_thread(HistoryStore.open, f"sqlite:///{db}")
    running = RunningBot(engine=[], store=store, stop=asyncio.Event())
    access = DevnetAccess(net.manifest_path)
    async with AsyncExitStack() as stack:
        pipelines = []
        for chain in net.manifest.chains:
            rpc = await stack.enter_async_context(rpc_client(chain, settings, telemetry))
            pipeline = await build_pipeline(
                chain, rpc=rpc, access=access, settings=settings, store=store, dry_run=False
            )
            pipelines.append((wrap or {}).get(chain.name, lambda p: p)(pipeline))
        engine = Engine(pipelines, store, hooks=telemetry)
        running.engine.append(engine)
        task = asyncio.create_task(engine.run(stop_when=lambda _: running.stop.is_set()))
        try:
            await running.wait_for(lambda stats: all(s.first_block is not None for s in stats), 60)
            yield running
        finally:
            running.stop.set()
            await task
            await store.close()
