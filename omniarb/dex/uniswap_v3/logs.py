"""Uniswap V3 pool logs applied to pool states, as a pure function, and read from a node.

Every change to what a swap reads (`slot0`'s price and tick, the active liquidity, the ticks'
liquidity) is announced by a log of v3-core `UniswapV3Pool`:
- `Initialize(sqrtPriceX96, tick)` once, when the pool gets its first price;
- `Swap(..., sqrtPriceX96, liquidity, tick)` with the state after the swap, whole;
- `Mint(sender, owner, tickLower, tickUpper, amount, ...)` and `Burn(owner, tickLower, tickUpper,
  amount, ...)` with the position's liquidity change, which `_modifyPosition` applies to both
  ends' ticks and, when the current tick is inside the range, to the active liquidity. A delta
  depends on the tick at that moment, so logs are applied in (block, log index) order.
`UniswapV3Factory.createPool` emits `PoolCreated(token0, token1, fee, tickSpacing, pool)` before
any log of the new pool, which starts uninitialized (price 0, locked). Nothing else moves these
fields (`Flash`, `Collect` and the protocol-fee events leave them alone).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from eth_utils.address import to_checksum_address

from omniarb.chain_events import ChainLog
from omniarb.dex.uniswap_v3.errors import V3RevertError
from omniarb.dex.uniswap_v3.events import (
    BURN_TOPIC,
    INITIALIZE_TOPIC,
    MINT_TOPIC,
    POOL_CREATED_TOPIC,
    SWAP_TOPIC,
)
from omniarb.dex.uniswap_v3.flavour import UNISWAP_V3_FLAVOUR, V3Flavour
from omniarb.dex.uniswap_v3.pool import V3PoolState
from omniarb.dex.uniswap_v3.tick_table import TickTable

__all__ = [
    "BURN_TOPIC",
    "INITIALIZE_TOPIC",
    "MINT_TOPIC",
    "POOL_CREATED_TOPIC",
    "SWAP_TOPIC",
    "V3_TOPICS",
    "AppliedV3Logs",
    "PoolCreated",
    "apply_v3_logs",
    "decode_pool_created",
    "new_pool_state",
]

V3_TOPICS = (SWAP_TOPIC, MINT_TOPIC, BURN_TOPIC, INITIALIZE_TOPIC, POOL_CREATED_TOPIC)

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
class PoolCreated:
    """A `PoolCreated` log: lowercase addresses, as logs carry them."""

    factory: str
    pool: str
    token0: str
    token1: str
    fee_pips: int
    tick_spacing: int
    block_number: int


def decode_pool_created(log: ChainLog) -> PoolCreated:
    if len(log.topics) != 4:
        raise ValueError(f"PoolCreated log with {len(log.topics)} topics")
    spacing, pool = _words(log, 2)
    return PoolCreated(
        factory=log.address,
        pool=f"0x{pool:040x}",
        token0="0x" + log.topics[1][-40:],
        token1="0x" + log.topics[2][-40:],
        fee_pips=int(log.topics[3], 16),
        tick_spacing=_signed(spacing),
        block_number=log.block_number,
    )


def new_pool_state(
    created: PoolCreated,
    *,
    chain_id: int,
    dex: str,
    state_type: type[V3PoolState] = V3PoolState,
) -> V3PoolState:
    """A pool as `createPool` leaves it: no price yet, so locked (`slot0.unlocked` false)."""
    return state_type(
        chain_id=chain_id,
        address=str(to_checksum_address(created.pool)),
        dex=dex,
        factory=str(to_checksum_address(created.factory)),
        token0=str(to_checksum_address(created.token0)),
        token1=str(to_checksum_address(created.token1)),
        fee_pips=created.fee_pips,
        tick_spacing=created.tick_spacing,
        sqrt_price_x96=0,
        tick=0,
        liquidity=0,
        ticks=TickTable(),
        block_number=created.block_number,
        unlocked=False,
    )


@dataclass(slots=True)
class AppliedV3Logs:
    """What a run of logs changed: states by lowercase address, the pools it created, and the
    pools a log could not be applied to (a burn of more than a tick holds: our state is wrong,
    the caller re-reads them)."""

    changed: dict[str, V3PoolState] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    broken: set[str] = field(default_factory=set)
    ignored: int = 0


def _applied(state: V3PoolState, log: ChainLog, flavour: V3Flavour) -> V3PoolState:
    topic = log.topics[0]
    block = log.block_number
    if topic == flavour.swap_topic:
        _amount0, _amount1, sqrt_price_x96, liquidity, tick, *_ = _words(log, flavour.swap_words)
        return replace(
            state,
            sqrt_price_x96=sqrt_price_x96,
            liquidity=liquidity,
            tick=_signed(tick),
            block_number=block,
        )
    if topic == MINT_TOPIC:
        _sender, amount, _amount0, _amount1 = _words(log, 4)
        delta = amount
    elif topic == BURN_TOPIC:
        amount, _amount0, _amount1 = _words(log, 3)
        delta = -amount
    else:  # INITIALIZE_TOPIC
        sqrt_price_x96, tick = _words(log, 2)
        return replace(
            state,
            sqrt_price_x96=sqrt_price_x96,
            tick=_signed(tick),
            unlocked=True,
            block_number=block,
        )
    return state.with_position_change(
        tick_lower=_topic_int(log, 2),
        tick_upper=_topic_int(log, 3),
        liquidity_delta=delta,
        block_number=block,
    )


def apply_v3_logs(
    pools: Mapping[str, V3PoolState],
    logs: Iterable[ChainLog],
    *,
    factories: Mapping[str, str],
    chain_id: int,
    flavour: V3Flavour = UNISWAP_V3_FLAVOUR,
) -> AppliedV3Logs:
    """Apply `logs` in (block, log index) order to `pools` (keyed by lowercase address).

    Returns the changed states without touching `pools` (all of `flavour`). `factories` maps
    lowercase factory addresses to DEX names; `PoolCreated` of other factories, logs of pools
    we do not know and other topics are ignored and counted. Removed logs are skipped: reorgs
    are repaired from block hashes. A pool a log cannot be applied to is reported in `broken`
    and takes no further logs in this run.
    """
    result = AppliedV3Logs()
    pool_topics = frozenset((flavour.swap_topic, MINT_TOPIC, BURN_TOPIC, INITIALIZE_TOPIC))
    for log in sorted(logs, key=lambda entry: (entry.block_number, entry.log_index)):
        if log.removed or not log.topics:
            continue
        topic = log.topics[0]
        if topic in pool_topics:
            state = result.changed.get(log.address) or pools.get(log.address)
            if state is None or log.address in result.broken:
                result.ignored += 1
                continue
            try:
                result.changed[log.address] = _applied(state, log, flavour)
            except (V3RevertError, ValueError):
                result.broken.add(log.address)
        elif topic == POOL_CREATED_TOPIC:
            dex = factories.get(log.address)
            if dex is None:
                result.ignored += 1
                continue
            created = decode_pool_created(log)
            if created.pool in pools or created.pool in result.changed:
                continue  # seen before, e.g. by discovery at a later block than this log
            result.changed[created.pool] = new_pool_state(
                created, chain_id=chain_id, dex=dex, state_type=flavour.state_type
            )
            result.created.append(created.pool)
        else:
            result.ignored += 1
    return result
