"""The events of the Uniswap V4 PoolManager (v4-core `IPoolManager`, `IProtocolFees`), by topic
0, with their decoders: defined once for everything that reads them.

Every V4 pool of a chain logs through the one PoolManager; topic 1 is the pool's id. What a
hookless swap reads changes only with `Initialize` (once: the whole `slot0`, the LP fee from
the key), `Swap` (price, liquidity and tick after, whole), `ModifyLiquidity` (a position's
liquidity delta, applied to its ticks and, inside the range, the active liquidity) and
`ProtocolFeeUpdated` (the pool's packed protocol fee). `Donate` only moves fee growth. A
dynamic LP fee changes without any event (`updateDynamicLPFee`): only a hook can set one, and
hooked pools are not traded (`omniarb.dex.uniswap_v4.discovery`).
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_utils.address import to_checksum_address

from omniarb.chain_events import ChainLog
from omniarb.dex.uniswap_v4.pool_key import PoolKey

__all__ = [
    "DONATE_TOPIC",
    "INITIALIZE_TOPIC",
    "MODIFY_LIQUIDITY_TOPIC",
    "PROTOCOL_FEE_UPDATED_TOPIC",
    "STATE_TOPICS",
    "SWAP_TOPIC",
    "V4_TOPICS",
    "InitializeLog",
    "ModifyLiquidityLog",
    "ProtocolFeeUpdatedLog",
    "SwapLog",
    "decode_initialize",
    "decode_modify_liquidity",
    "decode_protocol_fee_updated",
    "decode_swap",
]

# keccak of Initialize(bytes32,address,address,uint24,int24,address,uint160,int24),
# ModifyLiquidity(bytes32,address,int24,int24,int256,bytes32),
# Swap(bytes32,address,int128,int128,uint160,uint128,int24,uint24),
# Donate(bytes32,address,uint256,uint256) and ProtocolFeeUpdated(bytes32,uint24).
INITIALIZE_TOPIC = "0xdd466e674ea557f56295e2d0218a125ea4b4f0f6f3307b95f85e6110838d6438"
MODIFY_LIQUIDITY_TOPIC = "0xf208f4912782fd25c7f114ca3723a2d5dd6f3bcc3ac8db5af63baa85f711d5ec"
SWAP_TOPIC = "0x40e9cecb9f5f1f1c5b9c97dec2917b7ee92e57ba5563708daca94dd84ad7112f"
DONATE_TOPIC = "0x29ef05caaff9404b7cb6d1c0e9bbae9eaa7ab2541feba1a9c4248594c08156cb"
PROTOCOL_FEE_UPDATED_TOPIC = "0xe9c42593e71f84403b84352cd168d693e2c9fcd1fdbcc3feb21d92b43e6696f9"

# The events after which a trade priced before them no longer holds.
STATE_TOPICS = frozenset({SWAP_TOPIC, MODIFY_LIQUIDITY_TOPIC, PROTOCOL_FEE_UPDATED_TOPIC})
# Every topic a V4 book reads.
V4_TOPICS = (
    SWAP_TOPIC,
    MODIFY_LIQUIDITY_TOPIC,
    INITIALIZE_TOPIC,
    PROTOCOL_FEE_UPDATED_TOPIC,
)

_WORD = 1 << 256


def _signed(word: int) -> int:
    return word - _WORD if word >> 255 else word


def _words(log: ChainLog, count: int) -> list[int]:
    data = log.data.removeprefix("0x")
    if len(data) != 64 * count:
        raise ValueError(f"log with {len(data) // 2} data bytes, expected {32 * count}")
    return [int(data[i : i + 64], 16) for i in range(0, len(data), 64)]


def _topics(log: ChainLog, count: int) -> tuple[str, ...]:
    if len(log.topics) != count:
        raise ValueError(f"log with {len(log.topics)} topics, expected {count}")
    return log.topics


@dataclass(frozen=True, slots=True, kw_only=True)
class InitializeLog:
    """`Initialize(id, currency0, currency1, fee, tickSpacing, hooks, sqrtPriceX96, tick)`."""

    manager: str
    pool_id: str
    key: PoolKey
    sqrt_price_x96: int
    tick: int
    block_number: int


def decode_initialize(log: ChainLog) -> InitializeLog:
    _, pool_id, currency0, currency1 = _topics(log, 4)
    fee, spacing, hooks, sqrt_price_x96, tick = _words(log, 5)
    key = PoolKey(
        currency0="0x" + currency0[-40:],
        currency1="0x" + currency1[-40:],
        fee=fee,
        tick_spacing=_signed(spacing),
        hooks=str(to_checksum_address(f"0x{hooks:040x}")),
    )
    return InitializeLog(
        manager=log.address,
        pool_id=pool_id.lower(),
        key=key,
        sqrt_price_x96=sqrt_price_x96,
        tick=_signed(tick),
        block_number=log.block_number,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class SwapLog:
    """`Swap(id, sender, amount0, amount1, sqrtPriceX96, liquidity, tick, fee)`: the caller's
    `BalanceDelta` (negative: paid in), the pool's state after, and the swap fee charged."""

    pool_id: str
    sender: str
    amount0: int
    amount1: int
    sqrt_price_x96: int
    liquidity: int
    tick: int
    fee_pips: int


def decode_swap(log: ChainLog) -> SwapLog:
    _, pool_id, sender = _topics(log, 3)
    amount0, amount1, sqrt_price_x96, liquidity, tick, fee = _words(log, 6)
    return SwapLog(
        pool_id=pool_id.lower(),
        sender="0x" + sender[-40:],
        amount0=_signed(amount0),
        amount1=_signed(amount1),
        sqrt_price_x96=sqrt_price_x96,
        liquidity=liquidity,
        tick=_signed(tick),
        fee_pips=fee,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ModifyLiquidityLog:
    """`ModifyLiquidity(id, sender, tickLower, tickUpper, liquidityDelta, salt)`."""

    pool_id: str
    sender: str
    tick_lower: int
    tick_upper: int
    liquidity_delta: int
    salt: str


def decode_modify_liquidity(log: ChainLog) -> ModifyLiquidityLog:
    _, pool_id, sender = _topics(log, 3)
    lower, upper, delta, salt = _words(log, 4)
    return ModifyLiquidityLog(
        pool_id=pool_id.lower(),
        sender="0x" + sender[-40:],
        tick_lower=_signed(lower),
        tick_upper=_signed(upper),
        liquidity_delta=_signed(delta),
        salt=f"0x{salt:064x}",
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ProtocolFeeUpdatedLog:
    """`ProtocolFeeUpdated(id, protocolFee)`: both directions' fees, 12 bits each."""

    pool_id: str
    protocol_fee: int


def decode_protocol_fee_updated(log: ChainLog) -> ProtocolFeeUpdatedLog:
    _, pool_id = _topics(log, 2)
    (protocol_fee,) = _words(log, 1)
    return ProtocolFeeUpdatedLog(pool_id=pool_id.lower(), protocol_fee=protocol_fee)
