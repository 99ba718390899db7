"""Uniswap V4 pools kept exact block by block from the PoolManagers' logs: the kind's `PoolBook`.

A V4 pool is known only by its key, which `Initialize` logs once (nothing on chain stores it),
so the book remembers every hookless key it has seen: discovery lists `Initialize` logs of the
managers from block 0 and reads each pool whole through its DEX's StateView
(`V4PoolReader`); afterwards `Swap`, `ModifyLiquidity`, `ProtocolFeeUpdated` and new
`Initialize` logs are applied in log order (`apply_v4_logs`). Hooked pools are skipped and
counted by reason, whether found by discovery or by a later `Initialize` (a hook can change
any swap, so no simulation of the plain pool holds for it).

As with V3, `ModifyLiquidity` carries deltas, so every repair re-reads rather than replays: a
reorg re-reads every pool the dropped blocks touched, a log that cannot be applied or arrives
after its block was applied re-reads that block's pools at our head. Every `check_every_blocks`
blocks a sample of pools has its `slot0` and liquidity compared with the chain's (`audit`, one
round trip: a full read walks every bitmap word, 6,933 `eth_call`s for a pool of spacing 1),
and a pool that differs is read whole.

A pool of the native coin is traded as the chain's wrapped native token (the deployments'
`wrapped_native`; `pool.route_tokens`), so the detector joins it to that token's other pools;
its key keeps the native coin, which the executor unwraps into and wraps out of.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from eth_utils.address import to_checksum_address

from omniarb.chain_events import ChainLog, NewHead
from omniarb.chains.blocks import read_head
from omniarb.chains.logs import LogReader
from omniarb.chains.rpc import RpcClient
from omniarb.dex.base import DexDeployment, PoolChanges
from omniarb.dex.rereads import reread_into
from omniarb.dex.uniswap_v4.discovery import SkipReason, discover_pools, skip_reason
from omniarb.dex.uniswap_v4.events import INITIALIZE_TOPIC, V4_TOPICS, decode_initialize
from omniarb.dex.uniswap_v4.logs import apply_v4_logs
from omniarb.dex.uniswap_v4.pool import KIND, V4PoolState
from omniarb.dex.uniswap_v4.pool_key import PoolKey, pool_address
from omniarb.dex.uniswap_v4.reader import V4PoolReader

__all__ = ["UniswapV4Book", "V4BookCounters"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class V4BookCounters:
    """The hooked pools skipped (by reason), the pools re-read after a late or unappliable log,
    and the consistency checks' figures."""

    skipped: Counter[SkipReason] = field(default_factory=Counter)
    reread_pools: int = 0
    checks: int = 0
    checked_pools: int = 0
    drifts: int = 0


@dataclass(frozen=True, slots=True)
class _Manager:
    dex: str
    reader: V4PoolReader


