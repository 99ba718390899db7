"""Algebra Integral pool logs applied to pool states, as pure functions.

Every change to what a swap reads is announced by a log of `AlgebraPool` (1.2.10):
- `Initialize(price, tick)` once, with the first price; `initialize` then logs `Fee`,
  `TickSpacing` and `CommunityFee` with the factory's defaults;
- `Swap(..., price, liquidity, tick)` with the state after the swap, whole;
- `Mint(sender, owner, bottomTick, topTick, liquidityAmount, ...)` and `Burn(owner, bottomTick,
  topTick, liquidityAmount, ...)` with a position's liquidity change, which
  `_updatePositionTicksAndFees` applies to both ends' ticks and, when the current tick is
  inside the range, to the active liquidity: a delta depends on the tick at that moment, so
  logs are applied in (block, log index) order;
- `Fee(fee)` (`setFee`: an administrator, or a dynamic-fee plugin), `TickSpacing`,
  `CommunityFee`, `Plugin` and `PluginConfig` with the new value.
`AlgebraFactory` logs `Pool(token0, token1, pool)` after the pool's constructor ran, so a
pool's first logs (`Plugin`, maybe `PluginConfig`) come before it: the pools a run of logs
creates are created before any log is applied. `SwapFee`, `BurnFee`, `Collect`, `Flash` and
the reserve events leave the state alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from eth_utils.address import to_checksum_address

from omniarb.chain_events import ChainLog
from omniarb.dex.algebra.errors import AlgebraRevertError
from omniarb.dex.algebra.events import (
    BURN_TOPIC,
    COMMUNITY_FEE_TOPIC,
    FEE_TOPIC,
    INITIALIZE_TOPIC,
    MINT_TOPIC,
    PLUGIN_CONFIG_TOPIC,
    PLUGIN_TOPIC,
    POOL_TOPIC,
    SWAP_TOPIC,
    TICK_SPACING_TOPIC,
)
from omniarb.dex.algebra.pool import AlgebraPoolState
from omniarb.dex.algebra.ticks import AlgebraTicks

__all__ = [
    "ALGEBRA_TOPICS",
    "AlgebraPoolCreated",
    "AppliedAlgebraLogs",
    "apply_algebra_log",
    "apply_algebra_logs",
    "decode_pool_created",
    "new_pool_state",
]

_POOL_TOPICS = frozenset(
    (
        SWAP_TOPIC,
        MINT_TOPIC,
        BURN_TOPIC,
        INITIALIZE_TOPIC,
        FEE_TOPIC,
        TICK_SPACING_TOPIC,
        COMMUNITY_FEE_TOPIC,
        PLUGIN_TOPIC,
        PLUGIN_CONFIG_TOPIC,
    )
)
# Topic 0 of every log the state is kept from.
ALGEBRA_TOPICS = (*sorted(_POOL_TOPICS), POOL_TOPIC)

_WORD = 1 << 256


def _words(log: ChainLog, count: int) -> list[int]:
    data = log.data.removeprefix("0x")
    if len(data) != 64 * count:
        raise ValueError(f"log with {len(data) // 2} data bytes, expected {32 * count}")
    return [int(data[i : i + 64], 16) for i in range(0, len(data), 64)]


def _signed(word: int) -> int:
    return word - _WORD if word >> 255 else word


def _topic_int(log: ChainLog, index: int) -> int:
    if len(log.topics) <= index:
        raise ValueError(f"log with {len(log.topics)} topics")
    return _signed(int(log.topics[index], 16))


@dataclass(frozen=True, slots=True, kw_only=True)
class AlgebraPoolCreated:
    """A factory's `Pool` log: lowercase addresses, as logs carry them."""

    factory: str
    pool: str
    token0: str
    token1: str
    block_number: int


def decode_pool_created(log: ChainLog) -> AlgebraPoolCreated:
    """`AlgebraFactory`'s `Pool(address indexed token0, address indexed token1, address pool)`."""
    if len(log.topics) != 3 or log.topics[0] != POOL_TOPIC:
        raise ValueError("not a Pool log")
    (pool,) = _words(log, 1)
    return AlgebraPoolCreated(
        factory=log.address,
        pool=f"0x{pool:040x}",
        token0="0x" + log.topics[1][-40:],
        token1="0x" + log.topics[2][-40:],
        block_number=log.block_number,
    )


