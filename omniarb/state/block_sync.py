"""The state stage's shared block bookkeeping: one kind's pools following one chain.

`BlockSync` keeps the books (the hashes of the blocks applied, the log indexes each was applied
with, the logs that came before their head) and answers the chain's surprises:
- a gap (the head number jumps, or the socket was down): the missing blocks' logs are read with
  `eth_getLogs(fromBlock, toBlock)` and applied in order before the head;
- a reorg (the head's parent is not the hash we stored): the fork point is found from the stored
  hashes, the pools the dropped blocks touched are re-read at the new head, and the new branch's
  logs are applied to the others;
- a log that turns up after its block was applied: the block is replayed;
- a head the node no longer has on its chain (a late notice from an abandoned branch): ignored;
- anything beyond the stored history, or an inconsistent answer: a full lens resync.
All node reads of one step happen before anything changes, so a failed read leaves the state as
it was and the next head retries. What logs do to pools, and how pools are re-read, is the
kind's own: its adapter's `PoolBook` (`omniarb.dex.base`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Generic, TypeVar

from omniarb.chain_events import ChainEvent, ChainLog, LogFilter, NewHead, StreamResumed
from omniarb.chains.logs import LogReader
from omniarb.dex.base import PoolBook, PoolChanges, PoolState
from omniarb.errors import NODE_ERRORS, RpcError
from omniarb.stage_times import StageTimes
from omniarb.state.block_hashes import BlockHashes
from omniarb.types import PoolUpdate

__all__ = ["BlockSync", "SyncCounters", "SyncSettings"]

log = logging.getLogger(__name__)

StateT = TypeVar("StateT", bound=PoolState)


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
    """What a stage did, for metrics and tests."""

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


class BlockSync(Generic[StateT]):
    """The pools of one kind on one chain kept current block by block, by their `book`.

    `await sync.bootstrap()` once, then `await sync.process(event)` for every collector event.
    """

    def __init__(self, book: PoolBook[StateT], settings: SyncSettings | None = None) -> None:
        self.book = book
        self.chain_id = chain_id = book.chain_id
        self.settings = settings = settings or SyncSettings()
        self.counters = SyncCounters()
        self._reader = LogReader(
            rpc=book.rpc,
            chain_id=chain_id,
            topics=book.topics,
            range_blocks=settings.logs_range_blocks,
        )
        self._hashes = BlockHashes(
            rpc=book.rpc, chain_id=chain_id, history_blocks=settings.history_blocks
        )
        self._pools: dict[str, StateT] = {}
        self._head: NewHead | None = None
        self._buffered: dict[str, list[ChainLog]] = {}
        self._applied: dict[str, tuple[int, set[int]]] = {}
        # The live path's clock of the step under way: when it began (the block's notification
        # time when it has none of its own) and when its head's logs were in hand.
        self._step_ns = 0
        self._logs_ns = 0

    @property
    def head(self) -> NewHead | None:
        """The last block applied (None before `bootstrap`)."""
        return self._head

    @property
    def pools(self) -> Mapping[str, StateT]:
        """Current states by state key (`PoolIdentity.state_key`; a read-only live view)."""
        return MappingProxyType(self._pools)

    def pool(self, key: str) -> StateT:
        """The current state of `key` (a state key or, for a pool with one state, its address,
        any case); KeyError for a pool we do not follow."""
        return self._pools[key.lower()]

    def log_filters(self) -> tuple[LogFilter, ...]:
        """The one `logs` subscription this kind needs: its topics, from any address (a node
        sends one subscription's logs of a block together, but may announce the head between
        two; logs of other factories and unknown pools are dropped when applied)."""
        return (LogFilter(topics=(self.book.topics,)),)

    async def bootstrap(self, block_number: int | None = None) -> PoolUpdate:
        """Discover every pool (default: at the latest block); all of them are new."""
        self._step_ns, self._logs_ns = time.monotonic_ns(), 0
        head = await self.book.head("latest" if block_number is None else block_number)
        pools = await self.book.discover_at(head)
        self._pools = {p.state_key: p for p in pools}
        self._hashes.reset(head.number, head.hash)
        self._buffered.clear()
        self._applied.clear()
        self._head = head
        return self._update(head, pools, list(self._pools))

    def _current(self) -> NewHead:
        if self._head is None:
            raise RuntimeError(f"{type(self).__name__} of {self.book.noun} used before bootstrap")
        return self._head

    async def process(self, event: ChainEvent) -> list[PoolUpdate]:
        """Apply one collector event; returns the updates it caused (usually zero or one)."""
        self._current()
        self._step_ns, self._logs_ns = time.monotonic_ns(), 0
        if isinstance(event, ChainLog):
            update = await self._on_log(event)
            if update is not None:
                update = await self._audited(update)
        else:
            if isinstance(event, StreamResumed):
                # Whatever was sent while the socket was down is lost; catch up to the node's
                # head now rather than at the next block, which on an idle chain may never come.
                self.counters.stream_gaps += 1
                event = await self.book.head("latest")
            update = await self._on_head(event)
            if update is not None:
                update = await self._audited(update)
        return [] if update is None else [update]

    async def audit_now(self) -> dict[str, StateT | None]:
        """Run the book's consistency audit at our head now, due or not; drifted pools are
        replaced by the chain's state (dropped when gone) and returned."""
        drifted = dict(await self.book.audit(self.pools, self._current(), force=True))
        self._replace(drifted)
        return drifted

    def _replace(self, states: Mapping[str, StateT | None]) -> None:
        for key, state in states.items():
            if state is None:
                self._pools.pop(key, None)
            else:
                self._pools[key] = state

    async def _audited(self, update: PoolUpdate) -> PoolUpdate:
        """`update` plus the pools the book's periodic audit found drifted, replaced by the
        chain's state. A failed read is counted and logged, never fatal: the head is applied."""
        head = self._current()
        try:
            drifted = await self.book.audit(self.pools, head)
        except NODE_ERRORS as exc:
            self.counters.errors += 1
            log.warning("chain %d: %s audit failed: %s", self.chain_id, self.book.noun, exc)
            return update
        if not drifted:
            return update
        self._replace(drifted)
        fixed = [s for s in drifted.values() if s is not None]
        keep = [p for p in update.pools if p.state_key not in drifted]
        new = set(update.new_pools)
        return self._update(
            head, [*keep, *fixed], [p.state_key for p in update.pools if p.address in new]
        )

    # --- logs ---------------------------------------------------------------------------------

    async def _on_log(self, entry: ChainLog) -> PoolUpdate | None:
        current = self._current()
        if entry.removed:
            return None
        applied = self._applied.get(entry.block_hash)
        if applied is None:
            if entry.block_number > current.number - self.settings.history_blocks:
                self._buffered.setdefault(entry.block_hash, []).append(entry)
            return None
        orphaned = self._hashes.get(entry.block_number) != entry.block_hash
        if entry.log_index in applied[1] or orphaned:
            return None  # a duplicate of what eth_getLogs gave us, or of an orphaned block
        return await self._late_log(entry)

    async def _late_log(self, entry: ChainLog) -> PoolUpdate:
        """A log of a block we already applied, which we had not seen: replay that block."""
        current = self._current()
        self.counters.late_logs += 1
        block_logs = await self._logs_by_hash(entry.block_hash)
        self._logs_ns = time.monotonic_ns()
        changes = await self.book.replay(self._pools, entry.block_number, block_logs, current)
        self._pools.update(changes.changed)
        self._applied[entry.block_hash] = (entry.block_number, {e.log_index for e in block_logs})
        return self._update(current, changes.changed.values(), changes.created)

    async def _logs_by_hash(self, block_hash: str) -> list[ChainLog]:
        self.counters.logs_by_hash += 1
        return await self._reader.by_hash(block_hash)

    async def _block_logs(self, head: NewHead) -> list[ChainLog]:
        """The head's logs: from the subscription if they came first, else from the node."""
        buffered = self._buffered.get(head.hash)
        if buffered:
            # A subscription may send a log twice or a block's logs out of order (a reconnect,
            # a proxy): the book applies them once each, in the block's order.
            unique = {entry.log_index: entry for entry in buffered}
            self._logs_ns = time.monotonic_ns()
            return [unique[index] for index in sorted(unique)]
        logs = []
        if any(head.may_contain_topic(topic) for topic in self.book.topics):
            logs = await self._logs_by_hash(head.hash)
        self._logs_ns = time.monotonic_ns()
        return logs

    # --- heads --------------------------------------------------------------------------------

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
            changes = await self.book.changes(self._pools, head, logs, ())
            self.counters.removed_pools += len(changes.removed)
            return self._commit(head, changes, logs, {head.number: head.hash})
        return await self._reconcile(head)

    async def _reconcile(self, head: NewHead) -> PoolUpdate | None:
        """Bring the state from our head to `head` across a gap and/or a reorg."""
        current = self._current()
        (canonical,) = await self._hashes.headers([head.number])
        if canonical is None or canonical.hash != head.hash:
            # A late notice from a branch the node has left; its successor comes on its own.
            self.counters.stale_heads += 1
            return None
        fork = await self._hashes.fork_point(head, current.number)
        if fork is None or head.number - fork - 1 > self.settings.max_backfill_blocks:
            return await self._resync(head)
        reorg = fork < current.number
        missing = range(fork + 1, head.number)
        headers = await self._hashes.headers(missing[-self.settings.history_blocks :])
        chain = [h for h in headers if h is not None]
        if len(chain) < len(headers) or not self._hashes.linked(fork, len(missing), [*chain, head]):
            # The node moved again while we read: start over from a clean snapshot.
            return await self._resync(head)
        try:
            logs = await self._reader.by_range(missing.start, missing.stop - 1)
        except RpcError as exc:
            log.warning("chain %d: eth_getLogs refused the back-fill: %s", self.chain_id, exc)
            return await self._resync(head)
        head_logs = await self._block_logs(head)
        stale = [k for k, s in self._pools.items() if s.block_number > fork] if reorg else []
        hashes = {h.number: h.hash for h in [*chain, head]}
        changes = await self.book.changes(self._pools, head, [*logs, *head_logs], stale)
        self.counters.removed_pools += len(changes.removed)
        update = self._commit(head, changes, head_logs, hashes, fork=fork)
        if reorg:
            self.counters.reorgs += 1
            self.counters.repaired_pools += len(stale)
            log.warning(
                "chain %d: reorg below block %d (fork at %d); %d %s re-read, %d gone",
                self.chain_id,
                current.number,
                fork,
                len(stale),
                self.book.noun,
                sum(key not in self._pools for key in stale),
            )
        elif missing:
            log.info(
                "chain %d: back-filled blocks %d..%d (%d logs of %s)",
                self.chain_id,
                missing.start,
                missing.stop - 1,
                len(logs),
                self.book.noun,
            )
        self.counters.backfills += bool(missing)
        self.counters.backfilled_blocks += len(missing)
        return update

    async def _resync(self, head: NewHead) -> PoolUpdate:
        """Re-read every pool through the lens at `head`: the answer to what we cannot replay."""
        pools = await self.book.discover_at(head)
        self.counters.resyncs += 1
        fresh = {p.state_key: p for p in pools}
        created = [key for key in fresh if key not in self._pools]
        changed = {
            key: state
            for key, state in fresh.items()
            if key not in self._pools or self.book.differs(self._pools[key], state)
        }
        removed = tuple(key for key in self._pools if key not in fresh)
        changes = PoolChanges(changed=changed, removed=removed, created=tuple(created))
        update = self._commit(head, changes, (), None)
        log.warning(
            "chain %d: resynced %d %s at block %d (%d changed, %d new, %d gone)",
            self.chain_id,
            len(fresh),
            self.book.noun,
            head.number,
            len(changed),
            len(created),
            len(removed),
        )
        return update

    def _commit(
        self,
        head: NewHead,
        changes: PoolChanges[StateT],
        head_logs: Sequence[ChainLog],
        hashes: Mapping[int, str] | None,
        *,
        fork: int | None = None,
    ) -> PoolUpdate:
        """Make one step's result the state (pools, stored hashes, head, pruning); its update.
        `hashes` replace those above `fork` (a reorg); None keeps only the head's (a resync)."""
        self._pools.update(changes.changed)
        for key in changes.removed:
            self._pools.pop(key, None)
        if hashes is None:
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
        return self._update(head, changes.changed.values(), changes.created)

    def _update(self, head: NewHead, states: Iterable[PoolState], new: Sequence[str]) -> PoolUpdate:
        """The update for `head`: `states`, and the addresses of the `new` pools (state keys)
        we still hold (one a step created and a re-read found gone is not announced)."""
        keys = dict.fromkeys(key.lower() for key in new)
        addresses = dict.fromkeys(self._pools[key].address for key in keys if key in self._pools)
        applied_ns = time.monotonic_ns()
        notified_ns = head.received_ns or self._step_ns or applied_ns
        return PoolUpdate(
            chain_id=self.chain_id,
            block_number=head.number,
            block_hash=head.hash,
            base_fee_wei=head.base_fee_wei,
            pools=tuple(states),
            new_pools=tuple(addresses),
            received_ns=head.received_ns or applied_ns,
            times=StageTimes(
                notified_ns=notified_ns,
                logs_ns=max(self._logs_ns, notified_ns) if self._logs_ns else applied_ns,
                applied_ns=applied_ns,
            ),
        )
