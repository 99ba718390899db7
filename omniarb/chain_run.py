"""One chain's pipeline while the engine runs it: its stages (`ChainPipeline`) and its tasks
(`ChainRun`: state, decide, settle, fees, finality, the node probe), which `omniarb.engine`
starts, supervises and stops.

An unexpected error while a stage handles one item (an update, an opportunity, a trade to
settle) drops that item: it is counted and alerted through the hooks and logged with its chain,
stage and traceback, and the chain goes on with the next item (`ChainRun.dropped`); a task that
dies anyway is started again after a backoff (`ChainRun.supervised`), only a `FatalError`
escapes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
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

__all__ = ["ChainPipeline", "ChainRun"]

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


class ChainRun:
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
                p.execute.on_outcome(outcome)
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

    async def audit(self) -> None:
        """The sampled audits of trades sent on the local simulation alone, off the hot path
        (`omniarb.execute.precheck_audit`)."""
        p = self.pipeline
        auditor = p.execute.auditor
        if auditor is None:
            return
        hooks = self._hooks
        if hooks is not None:
            auditor.on_result = lambda result: hooks.precheck_audit(p.name, result)
        await auditor.run()

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
