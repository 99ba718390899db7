"""Balancer V2 pools of one kind kept exact block by block from their logs: the kind's
`PoolBook`, whose states are the pools' pairs (`pair.pair_views`).

Only pools a known factory made are priced (each DEX names its factory, `pool_factory`, beside
the Vault it registers pools with, `factory`): discovery reads the factories' `PoolCreated`
logs from the DEX's `start_block` (the factory's deployment on a real chain) and reads each
pool whole at one block (`BalancerPoolReader`, two round trips for any number of pools). A pool
whose tokens have rate providers is skipped and counted: a rate can move without any log of
the pool, so no state kept from logs holds for it.

Afterwards the Vault's `Swap` and `PoolBalanceChanged` logs move the balances exactly, a pool's
own settings logs (fee, amplification, pause, rates) and the Vault's `PoolBalanceManaged` have
it re-read, and so does every block while its amplification moves with time. One log changes
every pair of its pool at once. Every repair re-reads: a reorg the pools the dropped blocks
touched, a late log its block's pools. Every `check_every_blocks` blocks a sample of pools is
read whole and compared (`audit`); a drift seen while the node mined on top of the block read
is not trusted (see `omniarb.dex.uniswap_v3.check`).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from eth_utils.address import to_checksum_address

from omniarb.chain_events import ChainLog, NewHead
from omniarb.chains.blocks import read_head
from omniarb.chains.logs import LogReader
from omniarb.chains.rpc import RpcClient
from omniarb.dex.balancer.base_pool import BalancerPoolState
from omniarb.dex.balancer.events import (
    POOL_BALANCE_CHANGED_TOPIC,
    POOL_CREATED_TOPIC,
    REREAD_TOPICS,
    SWAP_TOPIC,
)
from omniarb.dex.balancer.logs import apply_balancer_logs, log_pool_address
from omniarb.dex.balancer.pair import BalancerPair, pair_views
from omniarb.dex.balancer.reader import BalancerPoolReader
from omniarb.dex.balancer.stable_pool import ComposableStablePoolState
from omniarb.dex.base import DexDeployment, PoolChanges

__all__ = ["BALANCER_TOPICS", "BalancerBook", "BalancerBookCounters"]

log = logging.getLogger(__name__)

# Every topic a Balancer book reads: the Vault's, the pools' own and the factories'.
BALANCER_TOPICS = (
    SWAP_TOPIC,
    POOL_BALANCE_CHANGED_TOPIC,
    POOL_CREATED_TOPIC,
    *sorted(REREAD_TOPICS),
)
_SKIP_RATE_PROVIDER = "rate-provider"
_SKIP_FOREIGN_VAULT = "foreign-vault"


@dataclass(slots=True)
class BalancerBookCounters:
    """The pools skipped (by reason), re-read after a log or a late block, and the audits'
    figures."""

    skipped: Counter[str] = field(default_factory=Counter)
    reread_pools: int = 0
    checks: int = 0
    checked_pools: int = 0
    drifts: int = 0
    discarded_checks: int = 0


def _address_of(key: str) -> str:
    """The lowercase pool address of a state key or address."""
    return key.split(":", 1)[0].lower()


def _pairs(pools: Iterable[BalancerPoolState]) -> dict[str, BalancerPair]:
    return {view.state_key: view for pool in pools for view in pair_views(pool)}


class BalancerBook:
    """The pools of kind `kind` (`balancer-weighted` or `balancer-stable`) that the DEXes'
    factories made on one chain, as a `PoolBook` of their pairs."""

    noun = "Balancer pools"
    topics = BALANCER_TOPICS

    def __init__(
        self,
        *,
        kind: str,
        rpc: RpcClient,
        chain_id: int,
        dexes: Sequence[DexDeployment],
        check_every_blocks: int = 20,
        check_sample: int = 8,
        logs_range_blocks: int = 100_000,
    ) -> None:
        self.kind = kind
        self.rpc = rpc
        self.chain_id = chain_id
        self.check_every_blocks = check_every_blocks
        self.counters = BalancerBookCounters()
        self._vaults = frozenset(dex.factory.lower() for dex in dexes)
        self._dex_by_factory: dict[str, DexDeployment] = {}
        for dex in dexes:
            pool_factory = dex.pool_factory
            if pool_factory is None:
                raise ValueError(f"Balancer DEX {dex.name} names no pool factory")
            self._dex_by_factory[pool_factory.lower()] = dex
        self._factories = frozenset(self._dex_by_factory)
        self._start_block = min((dex.start_block for dex in dexes), default=0)
        self._created = LogReader(
            rpc=rpc,
            chain_id=chain_id,
            range_blocks=logs_range_blocks,
            topics=(POOL_CREATED_TOPIC,),
            addresses=tuple(str(to_checksum_address(f)) for f in self._factories),
        )
        self._reader = BalancerPoolReader(rpc, chain_id=chain_id)
        self._dex_of: dict[str, DexDeployment] = {}  # pool address (lowercase) -> its DEX
        self._skipped: set[str] = set()
        self._sample = max(check_sample, 1)
        self._last_check = 0
        self._cursor = ""

    async def head(self, block: int | str = "latest") -> NewHead:
        return await read_head(self.rpc, self.chain_id, block)

    async def discover_at(self, head: NewHead) -> tuple[BalancerPair, ...]:
        self._learn(await self._created.by_range(self._start_block, head.number))
        pools = await self._read(list(self._dex_of), head)
        found = [pool for pool in pools.values() if pool is not None]
        self._last_check = head.number
        log.info(
            "chain %d: discovered %d %s pools at block %d; %d skipped (%s)",
            self.chain_id,
            len(found),
            self.kind,
            head.number,
            len(self._skipped),
            dict(self.counters.skipped),
        )
        return tuple(_pairs(found).values())

    async def read(self, pools: Sequence[str], head: NewHead) -> dict[str, BalancerPair | None]:
        fresh = await self._read(list(dict.fromkeys(_address_of(k) for k in pools)), head)
        found: dict[str, BalancerPair | None] = {}
        for key in pools:
            pool = fresh.get(_address_of(key))
            views = _pairs([pool]) if pool is not None else {}
            if key.lower() == _address_of(key):
                found.update(views)  # a pool's address asks for all its pairs
                if not views:
                    found[key.lower()] = None
            else:
                found[key.lower()] = views.get(key.lower())
        return found

    async def changes(
        self,
        pools: Mapping[str, BalancerPair],
        head: NewHead,
        logs: Sequence[ChainLog],
        stale: Sequence[str],
    ) -> PoolChanges[BalancerPair]:
        held = {view.address.lower(): view.pool for view in pools.values()}
        result = apply_balancer_logs(held, logs, vaults=self._vaults, factories=self._factories)
        moving = [a for a, pool in held.items() if _amp_moving(pool)]
        reread = dict.fromkeys(
            [*(_address_of(k) for k in stale), *result.reread, *moving, *result.created]
        )
        fresh = await self._read(list(reread), head) if reread else {}
        self.counters.reread_pools += sum(a not in result.created for a in reread)
        changed = _pairs(p for a, p in result.changed.items() if a not in reread)
        removed: list[str] = []
        for address in reread:
            pool = fresh.get(address)
            gone = [k for k, v in pools.items() if v.address.lower() == address]
            if pool is None:
                removed += gone
                continue
            views = _pairs([pool])
            changed.update(views)
            removed += [k for k in gone if k not in views]
        created = [k for k, v in changed.items() if v.address.lower() in result.created]
        return PoolChanges(changed=changed, removed=tuple(removed), created=tuple(created))

    async def replay(
        self,
        pools: Mapping[str, BalancerPair],
        block_number: int,
        block_logs: Sequence[ChainLog],
        head: NewHead,
    ) -> PoolChanges[BalancerPair]:
        # Balances move by deltas: the block's pools are re-read rather than patched.
        held = {view.address.lower() for view in pools.values()}
        touched: list[str] = []
        for item in block_logs:
            if item.removed or not item.topics:
                continue
            if item.topics[0] == POOL_CREATED_TOPIC:
                if item.address.lower() in self._factories and len(item.topics) == 2:
                    touched.append("0x" + item.topics[1][-40:].lower())
                continue
            named = log_pool_address(item, self._vaults)
            if named is not None and named in held:
                touched.append(named)
        fresh = await self._read(list(dict.fromkeys(touched)), head)
        self.counters.reread_pools += len(fresh)
        changed = _pairs(p for p in fresh.values() if p is not None)
        new = [k for k, v in changed.items() if v.address.lower() not in held]
        return PoolChanges(changed=changed, created=tuple(new))

    def differs(self, old: BalancerPair, new: BalancerPair) -> bool:
        return _settled(old.pool) != _settled(new.pool)

    async def audit(
        self, pools: Mapping[str, BalancerPair], head: NewHead, *, force: bool = False
    ) -> Mapping[str, BalancerPair | None]:
        """When a check is due (or `force`d), the next `check_sample` pools in address order,
        read whole at `head`: the pairs of those that differ from ours (logged as errors), with
        the chain's state; None for a pair whose pool is gone."""
        every = self.check_every_blocks
        due = every > 0 and head.number - self._last_check >= every
        if not pools or not (due or force):
            return {}
        self._last_check = head.number
        held = {view.address.lower(): view.pool for view in pools.values()}
        addresses = sorted(held)
        after = [a for a in addresses if a > self._cursor]
        sample = (after + [a for a in addresses if a <= self._cursor])[: self._sample]
        self._cursor = sample[-1]
        latest_before = (await self.head("latest")).number
        fresh = await self._read(sample, head)
        drifted_pools = [
            a for a in sample if fresh[a] is None or _settled(held[a]) != _settled(fresh[a])
        ]
        self.counters.checks += 1
        self.counters.checked_pools += len(sample)
        if drifted_pools and latest_before == head.number:
            latest_after = (await self.head("latest")).number
            if latest_after != head.number:
                # The node may have answered with the state after a block mined meanwhile.
                self.counters.discarded_checks += 1
                return {}
        drifted: dict[str, BalancerPair | None] = {}
        for address in drifted_pools:
            log.error(
                "chain %d: Balancer pool %s drifted from the chain at block %d",
                self.chain_id,
                address,
                head.number,
            )
            for key, view in pools.items():
                if view.address.lower() == address:
                    drifted[key] = None
            pool = fresh[address]
            if pool is not None:
                drifted.update(_pairs([pool]))
        self.counters.drifts += len(drifted_pools)
        return drifted

    def _learn(self, created_logs: Sequence[ChainLog]) -> None:
        """Remember the pools `PoolCreated` logs of our factories name, with their DEX."""
        for item in created_logs:
            if item.removed or len(item.topics) != 2:
                continue
            dex = self._dex_by_factory.get(item.address.lower())
            if dex is not None:
                self._dex_of.setdefault("0x" + item.topics[1][-40:].lower(), dex)

    async def _learn_created(self, addresses: Sequence[str], head: NewHead) -> None:
        """Learn the DEX of pools a factory just made (their `PoolCreated` logs since the
        start block name the factory)."""
        if any(address not in self._dex_of for address in addresses):
            self._learn(await self._created.by_range(self._start_block, head.number))

    async def _read(
        self, addresses: Sequence[str], head: NewHead
    ) -> dict[str, BalancerPoolState | None]:
        """Fresh states at `head` of the pools at `addresses` (lowercase), by DEX in one read
        each; None for an address that is no pool of ours (unknown, gone, or skipped)."""
        found: dict[str, BalancerPoolState | None] = dict.fromkeys(addresses)
        await self._learn_created(addresses, head)
        by_dex: dict[str, list[str]] = {}
        for address in addresses:
            dex = self._dex_of.get(address)
            if dex is not None:
                by_dex.setdefault(dex.name, []).append(address)
        for dex_name, members in by_dex.items():
            dex = self._dex_of[members[0]]
            states = await self._reader.read_some(members, kind=self.kind, dex=dex_name, at=head)
            for address, state in zip(members, states, strict=True):
                found[address] = None if state is None else self._kept(state, dex)
        return found

    def _kept(self, pool: BalancerPoolState, dex: DexDeployment) -> BalancerPoolState | None:
        """`pool`, unless it is one the book does not price (counted once by reason)."""
        reason: str | None = None
        if pool.vault.lower() != dex.factory.lower():
            reason = _SKIP_FOREIGN_VAULT
        elif pool.has_rate_provider:
            reason = _SKIP_RATE_PROVIDER
        if reason is None:
            return pool
        key = pool.address.lower()
        if key not in self._skipped:
            self._skipped.add(key)
            self.counters.skipped[reason] += 1
        return None


def _amp_moving(pool: BalancerPoolState) -> bool:
    """Whether the pool's amplification changes with every block's timestamp."""
    return isinstance(pool, ComposableStablePoolState) and pool.amp_is_updating


def _settled(pool: BalancerPoolState | None) -> object:
    """What a swap reads of `pool`, without the block it was read at."""
    if pool is None:
        return None
    fields = [
        pool.tokens,
        pool.balances,
        pool.scaling_factors,
        pool.swap_fee_percentage,
        pool.paused,
    ]
    weights = getattr(pool, "normalized_weights", None)
    amp = getattr(pool, "amplification_parameter", None)
    return (*fields, weights, amp)
