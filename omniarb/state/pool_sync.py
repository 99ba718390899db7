"""The state stage of one chain: one `BlockSync` per traded kind of pool behind one `StateStage`.

    sync = PoolStateSync([BlockSync(adapter.book(rpc=rpc, chain_id=1, dexes=dexes)), ...])
    collector = HeadCollector(chain_id=1, ws_url=url, log_filters=sync.log_filters())
    tasks.create_task(run_state(sync=sync, collector=collector, out=out))

All kinds read one collector with one `logs` subscription (the union of their topics): a node
sends one subscription's logs of a block together, but may announce the head between two
subscriptions, and a head applied with half its logs is repaired only a block later. Each log
goes to the kinds whose topic it carries, never to another: a kind takes a log it did not fetch
for a block it has applied as a late log and replays that block. Kinds may share a topic (a
fork's pools log v3-core's `Mint`; Algebra's pools too): such a log goes to each of them, and
each fetched it already with its block's logs (a book reads its topics from any address) or
takes it as the late log of that block; a book passes over logs of pools it does not hold.
Heads and `StreamResumed` go to every kind, which run side by side, and what they make of one
event leaves as one `PoolUpdate`, so the detector sees a block once with every pool it
changed.

`lenders` (optional) is the chain's book of flash-lender balances (`LenderBalances`): it reads
the same collector (its token logs, every head), is bootstrapped at the same block, and steps
before the kinds on a head, so an update leaves with the balances of its block in memory. Its
failure is counted and logged, never the pools' (it catches up at the next head).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Any

from omniarb.chain_events import ChainEvent, ChainLog, LogFilter, NewHead
from omniarb.dex.base import PoolState
from omniarb.errors import NODE_ERRORS
from omniarb.outage import OutageLog
from omniarb.state.block_sync import BlockSync
from omniarb.state.lender_balances import LenderBalances
from omniarb.state.update_merge import merge_updates
from omniarb.types import PoolUpdate

__all__ = ["PoolStateSync", "PoolSyncCounters", "merge_event_updates"]

log = logging.getLogger(__name__)


def merge_event_updates(per_stage: Sequence[Sequence[PoolUpdate]]) -> list[PoolUpdate]:
    """The one update (or none) for what each kind made of one event.

    Each kind's updates are folded in the order it made them; the kinds' results then fold
    onto the newest block (they may have caught up to different heads after a
    `StreamResumed`). The kinds' pools are disjoint, so their order only picks the block.
    """
    folded = [reduce(merge_updates, updates) for updates in per_stage if updates]
    if not folded:
        return []
    folded.sort(key=lambda update: update.block_number)  # stable: ties keep the stages' order
    return [reduce(merge_updates, folded)]


@dataclass(slots=True)
class PoolSyncCounters:
    """What the combined stage did; each kind keeps its own counters (`sync.stages[k].counters`).

    `logs` counts the logs routed to each kind (by its name) by topic (a log of a topic kinds
    share counts for each); `errors` counts failed
    steps of any kind (each also counts its own) and the failed bootstraps the runner counts
    here; `ignored_logs` are logs no kind reads."""

    logs: dict[str, int]
    ignored_logs: int = 0
    errors: int = 0


class PoolStateSync:
    """The kinds' block syncs of one chain as one `StateStage`, keyed by the topics they read."""

    def __init__(
        self, stages: Sequence[BlockSync[Any]], lenders: LenderBalances | None = None
    ) -> None:
        if not stages:
            raise ValueError("PoolStateSync needs at least one kind of pool")
        if len({stage.chain_id for stage in stages}) > 1:
            raise ValueError("the stages follow different chains")
        self.chain_id = stages[0].chain_id
        self.stages: tuple[BlockSync[Any], ...] = tuple(stages)
        self.lenders = lenders
        if lenders is not None and lenders.chain_id != self.chain_id:
            raise ValueError("the lender balances follow another chain")
        self.counters = PoolSyncCounters(logs={stage.book.kind: 0 for stage in stages})
        by_topic: dict[str, list[BlockSync[Any]]] = {}
        for stage in stages:
            for topic in stage.book.topics:
                by_topic.setdefault(topic.lower(), []).append(stage)
        self._by_topic = {topic: tuple(readers) for topic, readers in by_topic.items()}
        # A kind whose steps keep failing (its node is down) is logged as it goes down, once a
        # minute while it stays down and when it is back, not on every head.
        self._outages = {
            stage.book.kind: OutageLog(log, f"chain {self.chain_id}: {stage.book.noun} state step")
            for stage in stages
        }

    @property
    def head(self) -> NewHead | None:
        """The block up to which every kind is current (None until all are bootstrapped)."""
        lowest: NewHead | None = None
        for stage in self.stages:
            head = stage.head
            if head is None:
                return None
            if lowest is None or head.number < lowest.number:
                lowest = head
        return lowest

    @property
    def pool_count(self) -> int:
        """How many pools the kinds hold."""
        return sum(len(stage.pools) for stage in self.stages)

    @property
    def pools(self) -> Mapping[str, PoolState]:
        """Current states of every kind by state key (a copy: for tests and reports)."""
        merged: dict[str, PoolState] = {}
        for stage in self.stages:
            merged.update(stage.pools)
        return merged

    def pool(self, key: str) -> PoolState:
        """The current state of `key` (a state key, or the address of a pool with one state)."""
        key = key.lower()
        for stage in self.stages:
            found: PoolState | None = stage.pools.get(key)
            if found is not None:
                return found
        raise KeyError(key)

    @property
    def rewrites(self) -> int:
        """How many times a kind's states were rewritten from below its head (a reorg) or
        read again whole (a resync): what was sent before may have left the chain."""
        return sum(stage.counters.reorgs + stage.counters.resyncs for stage in self.stages)

    def hop_state(self, pool: str, token_a: str, token_b: str) -> PoolState | None:
        """The current state a hop through `pool` between `token_a` and `token_b` trades on:
        the pool's one state, else the view of those two tokens of a pool that holds more
        (`PoolIdentity.state_key`); None for a pool not synced. Two dict look-ups at most per
        kind: the execute stage's local simulation asks this on the hot path."""
        found = self._find(pool, token_a, token_b)
        return None if found is None else found[0]

    def hop_view(
        self, pool: str, token_a: str, token_b: str
    ) -> tuple[PoolState, NewHead | None] | None:
        """`hop_state` with the head of the kind that holds it: the block that state is of.
        The kinds step through a head side by side (`process`), so while one kind's step is
        under way (or after it failed) another kind's states are already of a newer block
        than `head`, the lowest of them: a reader that names the block its states are of
        (the local simulation, for the audit's `eth_call`) takes it from here."""
        found = self._find(pool, token_a, token_b)
        return None if found is None else (found[0], found[1].head)

    def _find(
        self, pool: str, token_a: str, token_b: str
    ) -> tuple[PoolState, BlockSync[Any]] | None:
        address = pool.lower()
        keys = (
            address,
            f"{address}:{token_a}:{token_b}".lower(),
            f"{address}:{token_b}:{token_a}".lower(),
        )
        for stage in self.stages:
            pools = stage.pools
            for key in keys:
                found: PoolState | None = pools.get(key)
                if found is not None:
                    return found, stage
        return None

    def stages_of(self, entry: ChainLog) -> tuple[BlockSync[Any], ...]:
        """The kinds whose books read `entry`, by its topic 0 (none: no kind reads it)."""
        return self._by_topic.get(entry.topics[0].lower(), ()) if entry.topics else ()

    def log_filters(self) -> tuple[LogFilter, ...]:
        """One `logs` subscription for every kind: topic 0 any of theirs, from any address;
        and the lender balances' own (their tokens' transfers from and to the holders)."""
        pools = LogFilter(topics=(tuple(self._by_topic),))
        return (pools, *(self.lenders.log_filters() if self.lenders is not None else ()))

    async def bootstrap(self) -> PoolUpdate:
        """Discover every kind at one block (the latest), so the first update is one state of
        the chain: all pools, all new. A failure leaves `head` None and the runner retries."""
        head = await self.stages[0].book.head("latest")
        updates = [await stage.bootstrap(block_number=head.number) for stage in self.stages]
        if self.lenders is not None:
            await self._lender_step(self.lenders, head)
        return reduce(merge_updates, updates)

    async def process(self, event: ChainEvent) -> list[PoolUpdate]:
        """Apply one collector event; returns the update it caused (none or one)."""
        stages = self.stages
        lenders = self.lenders
        for_lenders = lenders is not None and (
            not isinstance(event, ChainLog) or lenders.reads(event)
        )
        if for_lenders:
            assert lenders is not None
            await self._lender_step(lenders, event)
        if isinstance(event, ChainLog):
            stages = self.stages_of(event)
            if not stages and for_lenders:
                return []
            if not stages:
                self.counters.ignored_logs += 1
                return []
            for stage in stages:
                self.counters.logs[stage.book.kind] += 1
        if len(stages) == 1:
            return await self._step(stages[0], event)
        # Side by side: each kind's node reads (logs by hash, re-reads) wait on the network.
        async with asyncio.TaskGroup() as tasks:
            steps = [tasks.create_task(self._step(stage, event)) for stage in stages]
        return merge_event_updates([step.result() for step in steps])

    async def _lender_step(self, lenders: LenderBalances, event: ChainEvent) -> None:
        """The lender balances' step: memory only when the head's logs came first; a failed
        read is counted and logged, and the book catches up at the next head."""
        try:
            if lenders.head is None:
                # Not bootstrapped yet (or its bootstrap failed): start at this head.
                if isinstance(event, NewHead):
                    await lenders.bootstrap(event)
                return
            await lenders.process(event)
        except NODE_ERRORS as exc:
            lenders.counters.errors += 1
            self.counters.errors += 1
            log.warning("chain %d: lender balances step failed: %s", self.chain_id, exc)

    async def _step(self, stage: BlockSync[Any], event: ChainEvent) -> list[PoolUpdate]:
        """One kind's step. A failed one is counted and logged here rather than raised, so
        the other kinds' update of the same event still goes out; the failed kind's state is
        as it was, and it catches up at the next head."""
        outage = self._outages[stage.book.kind]
        try:
            updates = await stage.process(event)
        except NODE_ERRORS as exc:
            stage.counters.errors += 1
            self.counters.errors += 1
            outage.failed(f"{exc}; will catch up")
            return []
        outage.recovered()
        return updates