def new_pool_state(created: AlgebraPoolCreated, *, chain_id: int, dex: str) -> AlgebraPoolState:
    """A pool as `createPool` leaves it: no price, fee or tick spacing until `initialize`."""
    return AlgebraPoolState(
        chain_id=chain_id,
        address=str(to_checksum_address(created.pool)),
        dex=dex,
        factory=str(to_checksum_address(created.factory)),
        token0=str(to_checksum_address(created.token0)),
        token1=str(to_checksum_address(created.token1)),
        fee_pips=0,
        tick_spacing=0,
        sqrt_price_x96=0,
        tick=0,
        liquidity=0,
        ticks=AlgebraTicks(),
        block_number=created.block_number,
    )


def apply_algebra_log(state: AlgebraPoolState, log: ChainLog) -> AlgebraPoolState:
    """`state` after one of its pool's logs (a topic of another event leaves it as it is).

    Raises `AlgebraRevertError` for a log that cannot follow `state` (a burn of more than a
    tick holds: the state is wrong) and `ValueError` for a malformed log.
    """
    topic = log.topics[0]
    block = log.block_number
    if topic == SWAP_TOPIC:
        _amount0, _amount1, price, liquidity, tick = _words(log, 5)
        return replace(
            state, sqrt_price_x96=price, liquidity=liquidity, tick=_signed(tick), block_number=block
        )
    if topic in (MINT_TOPIC, BURN_TOPIC):
        if topic == MINT_TOPIC:
            _sender, amount, _amount0, _amount1 = _words(log, 4)
            delta = amount
        else:
            amount, _amount0, _amount1 = _words(log, 3)
            delta = -amount
        return state.with_position_change(
            bottom_tick=_topic_int(log, 2),
            top_tick=_topic_int(log, 3),
            liquidity_delta=delta,
            block_number=block,
        )
    if topic == INITIALIZE_TOPIC:
        price, tick = _words(log, 2)
        return replace(state, sqrt_price_x96=price, tick=_signed(tick), block_number=block)
    if topic == FEE_TOPIC:
        (fee,) = _words(log, 1)
        return replace(state, fee_pips=fee, block_number=block)
    if topic == TICK_SPACING_TOPIC:
        (spacing,) = _words(log, 1)
        return replace(state, tick_spacing=_signed(spacing), block_number=block)
    if topic == COMMUNITY_FEE_TOPIC:
        (community_fee,) = _words(log, 1)
        return replace(state, community_fee=community_fee, block_number=block)
    if topic == PLUGIN_TOPIC:
        (plugin,) = _words(log, 1)
        address = str(to_checksum_address(f"0x{plugin:040x}"))
        return replace(state, plugin=address, block_number=block)
    if topic == PLUGIN_CONFIG_TOPIC:
        (config,) = _words(log, 1)
        return replace(state, plugin_config=config, block_number=block)
    return state


@dataclass(slots=True)
class AppliedAlgebraLogs:
    """What a run of logs changed: states by lowercase address, the pools it created, and the
    pools a log could not be applied to (the caller re-reads them)."""

    changed: dict[str, AlgebraPoolState] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    broken: set[str] = field(default_factory=set)
    ignored: int = 0


def apply_algebra_logs(
    pools: Mapping[str, AlgebraPoolState],
    logs: Iterable[ChainLog],
    *,
    factories: Mapping[str, str],
    chain_id: int,
) -> AppliedAlgebraLogs:
    """Apply `logs` to `pools` (keyed by lowercase address) in (block, log index) order.

    Returns the changed states without touching `pools`. `factories` maps lowercase factory
    addresses to DEX names; `Pool` logs of other factories, logs of pools we do not know and
    other topics are ignored and counted. Removed logs are skipped (reorgs are repaired from
    block hashes). A pool a log cannot be applied to is reported in `broken` and takes no
    further logs in this run.
    """
    result = AppliedAlgebraLogs()
    ordered = sorted(
        (entry for entry in logs if not entry.removed and entry.topics),
        key=lambda entry: (entry.block_number, entry.log_index),
    )
    for log in ordered:
        if log.topics[0] != POOL_TOPIC:
            continue
        dex = factories.get(log.address)
        if dex is None:
            result.ignored += 1
            continue
        created = decode_pool_created(log)
        if created.pool in pools or created.pool in result.changed:
            continue  # seen before, e.g. by discovery at a later block than this log
        result.changed[created.pool] = new_pool_state(created, chain_id=chain_id, dex=dex)
        result.created.append(created.pool)
    for log in ordered:
        topic = log.topics[0]
        if topic == POOL_TOPIC:
            continue
        if topic not in _POOL_TOPICS:
            result.ignored += 1
            continue
        state = result.changed.get(log.address) or pools.get(log.address)
        if state is None or log.address in result.broken:
            result.ignored += 1
            continue
        try:
            result.changed[log.address] = apply_algebra_log(state, log)
        except (AlgebraRevertError, ValueError):
            result.broken.add(log.address)
    return result
