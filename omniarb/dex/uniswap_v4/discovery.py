"""Which V4 pools omni-arb trades, found from the PoolManager's `Initialize` logs.

A V4 pool is created by `PoolManager.initialize`, which logs its whole key; nothing else names
it (keys are not stored on chain, so a pool cannot be read without its key). A pool whose key
has a hooks contract is skipped and counted with its reason: a hook runs code of its own around
swaps and liquidity changes (it can take a fee, return deltas, override the LP fee, even swap
itself), so no simulation of the plain pool can be trusted for it. Only hookless pools remain,
and those have a static LP fee (`Hooks.isValidHookAddress` refuses a dynamic fee without one).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from eth_utils.address import to_checksum_address

from omniarb.chain_events import ChainLog
from omniarb.dex.uniswap_v3.tick_table import TickTable
from omniarb.dex.uniswap_v4.events import INITIALIZE_TOPIC, InitializeLog, decode_initialize
from omniarb.dex.uniswap_v4.pool import V4PoolState, route_tokens
from omniarb.dex.uniswap_v4.pool_key import PoolKey, pool_address

__all__ = [
    "BEFORE_SWAP_FLAG",
    "HOOK_FLAG_MASK",
    "SkipReason",
    "V4Discovery",
    "discover_pools",
    "new_pool_state",
    "skip_reason",
]

# `Hooks.sol`: a hook's permissions are the low 14 bits of its address.
HOOK_FLAG_MASK = (1 << 14) - 1
BEFORE_SWAP_FLAG = 1 << 7
AFTER_SWAP_FLAG = 1 << 6
BEFORE_SWAP_RETURNS_DELTA_FLAG = 1 << 3
AFTER_SWAP_RETURNS_DELTA_FLAG = 1 << 2
_SWAP_FLAGS = (
    BEFORE_SWAP_FLAG
    | AFTER_SWAP_FLAG
    | BEFORE_SWAP_RETURNS_DELTA_FLAG
    | AFTER_SWAP_RETURNS_DELTA_FLAG
)


class SkipReason(StrEnum):
    """Why discovery leaves a pool out (every reason is a hook: see the module docstring)."""

    DYNAMIC_FEE = "hook-dynamic-fee"  # the hook sets the LP fee, without an event
    SWAP_HOOK = "hook-on-swap"  # the hook runs before or after every swap
    OTHER_HOOK = "hook"  # the hook runs on other actions only, and may still swap


def skip_reason(key: PoolKey) -> SkipReason | None:
    """Why a pool with this key is not traded; None for a hookless pool (traded)."""
    if not key.has_hooks:
        return None
    if key.is_dynamic_fee:
        return SkipReason.DYNAMIC_FEE
    if int(key.hooks, 16) & _SWAP_FLAGS:
        return SkipReason.SWAP_HOOK
    return SkipReason.OTHER_HOOK


def new_pool_state(
    initialized: InitializeLog, *, chain_id: int, dex: str, wrapped_native: str | None = None
) -> V4PoolState:
    """A pool as `Pool.initialize` leaves it: the logged price and tick, the key's LP fee
    (`LPFeeLibrary.getInitialLPFee`: a hookless key's fee is static), no protocol fee, no
    liquidity and no ticks; the native coin traded as `wrapped_native` (`route_tokens`)."""
    key = initialized.key
    token0, token1 = route_tokens(key, wrapped_native)
    return V4PoolState(
        chain_id=chain_id,
        address=pool_address(initialized.pool_id),
        dex=dex,
        factory=str(to_checksum_address(initialized.manager)),
        token0=token0,
        token1=token1,
        pool_id=initialized.pool_id,
        key=key,
        sqrt_price_x96=initialized.sqrt_price_x96,
        tick=initialized.tick,
        liquidity=0,
        protocol_fee=0,
        fee_pips=0 if key.is_dynamic_fee else key.fee,
        ticks=TickTable(),
        block_number=initialized.block_number,
    )


@dataclass(slots=True)
class V4Discovery:
    """What a run of `Initialize` logs found: the traded pools as `Initialize` left them (by
    lowercase pool address), and the skipped ones by pool id with their reasons."""

    pools: dict[str, V4PoolState] = field(default_factory=dict)
    skipped: dict[str, SkipReason] = field(default_factory=dict)

    @property
    def skipped_by_reason(self) -> Counter[SkipReason]:
        return Counter(self.skipped.values())


def discover_pools(
    logs: Iterable[ChainLog],
    *,
    managers: Mapping[str, str],
    chain_id: int,
    wrapped_native: str | None = None,
) -> V4Discovery:
    """The pools `Initialize` logs of the PoolManagers in `managers` (lowercase address -> DEX
    name) create, hookless ones kept and hooked ones skipped with their reason. Other logs are
    ignored. Their states still need the liquidity logged after `Initialize`: a reader
    (`V4PoolReader`) or the logs since (`apply_v4_logs`) bring them up to date. A pool of the
    native coin trades it as `wrapped_native` (`route_tokens`)."""
    found = V4Discovery()
    for log in logs:
        if log.removed or not log.topics or log.topics[0] != INITIALIZE_TOPIC:
            continue
        dex = managers.get(log.address.lower())
        if dex is None:
            continue
        initialized = decode_initialize(log)
        reason = skip_reason(initialized.key)
        if reason is not None:
            found.skipped[initialized.pool_id] = reason
            continue
        state = new_pool_state(
            initialized, chain_id=chain_id, dex=dex, wrapped_native=wrapped_native
        )
        found.pools[state.address.lower()] = state
    return found
