"""The engine: one pipeline per chain, wired with bounded queues inside one TaskGroup.

    state ──PoolUpdate──► detect → risk → score → allocate → execute ──Execution──► track
    (its own task)        (one task, per update)                                    (one task)
                              ▲ reads the chain's FeeQuote, refreshed per block by its own task

Only this module knows queues and tasks; every stage is an object with one async method. A
full queue applies backpressure (the state stage then lags the chain and catches up through
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
from dataclasses import dataclass

from omniarb.allocate import FlashLoanAllocator
from omniarb.chains.fee_models import FeeOracle
from omniarb.chains.rpc import RpcClient
from omniarb.collect.heads import HeadCollector
from omniarb.detect import CycleDetector
from omniarb.errors import OmniarbError
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
from omniarb.types import Execution, ExecutionStatus, PoolUpdate

__all__ = ["ChainPipeline", "Engine"]

log = logging.getLogger(__name__)

_UPDATES_QUEUE = 64
_TRACK_QUEUE = 256


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

    async def state(self) -> None:
        p = self.pipeline
        await run_state(sync=p.sync, collector=p.collector, out=self._updates)

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
        opportunities = await p.detector.process(update)
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
            decision = await p.allocate.process(
                await p.score.process(await p.risk.process(opportunity))
            )
            if p.breaker is not None:
                decision = await p.breaker.process(decision)
            p.stats.on_decision(decision)
            if hooks is not None:
                hooks.decision(decision)
            await self._store.record(decision)
            if not decision.approved or self.stopping or self._in_flight.busy(decision):
                continue
            execution = await p.execute.process(decision)
            p.stats.on_execution(execution)
            if hooks is not None:
                hooks.execution(execution)
            await self._store.record(execution)
            if execution.status is ExecutionStatus.SUBMITTED:
                self._in_flight.hold(decision)
                self.unsettled += 1
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
            else:
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

    On the way out it lets the trades in flight settle (up to `settle_timeout_s`) so their
    outcomes are recorded, then flushes the store.
    """

    def __init__(
        self,
        pipelines: Sequence[ChainPipeline],
        store: HistoryStore,
        *,
        hooks: PipelineHooks | None = None,
        settle_timeout_s: float = 30.0,
    ) -> None:
        self._runs = [_ChainRun(p, store, hooks) for p in pipelines]
        self._store = store
        self._hooks = hooks
        self._settle_timeout_s = settle_timeout_s

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
        async with asyncio.TaskGroup() as tasks:
            state_tasks: list[asyncio.Task[None]] = []
            fee_tasks: list[asyncio.Task[None]] = []
            decide_tasks: list[asyncio.Task[None]] = []
            settle_tasks: list[asyncio.Task[None]] = []
            background = tasks.create_task(self._hooks.run()) if self._hooks is not None else None
            for run in self._runs:
                state_tasks.append(tasks.create_task(run.state()))
                fee_tasks.append(tasks.create_task(run.fees()))
                decide_tasks.append(tasks.create_task(run.decide()))
                settle_tasks.append(tasks.create_task(run.settle()))
                settle_tasks.append(tasks.create_task(run.finality()))
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
                if background is not None:
                    background.cancel()
        if self._hooks is not None:
            # Alerts are stored through the store: deliver them before it is flushed.
            await self._hooks.close()
        await self._store.flush()

    async def _finish_deciding(self) -> None:
        """Let each chain finish the update it is deciding (a send under way completes and is
        recorded); a chain that is not deciding waits on its queue, where cancelling is safe."""
        deadline = time.monotonic() + self._settle_timeout_s
        while any(run.deciding for run in self._runs) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)

    async def _drain(self) -> None:
        """Wait for the trades already sent to settle, so no outcome goes unrecorded."""
        deadline = time.monotonic() + self._settle_timeout_s
        while any(run.unsettled for run in self._runs) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        left = sum(run.unsettled for run in self._runs)
        if left:
            log.warning("%d trades still unsettled after %.0f s", left, self._settle_timeout_s)
