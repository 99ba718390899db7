"""What each flash lender holds, kept in memory from the token logs that arrive with each block.

The allocator must know how much of a token each lender can lend (its holder's balance: the
Vault's, the aToken's, a pool's, the V4 PoolManager's). Reading those balances per trade is a
node round trip on the hot path; instead `LenderBalances` reads every (token, holder) balance
once at bootstrap and then follows, per block in log order, the logs that move them:

- ERC-20 `Transfer(from, to, value)` of a followed token from or to a holder: this covers every
  lender of the devnet and of mainnet's plain tokens, because each lender's balance is an
  ordinary ERC-20 balance moved by transfers: Aave V3 keeps a reserve's underlying in its aToken
  (`AToken.transferUnderlyingTo`, `SupplyLogic.executeSupply` transfers to the aToken), the
  Balancer V2 Vault and a Uniswap V4 PoolManager hold the tokens of their pools themselves
  (ERC-6909 claims inside the manager move no ERC-20), and pools hold their reserves;
- WETH9's `Deposit(dst, wad)` and `Withdrawal(src, wad)`, which mint and burn without a
  `Transfer`.

A token whose balances change without a log (a rebasing token; a fee-on-transfer token emits
the amounts received, so its transfers are followed) is named in `reread_tokens`: its balances
are re-read at every block off the hot path (`refresh`). Every balance is audited against the
chain every `audit_every_blocks` blocks, off the hot path too; a drift is counted, logged and
corrected.

The block bookkeeping is the state stage's: logs are buffered until their head; a head's logs
come from the subscription, or by hash when the head beat them; a gap is back-filled from
`eth_getLogs` by range; on a reorg the balances the dropped blocks touched are re-read at the
new head; beyond the kept history, every balance is re-read. Balance changes add up, so the
order of a block's logs does not matter and a late log is simply added.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from omniarb.chain_events import (
    ChainEvent,
    ChainLog,
    FilterBloom,
    LogFilter,
    NewHead,
    StreamResumed,
)
from omniarb.chains.abi import decode, encode_call
from omniarb.chains.blocks import eth_calls_at, read_head
from omniarb.chains.logs import LogReader
from omniarb.chains.rpc import RpcClient
from omniarb.errors import RpcError
from omniarb.state.block_hashes import BlockHashes
from omniarb.state.token_logs import (
    BALANCE_TOPICS,
    BalanceKey,
    balance_deltas,
    balance_filters,
)

__all__ = ["LenderBalanceCounters", "LenderBalances"]

log = logging.getLogger(__name__)

_BALANCE_OF = "balanceOf(address)"

Key = BalanceKey


@dataclass(slots=True)
class LenderBalanceCounters:
    """What the book did, for metrics, the demo summary and tests."""

    heads: int = 0
    logs: int = 0
    logs_by_hash: int = 0
    late_logs: int = 0
    backfills: int = 0
    reorgs: int = 0
    reread_balances: int = 0
    resyncs: int = 0
    audits: int = 0
    drifted: int = 0
    stale_heads: int = 0
    errors: int = 0


class LenderBalances:
    """The balances of `pairs` ((token, holder)) on one chain, current as of `head`.

    `await book.bootstrap(head)` once, then `await book.process(event)` for every collector
    event whose log `reads` accepts (and every head); `balance(token, holder)` answers from
    memory. `refresh()` is the off-hot-path task's step (re-reads and audits)."""

    def __init__(
        self,
        *,
        rpc: RpcClient,
        chain_id: int,
        pairs: Iterable[Key],
        reread_tokens: Iterable[str] = (),
        history_blocks: int = 128,
        max_backfill_blocks: int = 2_000,
        audit_every_blocks: int = 64,
        calls_per_request: int = 200,
    ) -> None:
        self.rpc = rpc
        self.chain_id = chain_id
        self.counters = LenderBalanceCounters()
        self._keys = sorted({(t.lower(), h.lower()) for t, h in pairs})
        self._tokens = tuple(sorted({t for t, _ in self._keys}))
        self._token_set = frozenset(self._tokens)  # membership on the hot path
        self._holders = tuple(sorted({h for _, h in self._keys}))
        self._tracked = frozenset(self._keys)
        self._reread = frozenset(t.lower() for t in reread_tokens)
        self._history = history_blocks
        self._max_backfill = max_backfill_blocks
        self._audit_every = audit_every_blocks
        self._per_request = calls_per_request
        self._reader = LogReader(
            rpc=rpc, chain_id=chain_id, topics=BALANCE_TOPICS, addresses=self._tokens
        )
        self._hashes = BlockHashes(rpc=rpc, chain_id=chain_id, history_blocks=history_blocks)
        self._balances: dict[Key, int] = {}
        self._head: NewHead | None = None
        self._buffered: dict[str, dict[int, ChainLog]] = {}
        # Per applied block hash: its number, the log indexes applied, the balances it moved.
        self._applied: dict[str, tuple[int, set[int], set[Key]]] = {}
        # A balance re-read at block N already includes every log up to N.
        self._read_at: dict[Key, int] = {}
        self._audited_at = -1
        self._blooms = [FilterBloom(f) for f in self.log_filters()]

    # --- what the rest of the chain sees ------------------------------------------------------

    @property
    def head(self) -> NewHead | None:
        """The block the balances are current after (None before `bootstrap`)."""
        return self._head

    @property
    def pairs(self) -> Sequence[Key]:
        return self._keys

    def balance(self, token: str, holder: str) -> int | None:
        """`holder`'s balance of `token` after our head, from memory; None when the book does
        not follow that pair or is not bootstrapped (the caller then reads the node)."""
        if self._head is None:
            return None
        return self._balances.get((token.lower(), holder.lower()))

    def log_filters(self) -> tuple[LogFilter, ...]:
        """The two `logs` subscriptions of the followed tokens' transfers from and to the
        holders (`token_logs.balance_filters`); none when nothing is followed."""
        return balance_filters(self._tokens, self._holders) if self._keys else ()

    def reads(self, entry: ChainLog) -> bool:
        """Whether `entry` may move a followed balance (its token and topic are ours)."""
        return entry.address in self._token_set and bool(balance_deltas(entry, self._tracked))

    # --- node reads ---------------------------------------------------------------------------

    async def _read(self, keys: Sequence[Key], at: NewHead) -> dict[Key, int]:
        calls = [{"to": token, "data": encode_call(_BALANCE_OF, holder)} for token, holder in keys]
        values = await eth_calls_at(
            self.rpc,
            calls,
            at,
            calls_per_request=self._per_request,
            concurrent_requests=2,
            decode=lambda raw: int(decode(["uint256"], raw)[0]),
        )
        self.counters.reread_balances += len(keys)
        return dict(zip(keys, values, strict=True))

    async def bootstrap(self, head: NewHead | None = None) -> None:
        """Read every balance at `head` (default: the latest block)."""
        head = head or await read_head(self.rpc, self.chain_id)
        self._balances = await self._read(self._keys, head)
        self._read_at = dict.fromkeys(self._keys, head.number)
        self._hashes.reset(head.number, head.hash)
        self._buffered.clear()
        self._applied.clear()
        self._head = head
        self._audited_at = head.number

    # --- events -------------------------------------------------------------------------------

    async def process(self, event: ChainEvent) -> None:
        """Apply one collector event (a log it `reads`, a head, a resumed stream)."""
        if self._head is None:
            raise RuntimeError("LenderBalances used before bootstrap")
        if isinstance(event, ChainLog):
            self._on_log(event)
            return
        if isinstance(event, StreamResumed):
            event = await read_head(self.rpc, self.chain_id)
        await self._on_head(event)

    def _on_log(self, entry: ChainLog) -> None:
        if entry.removed or not self._deltas(entry):
            return  # moves no followed balance (a holder's transfer of a token it does not lend)
        applied = self._applied.get(entry.block_hash)
        if applied is None:
            assert self._head is not None
            if entry.block_number > self._head.number - self._history:
                self._buffered.setdefault(entry.block_hash, {})[entry.log_index] = entry
            return
        number, indexes, touched = applied
        if entry.log_index in indexes or self._hashes.get(number) != entry.block_hash:
            return  # applied already, or a log of an orphaned block
        # A log of a block applied without it: balance changes add up, so add it now.
        self.counters.late_logs += 1
        indexes.add(entry.log_index)
        touched.update(self._apply([entry]))

    def _apply(self, entries: Iterable[ChainLog], skip: frozenset[Key] = frozenset()) -> set[Key]:
        """Add what `entries` move to the balances; the keys moved. A key re-read at or after
        a log's block already holds it; so do `skip`ped keys (re-read at the head)."""
        moved: set[Key] = set()
        for entry in entries:
            for key, delta in self._deltas(entry):
                if key in skip or self._read_at.get(key, -1) >= entry.block_number:
                    continue
                self._balances[key] = self._balances.get(key, 0) + delta
                moved.add(key)
            self.counters.logs += 1
        return moved

    def _deltas(self, entry: ChainLog) -> list[tuple[Key, int]]:
        if entry.address not in self._token_set:
            return []
        return balance_deltas(entry, self._tracked)

    async def _block_logs(self, head: NewHead) -> list[ChainLog]:
        buffered = self._buffered.pop(head.hash, None)
        if buffered:
            return [buffered[i] for i in sorted(buffered)]
        if not any(bloom.may_match(head.logs_bloom) for bloom in self._blooms):
            return []  # certainly none of our logs (the bloom of our filters' terms says so)
        self.counters.logs_by_hash += 1
        return [e for e in await self._reader.by_hash(head.hash) if self._deltas(e)]

    async def _on_head(self, head: NewHead) -> None:
        current = self._head
        assert current is not None
        if self._hashes.get(head.number) == head.hash:
            return
        if head.number <= current.number - self._history:
            self.counters.stale_heads += 1
            return
        self.counters.heads += 1
        if head.number == current.number + 1 and head.parent_hash == current.hash:
            logs = await self._block_logs(head)
            self._commit(head, logs, frozenset(), {head.number: head.hash}, fork=None)
            return
        await self._reconcile(head)

    async def _reconcile(self, head: NewHead) -> None:
        """From our head to `head` across a gap and/or a reorg (as `BlockSync._reconcile`)."""
        current = self._head
        assert current is not None
        (canonical,) = await self._hashes.headers([head.number])
        if canonical is None or canonical.hash != head.hash:
            self.counters.stale_heads += 1
            return
        fork = await self._hashes.fork_point(head, current.number)
        if fork is None or head.number - fork - 1 > self._max_backfill:
            await self._resync(head)
            return
        missing = range(fork + 1, head.number)
        headers = await self._hashes.headers(missing[-self._history :])
        chain = [h for h in headers if h is not None]
        if len(chain) < len(headers) or not self._hashes.linked(fork, len(missing), [*chain, head]):
            await self._resync(head)
            return
        try:
            logs = await self._reader.by_range(missing.start, missing.stop - 1)
        except RpcError as exc:
            log.warning(
                "chain %d: eth_getLogs refused the lenders' back-fill: %s", self.chain_id, exc
            )
            await self._resync(head)
            return
        head_logs = await self._block_logs(head)
        dropped: set[Key] = set()
        if fork < current.number:
            for number, _, touched in self._applied.values():
                if number > fork:
                    dropped |= touched
        fresh = await self._read(sorted(dropped), head) if dropped else {}
        hashes = {h.number: h.hash for h in [*chain, head]}
        self._balances.update(fresh)
        for key in fresh:
            self._read_at[key] = head.number
        if fork < current.number:
            self.counters.reorgs += 1
            self._applied = {h: v for h, v in self._applied.items() if v[0] <= fork}
            log.warning(
                "chain %d: reorg below block %d (fork at %d); %d lender balances re-read",
                self.chain_id,
                current.number,
                fork,
                len(fresh),
            )
        self.counters.backfills += bool(missing)
        # Each back-filled block is booked with the balances it moved, as a head is, so a
        # later reorg that drops it knows what to re-read.
        skip = frozenset(fresh)
        by_block: dict[str, list[ChainLog]] = {}
        for entry in logs:
            by_block.setdefault(entry.block_hash, []).append(entry)
        for header in chain:
            block_logs = by_block.pop(header.hash, [])
            touched = self._apply(block_logs, skip=skip)
            self._applied[header.hash] = (
                header.number,
                {e.log_index for e in block_logs},
                touched,
            )
        # Blocks older than the kept history: applied, not booked (no reorg reaches them).
        self._apply([e for rest in by_block.values() for e in rest], skip=skip)
        self._commit(head, head_logs, skip, hashes, fork=fork)

    async def _resync(self, head: NewHead) -> None:
        self.counters.resyncs += 1
        fresh = await self._read(self._keys, head)
        self._balances = fresh
        self._read_at = dict.fromkeys(self._keys, head.number)
        self._hashes.reset(head.number, head.hash)
        self._applied.clear()
        self._buffered = {h: b for h, b in self._buffered.items() if _number(b) > head.number}
        self._head = head
        log.warning(
            "chain %d: re-read %d lender balances at block %d",
            self.chain_id,
            len(fresh),
            head.number,
        )

    def _commit(
        self,
        head: NewHead,
        head_logs: Sequence[ChainLog],
        skip: frozenset[Key],
        hashes: Mapping[int, str],
        *,
        fork: int | None,
    ) -> None:
        touched = self._apply(head_logs, skip=skip)
        self._hashes.advance(hashes, fork=fork)
        self._applied[head.hash] = (head.number, {e.log_index for e in head_logs}, touched)
        floor = head.number - self._history
        self._applied = {h: v for h, v in self._applied.items() if v[0] > floor}
        self._buffered = {h: b for h, b in self._buffered.items() if _number(b) > head.number}
        self._head = head

    # --- off the hot path ---------------------------------------------------------------------

    async def refresh(self) -> int:
        """Re-read the balances of `reread_tokens` at our head, and every balance when an audit
        is due; a balance that moved on since (a newer head meanwhile) is corrected by the
        difference. Returns how many balances had drifted from the chain."""
        head = self._head
        if head is None:
            return 0
        audit = head.number - self._audited_at >= self._audit_every
        keys = self._keys if audit else [k for k in self._keys if k[0] in self._reread]
        if not keys:
            return 0
        snapshot = {key: self._balances.get(key, 0) for key in keys}
        chain = await self._read(keys, head)
        drifted = {
            key: value - snapshot[key] for key, value in chain.items() if value != snapshot[key]
        }
        if self._hashes.get(head.number) == head.hash:
            # Still on the branch it was read on: the difference is what we missed.
            for key, delta in drifted.items():
                if self._read_at.get(key, -1) > head.number:
                    continue  # re-read since (a reorg above it): that read is the chain's
                self._balances[key] = self._balances.get(key, 0) + delta
        if audit:
            self._audited_at = head.number
            self.counters.audits += 1
            unexpected = {k: d for k, d in drifted.items() if k[0] not in self._reread}
            self.counters.drifted += len(unexpected)
            if unexpected:
                log.warning(
                    "chain %d: %d lender balances had drifted from the chain at block %d: %s",
                    self.chain_id,
                    len(unexpected),
                    head.number,
                    ", ".join(f"{t}@{h} {d:+d}" for (t, h), d in list(unexpected.items())[:5]),
                )
        return len(drifted)


def _number(logs: Mapping[int, ChainLog]) -> int:
    return next(iter(logs.values())).block_number
