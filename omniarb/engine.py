"""The engine: one pipeline per chain, wired with bounded queues inside one TaskGroup.

    state ──PoolUpdate──► detect → risk → score → allocate → execute ──Execution──► track
    (its own task)        (one task, per update)                                    (one task)
                              ▲ reads the chain's FeeQuote, refreshed per block by its own task

Only this module knows queues and tasks; every stage is an object with one async method.

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
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

from omniarb.allocate import FlashLoanAllocator
from omniarb.backoff import Backoff
from omniarb.chains.fee_models import FeeOracle
from omniarb.chains.liveness import NodeProbe
from omniarb.chains.rpc import RpcClient
from omniarb.collect.heads import HeadCollector
from omniarb.detect import CycleDetector
from omniarb.errors import FatalError, OmniarbError
from omniarb.execute.stage import ExecuteStage
from omniarb.in_flight import InFlightPools
from omniarb.risk import CircuitBreaker, ProfitFloor
from omniarb.score import FaceValue
from omniarb.state.pool_sync import PoolStateSync
from omniarb.state.runner import run_state
from omniarb.state.update_merge import merge_updates
from omniarb.store import HistoryStore
from omniarb.telemetry import PipelineHooks
from omniarb.track import ChainBotStats, Tracker
from omniarb.track.finality import FinalityWatch, run_finality
from omniarb.types import Execution, ExecutionStatus, Opportunity, PoolUpdate

__all__ = ["ChainPipeline", "Engine"]

log = logging.getLogger(__name__)

_UPDATES_QUEUE = 64
_TRACK_QUEUE = 256
# A chain task that died is started again after these waits (a crash loop stays cheap).
_RESTART = Backoff(initial_s=0.5, max_s=30.0)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainPipeline:
    """The stages of one chain, built by `omniarb.wiring`."""

    name: str
    rpc: RpcClient
    sync: PoolStateSync
    collector: HeadCollector
    detector: CycleDetector
    risk: ProfitFloor
    score: FaceValue
    allocate: FlashLoanAllocator
    execute: ExecuteStage
    track: Tracker
    stats: ChainBotStats
    breaker: CircuitBreaker | None = None
    fees: FeeOracle | None = None
    finality: FinalityWatch | None = None


class _ChainRun:
    """The tasks of one chain's pipeline."""

    def __init__(
        self, pipeline: ChainPipeline, store: HistoryStore, hooks: PipelineHooks | None
    ) -> None:
        self.pipeline = pipeline
        self._store = store
        self._hooks = hooks
        self._updates: asyncio.Queue[PoolUpdate] = asyncio.Queue(maxsize=_UPDATES_QUEUE)
        self._executions: asyncio.Queue[Execution] = asyncio.Queue(maxsize=_TRACK_QUEUE)
        self._in_flight = InFlightPools()
        self.unsettled = 0
        # Sent and not (yet) settled, by transaction hash: what a stop leaves pending.
        self.pending: dict[str, Execution] = {}
        self.restarts = 0
        # Set on stop: no new trade is sent, and the update being decided is finished rather
        # than cancelled, because a send cancelled mid-request may still reach the node and
        # its trade would then be mined without ever being recorded or settled.
        self.stopping = False
        self.deciding = False
        # Set when a newer block arrives: the fee task refreshes the quote off the hot path.
        self._new_block = asyncio.Event()
        self._quoted_block = -1

    @property
    def has_updates(self) -> bool:
        return not self._updates.empty()

    def dropped(self, stage: str, error: BaseException, item: str) -> None:
        """An unexpected error in `stage` while it handled `item`: logged once with the
        traceback, counted and alerted; the caller goes on with the next item."""
        log.error(
            "%s: %s stage failed on %s; dropped it, the chain goes on",
            self.pipeline.name,
            stage,
            item,
            exc_info=error,
        )
        if self._hooks is not None:
            self._hooks.error(self.pipeline.name, stage, error)

    async def supervised(
        self,
        task: str,
        body: Callable[[], Coroutine[Any, Any, None]],
        restart: Backoff = _RESTART,
    ) -> None:
        """Run `body` (one of this chain's tasks), starting it again after `restart`'s waits if
        it dies: the error is this chain's alone. A `FatalError` still stops the engine."""
        waits = restart.waits()
        while True:
            try:
                await body()
            except FatalError:
                raise
            except Exception as exc:
                if self.stopping:
                    return
                delay_s = next(waits)
                self.restarts += 1
                self.dropped(task, exc, f"its {task} task (restart {self.restarts})")
                log.warning(
                    "%s: restarting the %s task in %.1f s", self.pipeline.name, task, delay_s
                )
                await asyncio.sleep(delay_s)
            else:
                return

    async def state(self) -> None:
        p = self.pipeline
        await run_state(sync=p.sync, collector=p.collector, out=self._updates)

    def prober(self, probe: NodeProbe) -> Callable[[], Coroutine[Any, Any, None]]:
        """The probe task's body: report whether the chain's node answers, and its head (the
        block lag's reference)."""

        async def body() -> None:
            p = self.pipeline
            async for status in probe.statuses():
                p.stats.on_node(status)
                if self._hooks is not None:
                    self._hooks.node(status, processed_block=p.stats.block_number)

        return body

    async def decide(self) -> None:
        while True:
            update = await self._updates.get()
            # Blocks that queued up while we decided are decided together, on the newest state:
            # deciding each in turn would trade gaps that the later blocks already changed.
            while not self._updates.empty():
                update = merge_updates(update, self._updates.get_nowait())
            self.deciding = True
            try:
                await self._on_update(update)
            except Exception as exc:
                self.dropped("decide", exc, f"block {update.block_number}")
            finally:
                self.deciding = False

    async def fees(self) -> None:
        """Refresh the chain's fee quote once per new block, beside the deciding task: the
        detector reads the latest quote and never waits for a node."""
        p = self.pipeline
        if p.fees is None:
            return
        while True:
            await self._new_block.wait()
            self._new_block.clear()
            try:
                quote = await p.fees.refresh()
            except OmniarbError as exc:
                log.warning("%s: fee quote not refreshed: %s", p.name, exc)
                if self._hooks is not None:
                    self._hooks.error(p.name, "fees", exc)
                continue
            if self._hooks is not None:
                self._hooks.fees(p.name, quote)

    async def _on_update(self, update: PoolUpdate) -> None:
        p = self.pipeline
        if update.block_number > self._quoted_block:
            self._quoted_block = update.block_number
            self._new_block.set()
        self._in_flight.seen(update.block_number)
        try:
            opportunities = await p.detector.process(update)
        except Exception as exc:
            self.dropped("detect", exc, f"block {update.block_number}")
            return
        p.stats.on_block(
            update.block_number, pools=p.sync.pool_count, cycles=p.detector.cycle_count
        )
        hooks = self._hooks
        if hooks is not None:
            synced = p.sync.head
            hooks.update(
                p.name,
                update,
                queue_depth=self._updates.qsize(),
                head_block=max(update.block_number, synced.number if synced else 0),
            )
        for opportunity in opportunities:
            p.stats.on_opportunity(opportunity, update.received_ns)
            if hooks is not None:
                hooks.opportunity(p.stats, opportunity, update.received_ns)
            await self._store.record(opportunity)
            await self._on_opportunity(opportunity)

    async def _on_opportunity(self, opportunity: Opportunity) -> None:
        """Risk, score, allocate, execute one opportunity; an unexpected error in any of them
        drops this opportunity only (`stage` names where it happened)."""
        p = self.pipeline
        hooks = self._hooks
        stage = "risk"
        try:
            verdict = await p.risk.process(opportunity)
            stage = "score"
            scored = await p.score.process(verdict)
            stage = "allocate"
            decision = await p.allocate.process(scored)
            if p.breaker is not None:
                stage = "breaker"
                decision = await p.breaker.process(decision)
            p.stats.on_decision(decision)
            if hooks is not None:
                hooks.decision(decision)
            stage = "store"
            await self._store.record(decision)
            if not decision.approved or self.stopping or self._in_flight.busy(decision):
                return
            stage = "execute"
            execution = await p.execute.process(decision)
        except Exception as exc:
            self.dropped(stage, exc, f"opportunity {opportunity.id}")
            return
        p.stats.on_execution(execution)
        if hooks is not None:
            hooks.execution(execution)
        await self._store.record(execution)
        if execution.status is ExecutionStatus.SUBMITTED:
            self._in_flight.hold(decision)
            self.unsettled += 1
            if execution.tx_hash is not None:
                self.pending[execution.tx_hash] = execution
            await self._executions.put(execution)

    async def settle(self) -> None:
        p = self.pipeline
        while True:
            execution = await self._executions.get()
            landed_in: int | None = None
            try:
                outcome = await p.track.process(execution)
            except OmniarbError as exc:
                log.warning("%s: trade %s not settled: %s", p.name, execution.tx_hash, exc)
                if self._hooks is not None:
                    self._hooks.error(p.name, "track", exc)
            except Exception as exc:
                self.dropped("track", exc, f"trade {execution.tx_hash}")
            else:
                self.pending.pop(execution.tx_hash or "", None)
                landed_in = outcome.block_number if outcome.included else None
                trade = p.stats.on_outcome(outcome)
                if self._hooks is not None:
                    self._hooks.outcome(p.stats, outcome)
                await self._store.record(outcome)
                if p.finality is not None:  # re-checked on reorgs until final
                    p.finality.add(outcome)
                log.info(
                    "%s: trade %s %s, realized %d predicted %d %s",
                    p.name,
                    trade.tx_hash,
                    trade.status,
                    trade.realized_profit_wei,
                    trade.predicted_profit_wei,
                    trade.profit_token,
                )
            finally:
                self._in_flight.settled(execution.decision, landed_in)
                self.unsettled -= 1

    async def finality(self) -> None:
        p = self.pipeline
        if p.finality is not None:
            await run_finality(
                watch=p.finality,
                head=lambda: p.sync.head,
                stats=p.stats,
                recorder=self._store,
                hooks=self._hooks,
            )


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
        self._runs = [_ChainRun(p, store, hooks) for p in pipelines]
        self._store = store
        self._hooks = hooks
        self._decide_timeout_s = decide_timeout_s
        self._drain_timeout_s = drain_timeout_s
        self._probe_interval_s = probe_interval_s
        self._probe_timeout_s = probe_timeout_s

    @property
    def stats(self) -> list[ChainBotStats]:
        return [run.pipeline.stats for run in self._runs]

    @property
    def pipelines(self) -> list[ChainPipeline]:
        return [run.pipeline for run in self._runs]

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
                settle_tasks.append(tasks.create_task(run.supervised("settle", run.settle)))
                settle_tasks.append(tasks.create_task(run.supervised("finality", run.finality)))
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

    def _answering(self) -> list[_ChainRun]:
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