class UniswapV4Book:
    """The hookless pools of the V4 DEXes `dexes` (each a PoolManager with its StateView as
    `lens`) on one chain, as a `PoolBook`."""

    kind = KIND
    noun = "V4 pools"
    topics = V4_TOPICS

    def __init__(
        self,
        *,
        rpc: RpcClient,
        chain_id: int,
        dexes: Sequence[DexDeployment],
        check_every_blocks: int = 20,
        check_sample: int = 8,
        logs_range_blocks: int = 100_000,
    ) -> None:
        self.rpc = rpc
        self.chain_id = chain_id
        self.check_every_blocks = check_every_blocks
        self.counters = V4BookCounters()
        self._managers: dict[str, _Manager] = {}
        # The chain's wrapped native token, which its pools of the native coin trade as.
        wrapped = {dex.wrapped_native for dex in dexes if dex.wrapped_native is not None}
        if len({token.lower() for token in wrapped}) > 1:
            raise ValueError(f"V4 DEXes of chain {chain_id} name several wrapped native tokens")
        self.wrapped_native = next(iter(wrapped), None)
        for dex in dexes:
            if dex.lens is None:
                raise ValueError(f"V4 DEX {dex.name} has no StateView (its `lens`)")
            reader = V4PoolReader(
                rpc,
                chain_id=chain_id,
                pool_manager=dex.factory,
                state_view=dex.lens,
                wrapped_native=self.wrapped_native,
            )
            self._managers[dex.factory.lower()] = _Manager(dex=dex.name, reader=reader)
        self._names = {address: m.dex for address, m in self._managers.items()}
        self._initialized = LogReader(
            rpc=rpc,
            chain_id=chain_id,
            range_blocks=logs_range_blocks,
            topics=(INITIALIZE_TOPIC,),
            addresses=tuple(str(to_checksum_address(a)) for a in self._managers),
        )
        # Pool address (lowercase) -> (manager, key): keys are on chain only in `Initialize`.
        self._keys: dict[str, tuple[str, PoolKey]] = {}
        self._skipped: set[str] = set()
        self._sample = max(check_sample, 1)
        self._last_check = 0
        self._next_checked = 0

    async def head(self, block: int | str = "latest") -> NewHead:
        return await read_head(self.rpc, self.chain_id, block)

    async def discover_at(self, head: NewHead) -> tuple[V4PoolState, ...]:
        logs = await self._initialized.by_range(0, head.number)
        found = discover_pools(
            logs,
            managers=self._names,
            chain_id=self.chain_id,
            wrapped_native=self.wrapped_native,
        )
        for pool_id, reason in found.skipped.items():
            self._skip(pool_id, reason)
        for key, state in found.pools.items():
            self._keys[key] = (state.factory.lower(), state.key)
        states = await self._read(list(found.pools), head)
        pools = tuple(state for state in states.values() if state is not None)
        self._last_check = head.number
        log.info(
            "chain %d: discovered %d V4 pools at block %d; %d hooked pools skipped (%s)",
            self.chain_id,
            len(pools),
            head.number,
            len(self._skipped),
            dict(self.counters.skipped),
        )
        return pools

    @property
    def skipped(self) -> Counter[SkipReason]:
        """The hooked pools seen so far, by reason."""
        return Counter(self.counters.skipped)

    async def read(self, pools: Sequence[str], head: NewHead) -> dict[str, V4PoolState | None]:
        return await self._read([key.lower() for key in pools], head)

    async def changes(
        self,
        pools: Mapping[str, V4PoolState],
        head: NewHead,
        logs: Sequence[ChainLog],
        stale: Sequence[str],
    ) -> PoolChanges[V4PoolState]:
        result = apply_v4_logs(
            pools,
            logs,
            managers=self._names,
            chain_id=self.chain_id,
            wrapped_native=self.wrapped_native,
        )
        for pool_id, reason in result.skipped.items():
            self._skip(pool_id, reason)
        changed = result.changed
        for key in result.created:
            created = changed[key]
            self._keys[key] = (created.factory.lower(), created.key)
        step = await reread_into(
            changed,
            stale=stale,
            broken=list(result.broken),
            created=result.created,
            read=lambda keys: self._read(keys, head),
            chain_id=self.chain_id,
            block_number=head.number,
            noun="V4",
        )
        self.counters.reread_pools += step.reread
        return step.changes

    async def replay(
        self,
        pools: Mapping[str, V4PoolState],
        block_number: int,
        block_logs: Sequence[ChainLog],
        head: NewHead,
    ) -> PoolChanges[V4PoolState]:
        # Deltas cannot be slotted in after the fact: every pool the block touched is re-read.
        touched: list[str] = []
        created: list[str] = []
        for item in block_logs:
            manager = item.address.lower()
            if manager not in self._managers or len(item.topics) < 2:
                continue
            key = pool_address(item.topics[1]).lower()
            if item.topics[0] == INITIALIZE_TOPIC:
                initialized = decode_initialize(item)
                reason = skip_reason(initialized.key)
                if reason is not None:
                    self._skip(initialized.pool_id, reason)
                    continue
                self._keys.setdefault(key, (manager, initialized.key))
                if key not in pools:
                    created.append(key)
            if key in self._keys and key not in touched:
                touched.append(key)
        fresh = await self._read(touched, head)
        changed = {k: s for k, s in fresh.items() if s is not None}
        self.counters.reread_pools += len(changed)
        return PoolChanges(changed=changed, created=tuple(k for k in created if k in changed))

    def differs(self, old: V4PoolState, new: V4PoolState) -> bool:
        return (
            old.sqrt_price_x96,
            old.tick,
            old.liquidity,
            old.protocol_fee,
            old.fee_pips,
            old.ticks,
        ) != (
            new.sqrt_price_x96,
            new.tick,
            new.liquidity,
            new.protocol_fee,
            new.fee_pips,
            new.ticks,
        )

    async def audit(
        self, pools: Mapping[str, V4PoolState], head: NewHead, *, force: bool = False
    ) -> Mapping[str, V4PoolState | None]:
        """When a check is due (or `force`d), the next `check_sample` pools in turn: those
        whose price, tick, fees or active liquidity differ from the chain's at `head`, read
        whole (logged as errors)."""
        every = self.check_every_blocks
        due = every > 0 and head.number - self._last_check >= every
        if not pools or not (due or force):
            return {}
        self._last_check = head.number
        keys = sorted(pools)
        start = self._next_checked % len(keys)
        sample = (keys[start:] + keys[:start])[: self._sample]
        self._next_checked = start + len(sample)
        drifted: dict[str, V4PoolState | None] = {}
        by_manager: dict[str, list[V4PoolState]] = {}
        for key in sample:
            by_manager.setdefault(pools[key].factory.lower(), []).append(pools[key])
        for manager, states in by_manager.items():
            heads = await self._managers[manager].reader.read_heads(
                [s.key for s in states], block=head.number
            )
            for state, chain_head in zip(states, heads, strict=True):
                kept = (
                    state.sqrt_price_x96,
                    state.tick,
                    state.protocol_fee,
                    state.fee_pips,
                    state.liquidity,
                )
                if kept != chain_head:
                    drifted[state.address.lower()] = None
        if drifted:
            drifted.update(await self._read(list(drifted), head))
        self.counters.checks += 1
        self.counters.checked_pools += len(sample)
        self.counters.drifts += len(drifted)
        for key in drifted:
            log.error(
                "chain %d: V4 pool %s drifted from the chain at %d", self.chain_id, key, head.number
            )
        return drifted

    def _skip(self, pool_id: str, reason: SkipReason) -> None:
        if pool_id not in self._skipped:
            self._skipped.add(pool_id)
            self.counters.skipped[reason] += 1

    async def _read(self, keys: Sequence[str], head: NewHead) -> dict[str, V4PoolState | None]:
        """Fresh states at `head` of the pools at `keys` (lowercase), by manager in one read
        each; None for a pool that is not initialized (or hooked). A key not seen yet is looked
        for in the managers' `Initialize` logs first."""
        found: dict[str, V4PoolState | None] = dict.fromkeys(keys)
        if any(key not in self._keys for key in keys):
            logs = await self._initialized.by_range(0, head.number)
            seen = discover_pools(logs, managers=self._names, chain_id=self.chain_id)
            for key, state in seen.pools.items():
                self._keys.setdefault(key, (state.factory.lower(), state.key))
        by_manager: dict[str, list[str]] = {}
        for key in keys:
            known = self._keys.get(key)
            if known is not None:
                by_manager.setdefault(known[0], []).append(key)
        for manager, members in by_manager.items():
            entry = self._managers[manager]
            states = await entry.reader.read_some(
                [self._keys[k][1] for k in members], dex=entry.dex, block=head.number
            )
            found.update(zip(members, states, strict=True))
        return found
