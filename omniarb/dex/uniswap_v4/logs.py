"""Uniswap V4 PoolManager logs applied to pool states, as a pure function.

The logs name pools by id (topic 1); states are keyed, like every kind's, by lowercase address
(`pool_address(pool_id)`). `Swap` carries the state after the swap whole; `ModifyLiquidity`
carries a position's liquidity delta, which `Pool.modifyLiquidity` applies to both ends' ticks
and, when `tickLower <= slot0.tick < tickUpper` at that moment, to the active liquidity, so
logs are applied in (block, log index) order; `ProtocolFeeUpdated` replaces the packed protocol
fee; `Initialize` creates a pool (hooked pools are skipped, `discovery.skip_reason`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from omniarb.chain_events import ChainLog
from omniarb.dex.uniswap_v4.discovery import SkipReason, new_pool_state, skip_reason
from omniarb.dex.uniswap_v4.errors import V4RevertError
from omniarb.dex.uniswap_v4.events import (
    INITIALIZE_TOPIC,
    MODIFY_LIQUIDITY_TOPIC,
    PROTOCOL_FEE_UPDATED_TOPIC,
    SWAP_TOPIC,
    decode_initialize,
    decode_modify_liquidity,
    decode_protocol_fee_updated,
    decode_swap,
)
from omniarb.dex.uniswap_v4.pool import V4PoolState
from omniarb.dex.uniswap_v4.pool_key import pool_address

__all__ = ["AppliedV4Logs", "apply_v4_log", "apply_v4_logs"]

_POOL_TOPICS = frozenset((SWAP_TOPIC, MODIFY_LIQUIDITY_TOPIC, PROTOCOL_FEE_UPDATED_TOPIC))


def apply_v4_log(state: V4PoolState, log: ChainLog) -> V4PoolState:
    """The state after one `Swap`, `ModifyLiquidity` or `ProtocolFeeUpdated` log of its pool."""
    topic = log.topics[0]
    block = log.block_number
    if topic == SWAP_TOPIC:
        swap = decode_swap(log)
        return replace(
            state,
            sqrt_price_x96=swap.sqrt_price_x96,
            liquidity=swap.liquidity,
            tick=swap.tick,
            block_number=block,
        )
    if topic == MODIFY_LIQUIDITY_TOPIC:
        change = decode_modify_liquidity(log)
        return state.with_position_change(
            tick_lower=change.tick_lower,
            tick_upper=change.tick_upper,
            liquidity_delta=change.liquidity_delta,
            block_number=block,
        )
    if topic == PROTOCOL_FEE_UPDATED_TOPIC:
        updated = decode_protocol_fee_updated(log)
        return replace(state, protocol_fee=updated.protocol_fee, block_number=block)
    raise ValueError(f"not a V4 pool-state log: topic {topic}")


@dataclass(slots=True)
class AppliedV4Logs:
    """What a run of logs changed: states by lowercase pool address, the pools it created, the
    hooked pools it skipped (by pool id, with the reason), and the pools a log could not be
    applied to (our state is wrong: the caller re-reads them)."""

    changed: dict[str, V4PoolState] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    skipped: dict[str, SkipReason] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)
    ignored: int = 0


def apply_v4_logs(
    pools: Mapping[str, V4PoolState],
    logs: Iterable[ChainLog],
    *,
    managers: Mapping[str, str],
    chain_id: int,
    wrapped_native: str | None = None,
) -> AppliedV4Logs:
    """Apply `logs` in (block, log index) order to `pools` (keyed by lowercase pool address).

    Returns the changed states without touching `pools`. `managers` maps lowercase PoolManager
    addresses to DEX names; logs of other contracts, of pools we do not know (hooked ones
    among them) and other topics are ignored and counted. Removed logs are skipped: reorgs are
    repaired from block hashes. A pool a log cannot be applied to is reported in `broken` and
    takes no further logs in this run. A pool created here trades the native coin as
    `wrapped_native` (`route_tokens`).
    """
    result = AppliedV4Logs()
    for log in sorted(logs, key=lambda entry: (entry.block_number, entry.log_index)):
        if log.removed or not log.topics:
            continue
        dex = managers.get(log.address.lower())
        topic = log.topics[0]
        if dex is None or len(log.topics) < 2:
            result.ignored += 1
            continue
        key = pool_address(log.topics[1]).lower()
        if topic in _POOL_TOPICS:
            state = result.changed.get(key) or pools.get(key)
            if state is None or key in result.broken:
                result.ignored += 1
                continue
            try:
                result.changed[key] = apply_v4_log(state, log)
            except (V4RevertError, ValueError):
                result.broken.add(key)
        elif topic == INITIALIZE_TOPIC:
            initialized = decode_initialize(log)
            reason = skip_reason(initialized.key)
            if reason is not None:
                result.skipped[initialized.pool_id] = reason
                continue
            if key in pools or key in result.changed:
                continue  # seen before, e.g. by discovery at a later block than this log
            result.changed[key] = new_pool_state(
                initialized, chain_id=chain_id, dex=dex, wrapped_native=wrapped_native
            )
            result.created.append(key)
        else:
            result.ignored += 1
    return result
