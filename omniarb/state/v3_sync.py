"""The state stage for Uniswap V3: pool states kept exact block by block from pool logs.

`V3StateSync` starts from a lens snapshot (`bootstrap`), then turns each collector event into
`PoolUpdate`s (`process`): a new head's `Swap`, `Mint`, `Burn`, `Initialize` and `PoolCreated`
logs are applied in log order (`apply_v3_logs`), and every state carries the block of its last
change. The head's logs come from the `logs` subscription, or from `eth_getLogs` by block hash
when the head arrived first (its logs bloom says whether that is worth a call).

V3 logs carry deltas (a `Mint` adds liquidity to two ticks), so unlike V2's `Sync` a log applied
twice or missed leaves the state wrong for good. Hence every repair re-reads pools through the
lens rather than replaying logs on top of what we have:
- a gap (the head number jumps, or the socket was down): the missing blocks' logs are read
  with `eth_getLogs(fromBlock, toBlock)` and applied in order before the head;
- a reorg (the head's parent is not the hash we stored): every pool the dropped blocks touched
  is re-read at the new head, and the new branch's logs are applied to the others;
- a log that cannot be applied (a burn of more than a tick holds) or that turns up after its
  block was applied: the pools of that block are re-read at our head;
- anything beyond the stored history, or an inconsistent answer: a full lens resync.
Every `check_every_blocks` blocks a `V3ConsistencyCheck` compares a sample of pools with the
chain, logs any drift as an error, and replaces drifted pools with the chain's state. All node
reads of one step happen before anything is changed, so a failed read leaves the state as it
was and the next head retries from there.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping, Sequence
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
from omniarb.dex.uniswap_v3.pool import V3PoolState
from omniarb.errors import RetryableError, RevertError
from omniarb.state.block_hashes import BlockHashes
from omniarb.state.v3_check import V3ConsistencyCheck
from omniarb.state.v3_discovery import V3Discovery
from omniarb.state.v3_logs import (
    POOL_CREATED_TOPIC,
    V3_TOPICS,
    V3LogReader,
    apply_v3_logs,
    decode_pool_created,
)
from omniarb.state.v3_update import V3SyncCounters, V3SyncSettings
from omniarb.types import PoolUpdate

__all__ = ["V3StateSync"]

log = logging.getLogger(__name__)


class V3StateSync:
    """V3 pool states of the discovery's factories on one chain, kept current from logs.

    `await sync.bootstrap()` once, then `await sync.process(event)` for every collector event.
    """

    def __init__(self, *, discovery: V3Discovery, settings: V3SyncSettings | None = None) -> None:
        self.discovery = discovery
        self.chain_id = discovery.chain_id
        self.settings = settings or V3SyncSettings()
        self.counters = V3SyncCounters()
        self._factories = {address.lower(): dex for address, dex in discovery.factories.items()}
        self._pools: dict[str, V3PoolState] = {}
        self._hashes = BlockHashes(
            rpc=discovery.rpc, chain_id=self.chain_id, history_blocks=self.settings.history_blocks
        )
        self._reader = V3LogReader(
            rpc=discovery.rpc, chain_id=self.chain_id, range_blocks=self.settings.logs_range_blocks
        )
        self._check = V3ConsistencyCheck(
            discovery=discovery, sample=max(self.settings.check_sample, 1)
        )
        self._head: NewHead | None = None
        self._last_check = 0
        self._buffered: dict[str, list[ChainLog]] = {}
        self._applied: dict[str, tuple[int, set[int]]] = {}

    @property
    def head(self) -> NewHead | None:
        """The last block applied (None before `bootstrap`)."""
        return self._head

    @property
    def pools(self) -> Mapping[str, V3PoolState]:
        """Current states by lowercase pool address (a read-only live view)."""
        return MappingProxyType(self._pools)

    def pool(self, address: str) -> V3PoolState:
        return self._pools[address.lower()]

    def log_filters(self) -> tuple[LogFilter, ...]:
        """The one `logs` subscription this stage needs: the V3 pool and factory events of any
        address (a node sends one subscription's logs of a block together; logs of other
        factories and unknown pools are dropped by `apply_v3_logs`)."""
        return (LogFilter(topics=(V3_TOPICS,)),)

    def collector(self, ws_url: str, *, policy: ReconnectPolicy | None = None) -> HeadCollector:
        """A `HeadCollector` subscribed to what this stage needs."""
        return HeadCollector(
            chain_id=self.chain_id, ws_url=ws_url, log_filters=self.log_filters(), policy=policy
        )

    async def bootstrap(self, block_number: int | None = None) -> PoolUpdate:
        """Discover every pool (default: at the latest block); all of them are new."""
        head = await self.discovery.head("latest" if block_number is None else block_number)
        snapshot = await self.discovery.discover_at(head)
        self._pools = {p.address.lower(): p for p in snapshot.pools}
        self._hashes.reset(head.number, head.hash)
        self._buffered.clear()
        self._applied.clear()
        self._head = head
        self._last_check = head.number
        return self._update(head, snapshot.pools, list(self._pools))

    def _current(self) -> NewHead:
        if self._head is None:
            raise RuntimeError("V3StateSync used before bootstrap")
        return self._head

    async def process(self, event: ChainEvent) -> list[PoolUpdate]:
        """Apply one collector event; returns the updates it caused (usually zero or one)."""
        self._current()
        if isinstance(event, ChainLog):
            update = await self._on_log(event)
        else:
            if isinstance(event, StreamResumed):
                # Whatever was sent while the socket was down is lost; catch up to the node's
                # head now rather than at the next block, which on an idle chain may never come.
                self.counters.stream_gaps += 1
                event = await self.discovery.head("latest")
            update = await self._on_head(event)
        if update is not None and self._check_due():
            update = await self._checked(update)
        return [] if update is None else [update]

    # --- logs -------------------------------------------------------------------------------

    async def _on_log(self, entry: ChainLog) -> PoolUpdate | None:
        current = self._current()
        if entry.removed:
            return None
        applied = self._applied.get(entry.block_hash)
        if applied is None:
            if entry.block_number > current.number - self.settings.history_blocks:
                self._buffered.setdefault(entry.block_hash, []).append(entry)
            return None
        if entry.log_index in applied[1] or self._hashes.get(entry.block_number) != (
            entry.block_hash
        ):
            return None  # a duplicate of what eth_getLogs gave us, or of an orphaned block
        return await self._late_log(entry)

    async def _late_log(self, entry: ChainLog) -> PoolUpdate:
        """A log of a block we already applied, which we had not seen: its deltas cannot be
        slotted in after the fact, so every pool that block touched is re-read at our head."""
        current = self._current()
        self.counters.late_logs += 1
        block_logs = await self._logs_by_hash(entry.block_hash)
        touched: dict[str, int | None] = {}
        created: list[str] = []
        for item in block_logs:
            if item.topics and item.topics[0] == POOL_CREATED_TOPIC:
                if item.address in self._factories:
                    pool = decode_pool_created(item)
                    touched[pool.pool] = pool.tick_spacing
                    if pool.pool not in self._pools:
                        created.append(pool.pool)
            elif item.address in self._pools:
                touched[item.address] = self._pools[item.address].tick_spacing
        fresh = await self.discovery.read_pools(touched, current)
        changed = {k: s for k, s in fresh.items() if s is not None}
        self._pools.update(changed)
        self.counters.reread_pools += len(changed)
        self._applied[entry.block_hash] = (entry.block_number, {e.log_index for e in block_logs})
        return self._update(current, changed.values(), [k for k in created if k in changed])

    async def _logs_by_hash(self, block_hash: str) -> list[ChainLog]:
        self.counters.logs_by_hash += 1
        return await self._reader.by_hash(block_hash)

    async def _block_logs(self, head: NewHead) -> list[ChainLog]:
        """The head's logs: from the subscription if they came first, else from the node."""
        buffered = self._buffered.get(head.hash)
        if buffered:
            return buffered
        if any(head.may_contain_topic(topic) for topic in V3_TOPICS):
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
            return await self._apply(head, logs, (), {head.number: head.hash}, logs)
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
        if len(chain) < len(headers) or not self._hashes.linked(fork, len(missing), [*chain, head]):
            # The node moved again while we read: start over from a clean snapshot.
            return await self._resync(head)
        try:
            logs = await self._reader.by_range(missing.start, missing.stop - 1)
        except RevertError as exc:
            log.warning("chain %d: eth_getLogs refused the back-fill: %s", self.chain_id, exc)
            return await self._resync(head)
        head_logs = await self._block_logs(head)
        affected = [k for k, s in self._pools.items() if s.block_number > fork] if reorg else []
        hashes = {h.number: h.hash for h in chain}
        hashes[head.number] = head.hash
        update = await self._apply(
            head, [*logs, *head_logs], affected, hashes, head_logs, fork=fork
        )
        if reorg:
            self.counters.reorgs += 1
            self.counters.repaired_pools += len(affected)
            log.warning(
                "chain %d: reorg below block %d (fork at %d); %d V3 pools re-read",
                self.chain_id,
                current.number,
                fork,
                len(affected),
            )
        elif missing:
            log.info(
                "chain %d: back-filled blocks %d..%d (%d V3 logs)",
                self.chain_id,
                missing.start,
                missing.stop - 1,
                len(logs),
            )
        self.counters.backfills += bool(missing)
        self.counters.backfilled_blocks += len(missing)
        return update

    async def _apply(
        self,
        head: NewHead,
        logs: Sequence[ChainLog],
        reread: Sequence[str],
        hashes: Mapping[int, str],
        head_logs: Sequence[ChainLog],
        *,
        fork: int | None = None,
    ) -> PoolUpdate:
        """Apply `logs` up to `head`; the pools in `reread` (and any a log broke) are re-read
        at `head` instead, and their read state wins over whatever the logs left."""
        result = apply_v3_logs(self._pools, logs, factories=self._factories, chain_id=self.chain_id)
        changed = result.changed
        keys = [*reread, *(k for k in result.broken if k not in reread)]
        removed: list[str] = []
        if keys:
            spacings = {
                k: (self._pools.get(k) or changed[k]).tick_spacing
                for k in keys
                if k in self._pools or k in changed
            }
            fresh = await self.discovery.read_pools(spacings, head)
            self.counters.reread_pools += len(fresh)
            for key, state in fresh.items():
                if state is None:
                    removed.append(key)  # created in a dropped block and not again
                    changed.pop(key, None)
                else:
                    changed[key] = state
            if result.broken:
                log.error(
                    "chain %d: V3 logs could not be applied to %d pools at block %d; re-read",
                    self.chain_id,
                    len(result.broken),
                    head.number,
                )
        self.counters.removed_pools += len(removed)
        self._commit(head, changed, removed, hashes, head_logs, fork=fork)
        created = [k for k in result.created if k in changed]
        return self._update(head, changed.values(), created)

    async def _resync(self, head: NewHead) -> PoolUpdate:
        """Re-read every pool through the lens at `head`: the answer to what we cannot replay."""
        snapshot = await self.discovery.discover_at(head)
        self.counters.resyncs += 1
        fresh = {p.address.lower(): p for p in snapshot.pools}
        changed: dict[str, V3PoolState] = {}
        created: list[str] = []
        for key, state in fresh.items():
            old = self._pools.get(key)
            if old is None:
                created.append(key)
                changed[key] = state
            elif (old.sqrt_price_x96, old.tick, old.liquidity, old.unlocked, old.ticks) != (
                state.sqrt_price_x96,
                state.tick,
                state.liquidity,
                state.unlocked,
                state.ticks,
            ):
                changed[key] = state
        removed = [key for key in self._pools if key not in fresh]
        self._commit(head, changed, removed, {head.number: head.hash}, (), reset=True)
        log.warning(
            "chain %d: resynced %d V3 pools at block %d (%d changed, %d new, %d gone)",
            self.chain_id,
            len(fresh),
            head.number,
            len(changed),
            len(created),
            len(removed),
        )
        return self._update(head, changed.values(), created)

    # --- consistency check ------------------------------------------------------------------

    def _check_due(self) -> bool:
        every = self.settings.check_every_blocks
        head = self._current()
        return every > 0 and bool(self._pools) and head.number - self._last_check >= every

    async def check_consistency(self) -> dict[str, V3PoolState | None]:
        """Compare the next sample of pools with the chain at our head; drifted pools are
        logged as errors and replaced by the chain's state. Returns them (None: gone)."""
        head = self._current()
        self._last_check = head.number
        report = await self._check.check(self._pools, head)
        self.counters.checks += 1
        self.counters.checked_pools += report.checked
        self.counters.drifts += len(report.drifted)
        for key, state in report.drifted.items():
            if state is None:
                self._pools.pop(key, None)
            else:
                self._pools[key] = state
        return dict(report.drifted)

    async def _checked(self, update: PoolUpdate) -> PoolUpdate:
        """`update` plus the pools a due consistency check replaced. A failed read is counted
        and logged, never fatal: the head is applied already."""
        try:
            drifted = await self.check_consistency()
        except (RetryableError, RevertError) as exc:
            self.counters.errors += 1
            log.warning("chain %d: V3 consistency check failed: %s", self.chain_id, exc)
            return update
        if not drifted:
            return update
        fixed = [s for s in drifted.values() if s is not None]
        keep = [
            p
            for p in update.pools
            if isinstance(p, V3PoolState) and p.address.lower() not in drifted
        ]
        return self._update(self._current(), [*keep, *fixed], list(update.new_pools))

    # --- commit -----------------------------------------------------------------------------

    def _commit(
        self,
        head: NewHead,
        changed: Mapping[str, V3PoolState],
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
        self, head: NewHead, states: Iterable[V3PoolState], created: Sequence[str]
    ) -> PoolUpdate:
        keys = dict.fromkeys(key.lower() for key in created)
        return PoolUpdate(
            chain_id=self.chain_id,
            block_number=head.number,
            block_hash=head.hash,
            base_fee_wei=head.base_fee_wei,
            pools=tuple(states),
            new_pools=tuple(self._pools[key].address for key in keys if key in self._pools),
            received_ns=head.received_ns or time.monotonic_ns(),
        )
