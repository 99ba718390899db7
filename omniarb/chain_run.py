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
import time
from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import Any

from omniarb.backoff import Backoff
from omniarb.chain_chores import (
    audit_local_sends,
    follow_finality,
    log_head_path,
    refresh_fees,
    refresh_lenders,
    report_node,
)
from omniarb.chain_pipeline import ChainPipeline
from omniarb.chain_supervise import raise_fatal, supervise
from omniarb.chain_tuning import ChainTuning
from omniarb.chains.liveness import NodeProbe
from omniarb.errors import FatalError, OmniarbError
from omniarb.in_flight import InFlightPools
from omniarb.state.runner import run_state
from omniarb.state.update_merge import merge_updates
from omniarb.store import HistoryStore
from omniarb.telemetry import PipelineHooks
from omniarb.types import (
    Decision,
    Execution,
    ExecutionStatus,
    Opportunity,
    PoolUpdate,
)

__all__ = ["ChainPipeline", "ChainRun"]

log = logging.getLogger(__name__)

_UPDATES_QUEUE = 64
_TRACK_QUEUE = 256
# A chain task that died is started again after these waits (a crash loop stays cheap).
_RESTART = Backoff(initial_s=0.5, max_s=30.0)


class ChainRun:
    """The tasks of one chain's pipeline."""

    def __init__(
        self, pipeline: ChainPipeline, store: HistoryStore, hooks: PipelineHooks | None
    ) -> None:
        self.pipeline = pipeline
        self.name = pipeline.name
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
        # How many of the chain's tasks are deciding (a block's update, a pending transaction).
        self._deciding = 0
        # Set when a newer block arrives: the fee task refreshes the quote off the hot path.
        self._new_block = asyncio.Event()
        self._quoted_block = -1
        self._tuning = ChainTuning(pipeline.optimizer, store, self.dropped)
        # Who else sees each block's pool states (the cross-chain coordinator's bounded queue):
        # called after the block's own trades are started, and never waits.
        self.tap: Callable[[str, PoolUpdate], None] | None = None

    def holds_pool(self, pool: str) -> bool:
        """Whether one of this chain's trades in flight may change `pool`."""
        return self._in_flight.holds(pool)

    @property
    def deciding(self) -> bool:
        """Whether a decision is under way, whose sends must finish before the chain stops."""
        return self._deciding > 0

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
        await supervise(self, task, body, restart)

    async def state(self) -> None:
        p = self.pipeline
        try:
            await run_state(sync=p.sync, collector=p.collector, out=self._updates)
        finally:
            log_head_path(p.name, p.sync, p.collector)

    def prober(self, probe: NodeProbe) -> Callable[[], Coroutine[Any, Any, None]]:
        """The probe task's body (`chain_chores.report_node`)."""
        return lambda: report_node(self.pipeline, probe, self._hooks)

    async def decide(self) -> None:
        while True:
            update = await self._updates.get()
            # Blocks that queued up while we decided are decided together, on the newest state:
            # deciding each in turn would trade gaps that the later blocks already changed.
            while not self._updates.empty():
                update = merge_updates(update, self._updates.get_nowait())
            update = replace(update, times=update.times.at(dequeued_ns=time.monotonic_ns()))
            self._deciding += 1
            try:
                await self._on_update(update)
            except FatalError:
                raise
            except Exception as exc:
                self.dropped("decide", exc, f"block {update.block_number}")
            finally:
                self._deciding -= 1

    async def fees(self) -> None:
        """Refresh the chain's fee quote once per new block, beside the deciding task: the
        detector reads the latest quote and never waits for a node. The lender balances'
        re-reads and audit (`LenderBalances.refresh`) and the score stage's look for a newer
        model run here too, off the hot path."""
        p = self.pipeline
        while True:
            await self._new_block.wait()
            self._new_block.clear()
            # The quote first: a trade of this block about to be sent may be waiting for it.
            await refresh_fees(p.name, p.fees, self._hooks)
            await refresh_lenders(p.name, p.sync.lenders)
            await p.score.refresh()  # a model trained meanwhile, within [score] reload_s

    async def _on_update(self, update: PoolUpdate) -> None:
        p = self.pipeline
        if update.block_number > self._quoted_block:
            self._quoted_block = update.block_number
            self._new_block.set()
        self._in_flight.seen(update.block_number)
        sends: list[asyncio.Task[None]] = []
        try:
            try:
                await self._trade_as_found(update, sends)
            except FatalError:
                raise
            except Exception as exc:
                self.dropped("detect", exc, f"block {update.block_number}")
                return
            p.stats.on_block(
                update.block_number, pools=p.sync.pool_count, cycles=p.detector.cycle_count
            )
            if self.tap is not None:
                self.tap(p.name, update)
            if self._hooks is not None:
                synced = p.sync.head
                self._hooks.update(
                    p.name,
                    update,
                    queue_depth=self._updates.qsize(),
                    head_block=max(update.block_number, synced.number if synced else 0),
                )
        finally:
            # A block's trades go out side by side (each with its own nonce) rather than each
            # behind the one before; the update is decided once every one is sent or refused.
            if sends:
                try:
                    await asyncio.wait(sends)
                except asyncio.CancelledError:
                    for task in sends:
                        task.cancel()
                    raise
                raise_fatal(sends)

    async def _trade_as_found(self, update: PoolUpdate, sends: list[asyncio.Task[None]]) -> None:
        """Decide each opportunity of `update` as the detector sizes it, and start its send
        at once (into `sends`): the best goes out while the others are still being sized."""
        p = self.pipeline
        for found in p.detector.steps(update):
            if found is not None:
                opportunity = replace(found, times=update.times.at(detected_ns=found.detected_ns))
                await self._take(opportunity, update.received_ns, sends)
            # While a send of this block is under way, the loop runs between two sizings: a new
            # send goes out up to its request, an answer is read as soon as it comes, rather
            # than behind the rest of the block's sizing.
            if any(not task.done() for task in sends):
                await asyncio.sleep(0)

    async def _take(
        self,
        opportunity: Opportunity,
        received_ns: int,
        sends: list[asyncio.Task[None]],
        lead: tuple[str, ...] = (),
    ) -> bool:
        """Record, decide and (when approved) start the send of one opportunity into `sends`,
        behind `lead` (the pending transactions it backruns); whether it is being sent."""
        p = self.pipeline
        p.stats.on_opportunity(opportunity, received_ns)
        if self._hooks is not None:
            self._hooks.opportunity(p.stats, opportunity, received_ns)
        await self._store.record(opportunity)
        decision = await self._decide(opportunity)
        if decision is None:
            return False
        # Held from now: a later opportunity of this block must not trade them too.
        self._in_flight.hold(decision)
        sends.append(asyncio.create_task(self._execute(decision, lead)))
        return True

    async def backruns(self) -> None:
        """Backrun the chain's pending swaps (`omniarb.backrun_watch`) beside its blocks: for
        each pending transaction, the best backrun the risk, score and allocate stages approve
        goes out in a bundle behind it (one per transaction: its bundles would all contain it,
        so at most one could land)."""
        p = self.pipeline
        watch = p.backruns
        if watch is None:
            return
        async with asyncio.TaskGroup() as group:
            group.create_task(watch.stream.run())
            while True:
                tx = await watch.stream.get()
                head = p.sync.head
                if head is None or self.stopping:
                    continue
                self._deciding += 1
                sends: list[asyncio.Task[None]] = []
                try:
                    found = watch.opportunities(tx, head, dequeued_ns=time.monotonic_ns())
                    for opportunity in found:
                        if opportunity is not None and await self._take(
                            opportunity, tx.seen_ns, sends, (tx.raw_hex,)
                        ):
                            break
                    if sends:
                        await asyncio.wait(sends)
                        raise_fatal(sends)
                except FatalError:
                    raise
                except Exception as exc:
                    self.dropped("backrun", exc, f"pending transaction {tx.tx_hash}")
                finally:
                    self._deciding -= 1

    async def _decide(self, opportunity: Opportunity) -> Decision | None:
        """Risk, score, allocate one opportunity: the decision to execute, or None. An
        unexpected error in any of them drops this opportunity only (`stage` names where)."""
        p = self.pipeline
        hooks = self._hooks
        stage = "risk"
        decision: Decision | None = None
        try:
            verdict = await p.risk.process(opportunity)
            if p.tokens is not None:
                stage = "tokens"
                verdict = await p.tokens.process(verdict)
            times = opportunity.times.at(risk_ns=time.monotonic_ns())
            stage = "score"
            scored = await p.score.process(verdict)
            times = times.at(scored_ns=time.monotonic_ns())
            stage = "allocate"
            decision = await p.allocate.process(scored)
            if p.breaker is not None:
                stage = "breaker"
                decision = await p.breaker.process(decision)
            # The breaker's verdict is a lookup: its time counts as the allocator's.
            decision = replace(decision, times=times.at(allocated_ns=time.monotonic_ns()))
            p.stats.on_decision(decision)
            if hooks is not None:
                hooks.decision(decision)
            stage = "store"
            await self._store.record(decision)
        except Exception as exc:
            self.dropped(stage, exc, f"opportunity {opportunity.id}")
            if decision is not None:  # it will not be sent: any inventory it took is free
                p.allocate.release(decision)
            return None
        await self._tuning.judged(opportunity)
        if not decision.approved or self.stopping or self._in_flight.busy(decision):
            p.allocate.release(decision)
            return None
        return decision

    async def _execute(self, decision: Decision, lead: tuple[str, ...] = ()) -> None:
        """Send one decided trade (its pools already held), behind `lead` in a bundle if any:
        a sent one goes to the settle task, one that was not sent releases its pools."""
        p = self.pipeline
        sent = False
        try:
            execution = await p.execute.process(decision, lead=lead)
            p.stats.on_execution(execution)
            if self._hooks is not None:
                self._hooks.execution(execution)
            sent = execution.status is ExecutionStatus.SUBMITTED
            if sent:
                self.unsettled += 1
                p.risk.on_sent(decision)
                self._tuning.on_sent(execution.decision)
                if execution.tx_hash is not None:
                    self.pending[execution.tx_hash] = execution
            try:
                await self._store.record(execution)
            finally:
                if sent:  # settled (and its pools released) whatever became of the record
                    await self._executions.put(execution)
        except FatalError as exc:
            self.dropped("execute", exc, f"opportunity {decision.opportunity.id}")
            raise  # to the deciding task (`raise_fatal`): the engine stops
        except Exception as exc:
            self.dropped("execute", exc, f"opportunity {decision.opportunity.id}")
        finally:
            if not sent:
                self._in_flight.settled(decision, None)
                p.allocate.release(decision)

    async def settle(self) -> None:
        p = self.pipeline
        while True:
            execution = await self._executions.get()
            landed_in: int | None = None
            try:
                outcome = await p.track.process(execution)
            except FatalError:
                raise  # e.g. a replacement refused for a stale signer lease: stop
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
                p.score.on_outcome(outcome)
                p.risk.observe_outcome(outcome)
                if self._hooks is not None:
                    self._hooks.outcome(p.stats, outcome)
                await self._store.record(outcome)
                await self._tuning.observe(outcome)
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
                # Safe at the receipt: a landed inventory trade left the balance higher.
                p.allocate.release(execution.decision)
                p.risk.on_settled(execution.decision)
                self.unsettled -= 1

    async def audit(self) -> None:
        await audit_local_sends(self.pipeline, self._hooks)

    async def finality(self) -> None:
        await follow_finality(self.pipeline, self._store, self._hooks)
