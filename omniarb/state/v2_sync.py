"""The state stage for Uniswap V2: pair states kept current block by block.

`V2StateSync` starts from a lens snapshot (`bootstrap`), then turns each collector event into
`PoolUpdate`s (`process`): a new head's `Sync`/`PairCreated` logs are applied in log order, so the
last `Sync` of a pair in a block wins, and every state carries the block its value belongs to.
The head's logs come from the `logs` subscription, or from `eth_getLogs` by block hash when the
head arrived first (its logs bloom says whether that is worth a call); a log that turns up after
its block was applied makes the stage replay that block from the node.

Three ways the chain can surprise us, and the answer to each:
- a gap (the head number jumps, or the socket was down): the missing range is back-filled with
  `eth_getLogs(fromBlock, toBlock)` before the head is applied;
- a reorg (the head's parent is not the hash we stored for its number − 1): the fork point is
  found from the stored hashes, the new branch's logs are applied, and every pool the dropped
  blocks touched is re-read through the lens at the new head — simple, and correct whatever the
  dropped blocks did;
- anything beyond the stored history, or an inconsistent answer: a full lens resync.
A head the node no longer has on its chain (a late notification from an abandoned branch) is
ignored. All node reads of one step happen before anything is changed, so a failed read leaves
the state as it was and the next head retries from there.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType

from omniarb.chains.ws import ReconnectPolicy
from omniarb.collect.heads import (
    ChainEvent,
    ChainLog,
    HeadCollector,
    LogFilter,
    NewHead,
    StreamResumed,
)
from omniarb.dex.uniswap_v2.pool import V2PoolState
from omniarb.errors import RevertError
from omniarb.state.block_hashes import BlockHashes
from omniarb.state.v2_discovery import V2Discovery
from omniarb.state.v2_log_reader import V2LogReader
from omniarb.state.v2_logs import PAIR_CREATED_TOPIC, SYNC_TOPIC, FactoryInfo, apply_v2_logs
from omniarb.types import PoolUpdate

__all__ = ["SyncCounters", "SyncSettings", "V2StateSync"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncSettings:
    """`history_blocks` hashes are kept to find a fork point; a gap longer than
    `max_backfill_blocks` is cheaper to resync through the lens than to replay from logs;
    `logs_range_blocks` bounds one `eth_getLogs` request (providers cap the range)."""

    history_blocks: int = 128
    max_backfill_blocks: int = 2_000
    logs_range_blocks: int = 500


@dataclass(slots=True)
class SyncCounters:
    """What the stage did, for metrics and tests."""

    heads: int = 0
    logs_by_hash: int = 0
    backfills: int = 0
    backfilled_blocks: int = 0
    reorgs: int = 0
    repaired_pools: int = 0
    removed_pools: int = 0
    resyncs: int = 0
    late_logs: int = 0
    stale_heads: int = 0
    stream_gaps: int = 0
    errors: int = 0


class V2StateSync:
    """Pair states of the discovery's factories on one chain, kept current from logs.

    `await sync.bootstrap()` once, then `await sync.process(event)` for every collector event.
    """

    def __init__(self, *, discovery: V2Discovery, settings: SyncSettings | None = None) -> None:
        self.discovery = discovery
        self.chain_id = discovery.chain_id
        self.settings = settings or SyncSettings()
        self.counters = SyncCounters()
        self._factories = {
            address.lower(): FactoryInfo(address=address, dex=dex, fee_bps=fee_bps)
            for address, (dex, fee_bps) in discovery.factories.items()
        }
        self._pools: dict[str, V2PoolState] = {}
        self._hashes = BlockHashes(
            rpc=discovery.rpc, chain_id=self.chain_id, history_blocks=self.settings.history_blocks
        )
        self._reader = V2LogReader(
            rpc=discovery.rpc, chain_id=self.chain_id, range_blocks=self.settings.logs_range_blocks
        )
        self._head: NewHead | None = None
        self._buffered: dict[str, list[ChainLog]] = {}
        self._applied: dict[str, tuple[int, set[int]]] = {}

    @property
    def head(self) -> NewHead | None:
        """The last block applied (None before `bootstrap`)."""
        return self._head

    @property
    def pools(self) -> Mapping[str, V2PoolState]:
        """Current states by lowercase pair address (a read-only live view)."""
        return MappingProxyType(self._pools)

    def pool(self, address: str) -> V2PoolState:
        return self._pools[address.lower()]

    def log_filters(self) -> tuple[LogFilter, ...]:
        """The `logs` subscription this stage needs: `Sync` and `PairCreated`, from any address.

        One subscription, not one per event: a node sends a block's logs of one subscription
        together, but may interleave the head between two subscriptions, and a head applied
        with half its logs would announce a new pair one update late. `PairCreated` of other
        factories and `Sync` of other pairs are dropped by `apply_v2_logs`.
        """
        return (LogFilter(topics=((SYNC_TOPIC, PAIR_CREATED_TOPIC),)),)

    def collector(self, ws_url: str, *, policy: ReconnectPolicy | None = None) -> HeadCollector:
        """A `HeadCollector` subscribed to what this stage needs."""
        return HeadCollector(
            chain_id=self.chain_id, ws_url=ws_url, log_filters=self.log_filters(), policy=policy
        )

    async def bootstrap(self, block_number: int | None = None) -> PoolUpdate:
        """Discover every pair (default: at the latest block); all of them are new."""
        head = await self.discovery.head("latest" if block_number is None else block_number)
        snapshot = await self.discovery.discover_at(head)
        self._pools = {p.address.lower(): p for p in snapshot.pools}
        self._hashes.reset(head.number, head.hash)
        self._buffered.clear()
        self._applied.clear()
        self._head = head
        return PoolUpdate(
            chain_id=self.chain_id,
            block_number=head.number,
            block_hash=head.hash,
            base_fee_wei=head.base_fee_wei,
            pools=snapshot.pools,
            new_pools=tuple(p.address for p in snapshot.pools),
            received_ns=time.monotonic_ns(),
        )

    def _current(self) -> NewHead:
        if self._head is None:
            raise RuntimeError("V2StateSync used before bootstrap")
        return self._head

    async def process(self, event: ChainEvent) -> list[PoolUpdate]:
        """Apply one collector event; returns the updates it caused (usually zero or one)."""
        self._current()
        if isinstance(event, ChainLog):
            return await self._on_log(event)
        if isinstance(event, StreamResumed):
            # Whatever was sent while the socket was down is lost; catch up to the node's head
            # now rather than at the next block, which on an idle chain may never come.
            self.counters.stream_gaps += 1
            event = await self.discovery.head("latest")
        update = await self._on_head(event)
        return [] if update is None else [update]

    # --- logs -------------------------------------------------------------------------------

    async def _on_log(self, entry: ChainLog) -> list[PoolUpdate]:
        current = self._current()
        if entry.removed:
            return []
        applied = self._applied.get(entry.block_hash)
        if applied is None:
            if entry.block_number > current.number - self.settings.history_blocks:
                self._buffered.setdefault(entry.block_hash, []).append(entry)
            return []
        if entry.log_index in applied[1] or self._hashes.get(entry.block_number) != (
            entry.block_hash
        ):
            return []  # a duplicate of what eth_getLogs gave us, or of an orphaned block
        return [await self._late_log(entry)]

    async def _late_log(self, entry: ChainLog) -> PoolUpdate:
        """A log of a block we already applied, which we had not seen: replay that block."""
        current = self._current()
        self.counters.late_logs += 1
        block_logs = await self._logs_by_hash(entry.block_hash)
        result = apply_v2_logs(
            self._pools, block_logs, factories=self._factories, chain_id=self.chain_id
        )
        # Pools changed in a later block keep their later value.
        changed = {
            key: state
            for key, state in result.changed.items()
            if key not in self._pools or self._pools[key].block_number <= entry.block_number
        }
        self._pools.update(changed)
        self._applied[entry.block_hash] = (entry.block_number, {e.log_index for e in block_logs})
        return self._update(current, changed.values(), result.created)

    async def _logs_by_hash(self, block_hash: str) -> list[ChainLog]:
        self.counters.logs_by_hash += 1
        return await self._reader.by_hash(block_hash)

    async def _block_logs(self, head: NewHead) -> list[ChainLog]:
        """The head's logs: from the subscription if they came first, else from the node."""
        buffered = self._buffered.get(head.hash)
        if buffered:
            return buffered
        if head.may_contain_topic(SYNC_TOPIC) or head.may_contain_topic(PAIR_CREATED_TOPIC):
            return await self._logs_by_hash(head.hash)
        return []

    # --- heads ------------------------------------------------------------------------------

    async def _on_head(self, head: NewHead) -> PoolUpdate | None:
        current = self._current()
        if self._hashes.get(head.number) == head.hash:
            return None  # already applied (a duplicate, or a catch-up that found nothing new)
        if head.number <= current.number - self.settings.history_blocks:
            self.counters.stale_heads += 1
            return None  # older than anything we could compare it with
        self.counters.heads += 1
        if head.number == current.number + 1 and head.parent_hash == current.hash:
            logs = await self._block_logs(head)
            result = apply_v2_logs(
                self._pools, logs, factories=self._factories, chain_id=self.chain_id
            )
            self._commit(head, result.changed, (), {head.number: head.hash}, logs)
            return self._update(head, result.changed.values(), result.created)
        return await self._reconcile(head)

    async def _reconcile(self, head: NewHead) -> PoolUpdate | None:
        """Bring the state from our head to `head` across a gap and/or a reorg."""
        current = self._current()
        (canonical,) = await self._hashes.headers([head.number])
        if canonical is None or canonical.hash != head.hash:
            # A notification from a branch the node has already left; its successor is (or
            # was) announced on its own.
            self.counters.stale_heads += 1
            return None
        fork = await self._hashes.fork_point(head, current.number)
        if fork is None or head.number - fork - 1 > self.settings.max_backfill_blocks:
            return await self._resync(head)
        reorg = fork < current.number
        missing = range(fork + 1, head.number)
        headers = await self._hashes.headers(missing[-self.settings.history_blocks :])
        chain = [h for h in headers if h is not None]
        linked = self._hashes.linked(fork, len(missing), [*chain, head])
        if len(chain) < len(headers) or not linked:
            # The node moved again while we read: start over from a clean snapshot.
            return await self._resync(head)
        try:
            logs = await self._reader.by_range(missing.start, missing.stop - 1)
        except RevertError as exc:
            log.warning("chain %d: eth_getLogs refused the back-fill: %s", self.chain_id, exc)
            return await self._resync(head)
        head_logs = await self._block_logs(head)
        affected = [s for s in self._pools.values() if s.block_number > fork] if reorg else []
        reread = (
            await self.discovery.read_reserves([s.address for s in affected], head)
            if affected
            else {}
        )
        result = apply_v2_logs(
            self._pools, [*logs, *head_logs], factories=self._factories, chain_id=self.chain_id
        )
        changed = result.changed
        removed: list[str] = []
        # The re-read values win over anything the dropped blocks left behind.
        for state in affected:
            reserves = reread[state.address]
            key = state.address.lower()
            if reserves is None:
                removed.append(key)  # created in a dropped block and not again
                changed.pop(key, None)
                continue
            base = changed.get(key, state)
            changed[key] = replace(
                base, reserve0=reserves[0], reserve1=reserves[1], block_number=head.number
            )
        if reorg:
            self.counters.reorgs += 1
            self.counters.repaired_pools += len(affected)
            self.counters.removed_pools += len(removed)
            log.warning(
                "chain %d: reorg below block %d (fork at %d); %d pools re-read, %d gone",
                self.chain_id,
                current.number,
                fork,
                len(affected),
                len(removed),
            )
        elif missing:
            log.info(
                "chain %d: back-filled blocks %d..%d (%d logs)",
                self.chain_id,
                missing.start,
                missing.stop - 1,
                len(logs),
            )
        hashes = {h.number: h.hash for h in chain}
        hashes[head.number] = head.hash
        self._commit(head, changed, removed, hashes, head_logs, fork=fork)
        self.counters.backfills += bool(missing)
        self.counters.backfilled_blocks += len(missing)
        created = [a for a in result.created if a in changed]
        return self._update(head, changed.values(), created)

    async def _resync(self, head: NewHead) -> PoolUpdate:
        """Re-read every pair through the lens at `head`: the answer to what we cannot replay."""
        snapshot = await self.discovery.discover_at(head)
        self.counters.resyncs += 1
        fresh = {p.address.lower(): p for p in snapshot.pools}
        changed: dict[str, V2PoolState] = {}
        created: list[str] = []
        for key, state in fresh.items():
            old = self._pools.get(key)
            if old is None:
                created.append(key)
                changed[key] = state
            elif (old.reserve0, old.reserve1) != (state.reserve0, state.reserve1):
                changed[key] = state
        removed = [key for key in self._pools if key not in fresh]
        self._commit(head, changed, removed, {head.number: head.hash}, (), reset=True)
        log.warning(
            "chain %d: resynced %d pairs at block %d (%d changed, %d new, %d gone)",
            self.chain_id,
            len(fresh),
            head.number,
            len(changed),
            len(created),
            len(removed),
        )
        return self._update(head, changed.values(), created)

    # --- commit -----------------------------------------------------------------------------

    def _commit(
        self,
        head: NewHead,
        changed: Mapping[str, V2PoolState],
        removed: Sequence[str],
        hashes: Mapping[int, str],
        head_logs: Sequence[ChainLog],
        *,
        fork: int | None = None,
        reset: bool = False,
    ) -> None:
        """Make one step's result the state: pools, stored hashes, head, and pruning.

        `fork` drops the stored hashes above it (a reorg); `reset` keeps only the head's.
        """
        self._pools.update(changed)
        for key in removed:
            self._pools.pop(key, None)
        if reset:
            self._hashes.reset(head.number, head.hash)
        else:
            self._hashes.advance(hashes, fork=fork)
        self._head = head
        self._applied[head.hash] = (head.number, {e.log_index for e in head_logs})
        floor = head.number - self.settings.history_blocks
        self._applied = {h: v for h, v in self._applied.items() if v[0] > floor}
        # Buffered logs of blocks up to the head are either applied or orphaned by now.
        self._buffered = {
            h: logs for h, logs in self._buffered.items() if logs[0].block_number > head.number
        }

    def _update(
        self, head: NewHead, states: Iterable[V2PoolState], created: Sequence[str]
    ) -> PoolUpdate:
        return PoolUpdate(
            chain_id=self.chain_id,
            block_number=head.number,
            block_hash=head.hash,
            base_fee_wei=head.base_fee_wei,
            pools=tuple(states),
            new_pools=tuple(self._pools[key].address for key in created if key in self._pools),
            received_ns=head.received_ns or time.monotonic_ns(),
        )
