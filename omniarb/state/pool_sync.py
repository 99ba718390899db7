"""The state stage of one chain: its Uniswap V2 pairs and V3 pools behind one `StateStage`.

    sync = PoolStateSync(v2=V2StateSync(discovery=v2_discovery), v3=V3StateSync(discovery=v3))
    tasks.create_task(run_state(sync=sync, collector=sync.collector(ws_url), out=out))

Both stages read one collector with one `logs` subscription (the union of their topics): a
node sends one subscription's logs of a block together, but may announce the head between two
subscriptions, and a head applied with half its logs is repaired only a block later. Each log
goes to the stage whose topic it carries, never to the other: a stage takes a log it did not
fetch for a block it has applied as a late log and replays that block. Heads and
`StreamResumed` go to both, which run side by side, and what both make of one event leaves as
one `PoolUpdate`, so the detector sees a block once with every pool it changed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import reduce

from omniarb.chains.spec import DexKind
from omniarb.chains.ws import ReconnectPolicy
from omniarb.collect.heads import ChainEvent, ChainLog, HeadCollector, LogFilter, NewHead
from omniarb.dex.uniswap_v2.pool import V2PoolState
from omniarb.dex.uniswap_v3.pool import V3PoolState
from omniarb.errors import RetryableError, RevertError
from omniarb.state.update_merge import merge_updates
from omniarb.state.v2_logs import PAIR_CREATED_TOPIC, SYNC_TOPIC
from omniarb.state.v2_sync import V2StateSync
from omniarb.state.v3_logs import V3_TOPICS
from omniarb.state.v3_sync import V3StateSync
from omniarb.types import PoolUpdate

__all__ = ["V2_TOPICS", "PoolStateSync", "PoolSyncCounters", "log_kind", "merge_event_updates"]

log = logging.getLogger(__name__)

V2_TOPICS = (SYNC_TOPIC, PAIR_CREATED_TOPIC)

_KINDS: dict[str, DexKind] = {topic: DexKind.UNISWAP_V2 for topic in V2_TOPICS} | {
    topic: DexKind.UNISWAP_V3 for topic in V3_TOPICS
}

_Stage = V2StateSync | V3StateSync


def log_kind(entry: ChainLog) -> DexKind | None:
    """The kind of DEX whose stage reads `entry`, by its topic 0 (None: neither reads it)."""
    if not entry.topics:
        return None
    return _KINDS.get(entry.topics[0].lower())


def merge_event_updates(per_stage: Sequence[Sequence[PoolUpdate]]) -> list[PoolUpdate]:
    """The one update (or none) for what each stage made of one event.

    Each stage's updates are folded in the order it made them; the stages' results then fold
    onto the newest block (the stages may have caught up to different heads after a
    `StreamResumed`). The stages' pools are disjoint, so their order only picks the block.
    """
    folded = [reduce(merge_updates, updates) for updates in per_stage if updates]
    if not folded:
        return []
    folded.sort(key=lambda update: update.block_number)  # stable: ties keep the stages' order
    return [reduce(merge_updates, folded)]


@dataclass(slots=True)
class PoolSyncCounters:
    """What the combined stage did; each stage keeps its own counters (`sync.v2.counters`).

    `errors` counts failed steps of either stage (each also counts its own) and the failed
    bootstraps the runner counts here; `ignored_logs` are logs neither stage reads."""

    v2_logs: int = 0
    v3_logs: int = 0
    ignored_logs: int = 0
    errors: int = 0


class PoolStateSync:
    """The V2 and V3 state stages of one chain as one `StateStage`; either may be None when
    the chain has no DEX of that kind."""

    def __init__(self, *, v2: V2StateSync | None = None, v3: V3StateSync | None = None) -> None:
        stages: list[_Stage] = [stage for stage in (v2, v3) if stage is not None]
        if not stages:
            raise ValueError("PoolStateSync needs a V2 or a V3 stage")
        if len({stage.chain_id for stage in stages}) > 1:
            raise ValueError("the V2 and V3 stages follow different chains")
        self.v2 = v2
        self.v3 = v3
        self.chain_id = stages[0].chain_id
        self.counters = PoolSyncCounters()
        self._stages = tuple(stages)

    @property
    def head(self) -> NewHead | None:
        """The block up to which every stage is current (None until all are bootstrapped)."""
        lowest: NewHead | None = None
        for stage in self._stages:
            head = stage.head
            if head is None:
                return None
            if lowest is None or head.number < lowest.number:
                lowest = head
        return lowest

    @property
    def pool_count(self) -> int:
        """How many pairs and pools the stages hold."""
        return sum(len(stage.pools) for stage in self._stages)

    @property
    def pools(self) -> Mapping[str, V2PoolState | V3PoolState]:
        """Current states of both kinds by lowercase address (a copy: for tests and reports)."""
        merged: dict[str, V2PoolState | V3PoolState] = {}
        for stage in self._stages:
            merged.update(stage.pools)
        return merged

    def pool(self, address: str) -> V2PoolState | V3PoolState:
        key = address.lower()
        if self.v2 is not None and key in self.v2.pools:
            return self.v2.pools[key]
        if self.v3 is not None:
            return self.v3.pool(key)
        raise KeyError(address)

    def log_filters(self) -> tuple[LogFilter, ...]:
        """One `logs` subscription for both stages: topic 0 any of theirs, from any address."""
        topics = [*(V2_TOPICS if self.v2 else ()), *(V3_TOPICS if self.v3 else ())]
        return (LogFilter(topics=(tuple(topics),)),)

    def collector(self, ws_url: str, *, policy: ReconnectPolicy | None = None) -> HeadCollector:
        """A `HeadCollector` subscribed to what both stages need."""
        return HeadCollector(
            chain_id=self.chain_id, ws_url=ws_url, log_filters=self.log_filters(), policy=policy
        )

    async def bootstrap(self) -> PoolUpdate:
        """Discover both kinds at one block (the latest), so the first update is one state of
        the chain: all pools, all new. A failure leaves `head` None and the runner retries."""
        head = await self._stages[0].discovery.head("latest")
        updates = [await stage.bootstrap(block_number=head.number) for stage in self._stages]
        return reduce(merge_updates, updates)

    async def process(self, event: ChainEvent) -> list[PoolUpdate]:
        """Apply one collector event; returns the update it caused (none or one)."""
        if isinstance(event, ChainLog):
            stage = self._stage_of(event)
            return [] if stage is None else await self._step(stage, event)
        if len(self._stages) == 1:
            return await self._step(self._stages[0], event)
        # Side by side: each stage's node reads (logs by hash, re-reads) wait on the network.
        async with asyncio.TaskGroup() as tasks:
            steps = [tasks.create_task(self._step(stage, event)) for stage in self._stages]
        return merge_event_updates([step.result() for step in steps])

    def _stage_of(self, entry: ChainLog) -> _Stage | None:
        kind = log_kind(entry)
        if kind is DexKind.UNISWAP_V2 and self.v2 is not None:
            self.counters.v2_logs += 1
            return self.v2
        if kind is DexKind.UNISWAP_V3 and self.v3 is not None:
            self.counters.v3_logs += 1
            return self.v3
        self.counters.ignored_logs += 1
        return None

    async def _step(self, stage: _Stage, event: ChainEvent) -> list[PoolUpdate]:
        """One stage's step. A failed one is counted and logged here rather than raised, so
        the other stage's update of the same event still goes out; the failed stage's state is
        as it was, and it catches up at the next head."""
        try:
            return await stage.process(event)
        except (RetryableError, RevertError) as exc:
            stage.counters.errors += 1
            self.counters.errors += 1
            kind = "V2" if stage is self.v2 else "V3"
            log.warning(
                "chain %d: %s state step failed, will catch up: %s", self.chain_id, kind, exc
            )
            return []
