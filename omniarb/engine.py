"""The engine: one pipeline per chain, wired with bounded queues inside one TaskGroup.

    state ──PoolUpdate──► detect → risk → score → allocate → execute ──Execution──► track
    (its own task)        (one task, per update)                                    (one task)
                              ▲ reads the chain's FeeQuote, refreshed per block by its own task

Only the engine (this module and `omniarb.chain_run`, each chain's tasks) knows queues and
tasks; every stage is an object with one async method.

Chains are isolated. An unexpected error while one stage handles one item (an update, an
opportunity, a trade to settle) drops that item: it is counted and alerted through the hooks and
logged with its chain, stage and traceback, and the chain goes on with the next item. A chain's
task that dies anyway is restarted with backoff, never taking another chain's tasks with it; only
a `FatalError` (key or nonce corruption) stops the engine. A probe per chain
(`omniarb.chains.liveness`) says whether its node answers, since a frozen node raises nothing.
Stopping is bounded: the update being decided gets `decide_timeout_s` to finish, the trades in
flight `drain_timeout_s` to settle (a chain whose node is down is not waited for); the rest stay
pending (recorded as sent, without outcome, and listed by the summary), so a dead node cannot
hold the process.

A full queue applies backpressure (the state stage then lags the chain and catches up through
its back-fill), and a trade is not sent while a trade in flight may change one of its pools
(`omniarb.in_flight`), so a gap is never paid for twice. A settled trade is then watched by
the chain's finality task (`omniarb.track.finality`) until it is past the confirmation depth,
and re-checked when a reorg orphans its block.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence

from omniarb.chain_run import ChainPipeline, ChainRun
from omniarb.chains.liveness import NodeProbe
from omniarb.errors import FatalError
from omniarb.store import HistoryStore
from omniarb.telemetry import PipelineHooks
from omniarb.track import ChainBotStats
from omniarb.types import PoolUpdate

__all__ = ["ChainPipeline", "Engine"]

log = logging.getLogger(__name__)


class Engine:
    """Runs the pipelines of every chain until `stop_when` says so or the task is cancelled.

    On the way out it stops taking work, lets the update being decided finish (up to
    `decide_timeout_s`) and the trades in flight settle (up to `drain_timeout_s`) so their
    outcomes are recorded, lists the rest as pending, then flushes the store. Each chain's node
    is probed every `probe_interval_s` (down when it does not answer within
    `probe_timeout_s`).
    """

    def __init__(
        self,
        pipelines: Sequence[ChainPipeline],
        store: HistoryStore,
        *,
        hooks: PipelineHooks | None = None,
        decide_timeout_s: float = 1.0,
        drain_timeout_s: float = 2.5,
        probe_interval_s: float = 1.0,
        probe_timeout_s: float = 2.0,
    ) -> None:
        self._runs = [ChainRun(p, store, hooks) for p in pipelines]
        self._store = store
        self._hooks = hooks
        self._decide_timeout_s = decide_timeout_s
        self._drain_timeout_s = drain_timeout_s
        self._probe_interval_s = probe_interval_s
        self._probe_timeout_s = probe_timeout_s

    def tap_updates(self, tap: Callable[[str, PoolUpdate], None]) -> None:
        """Hand every chain's pool updates to `tap` too (the cross-chain coordinator), after
        the block's own trades are started; `tap` must not block."""
        for run in self._runs:
            run.tap = tap

    def pools_busy(self, chain: str, pools: Sequence[str]) -> bool:
        """Whether a trade in flight on `chain` (by its pipeline's name) may change one of
        `pools`: the cross-chain coordinator sends no leg through such a pool, whose price the
        atomic trade is about to move."""
        return any(
            run.holds_pool(pool) for run in self._runs if run.name == chain for pool in pools
        )

    @property
    def stats(self) -> list[ChainBotStats]:
        return [run.pipeline.stats for run in self._runs]

    @property
    def pipelines(self) -> list[ChainPipeline]:
        return [run.pipeline for run in self._runs]

    @property
    def busy_deciding(self) -> bool:
        """Some chain is deciding (its sends included) or has an update waiting."""
        return any(run.deciding or run.has_updates for run in self._runs)

    @property
    def idle(self) -> bool:
        """No chain is deciding, has an update waiting or a trade unsettled."""
        return not any(run.deciding or run.unsettled or run.has_updates for run in self._runs)

    async def run(
        self,
        *,
        stop_when: Callable[[list[ChainBotStats]], bool] | None = None,
        poll_s: float = 0.1,
    ) -> None:
        # One group for every chain's tasks, yet no chain can fail it: each task is supervised
        # (restarted on an error), so only a `FatalError` or a cancel ends them all.
        async with asyncio.TaskGroup() as tasks:
            state_tasks: list[asyncio.Task[None]] = []
            fee_tasks: list[asyncio.Task[None]] = []
            decide_tasks: list[asyncio.Task[None]] = []
            settle_tasks: list[asyncio.Task[None]] = []
            background = (
                tasks.create_task(self._background(self._hooks))
                if self._hooks is not None
                else None
            )
            for run in self._runs:
                probe = NodeProbe(
                    run.pipeline.rpc,
                    chain=run.pipeline.name,
                    interval_s=self._probe_interval_s,
                    timeout_s=self._probe_timeout_s,
                )
                state_tasks.append(tasks.create_task(run.supervised("state", run.state)))
                state_tasks.append(tasks.create_task(run.supervised("probe", run.prober(probe))))
                fee_tasks.append(tasks.create_task(run.supervised("fees", run.fees)))
                decide_tasks.append(tasks.create_task(run.supervised("decide", run.decide)))
                decide_tasks.append(tasks.create_task(run.supervised("backrun", run.backruns)))
                settle_tasks.append(tasks.create_task(run.supervised("settle", run.settle)))
                settle_tasks.append(tasks.create_task(run.supervised("finality", run.finality)))
                settle_tasks.append(tasks.create_task(run.supervised("audit", run.audit)))
            try:
                while stop_when is None or not stop_when(self.stats):
                    await asyncio.sleep(poll_s)
            finally:
                for run in self._runs:
                    run.stopping = True
                for task in state_tasks + fee_tasks:
                    task.cancel()
                await self._finish_deciding()
                for task in decide_tasks:
                    task.cancel()
                await self._drain()
                for task in settle_tasks:
                    task.cancel()
                for run in self._runs:
                    for execution in run.pending.values():
                        run.pipeline.stats.on_pending(execution)
                if background is not None:
                    background.cancel()
        if self._hooks is not None:
            # Alerts are stored through the store: deliver them before it is flushed.
            await self._hooks.close()
        await self._store.flush()

    @staticmethod
    async def _background(hooks: PipelineHooks) -> None:
        """The hooks' own work (alert delivery, InfluxDB): its failure is logged, never the
        pipelines' end."""
        try:
            await hooks.run()
        except FatalError:
            raise
        except Exception:
            log.exception("the monitor's background work failed; the chains go on without it")

    def _answering(self) -> list[ChainRun]:
        """The chains worth waiting for on the way out: a chain whose node the probe found down
        cannot finish a send or settle a trade, so it is not waited for at all."""
        return [run for run in self._runs if run.pipeline.stats.node_up is not False]

    async def _finish_deciding(self) -> None:
        """Let each chain finish the update it is deciding (a send under way completes and is
        recorded); a chain that is not deciding waits on its queue, where cancelling is safe.
        A chain still deciding at the deadline (its node does not answer) is cut off: a send
        it had under way was claimed before it went out, so it is not lost."""
        deadline = time.monotonic() + self._decide_timeout_s
        while any(run.deciding for run in self._answering()) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        for run in self._runs:
            if run.deciding:
                log.warning(
                    "%s: still deciding after %.1f s (its node does not answer); cut off",
                    run.pipeline.name,
                    self._decide_timeout_s,
                )

    async def _drain(self) -> None:
        """Wait (bounded) for the trades already sent to settle, so their outcomes are
        recorded; what is left stays pending: sent, recorded, without outcome."""
        deadline = time.monotonic() + self._drain_timeout_s
        while any(run.unsettled for run in self._answering()) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        for run in self._runs:
            if run.pending:
                why = (
                    "its node is down"
                    if run.pipeline.stats.node_up is False
                    else f"not settled within {self._drain_timeout_s:g} s"
                )
                log.warning(
                    "%s: %d trade(s) left pending (%s), recorded as sent without outcome: %s",
                    run.pipeline.name,
                    len(run.pending),
                    why,
                    ", ".join(run.pending),
                )
