"""PoolManager logs: decoding, pure application to a state, and discovery from `Initialize`,
which keeps hookless pools and skips hooked ones with their reason."""

from __future__ import annotations

from eth_abi import encode

from omniarb.chain_events import ChainLog
from omniarb.dex.uniswap_v4 import (
    DYNAMIC_FEE_FLAG,
    PoolKey,
    SkipReason,
    apply_v4_logs,
    discover_pools,
    pool_address,
    skip_reason,
)
from omniarb.dex.uniswap_v4.events import (
    INITIALIZE_TOPIC,
    MODIFY_LIQUIDITY_TOPIC,
    PROTOCOL_FEE_UPDATED_TOPIC,
    SWAP_TOPIC,
)

MANAGER = "0x00000000000000000000000000000000000000f0"
TOKEN0 = "0x00000000000000000000000000000000000000a0"
TOKEN1 = "0x00000000000000000000000000000000000000a1"
SENDER = "0x" + "00" * 12 + "11" * 20
KEY = PoolKey(currency0=TOKEN0, currency1=TOKEN1, fee=3000, tick_spacing=60)
HOOK_ON_SWAP = "0x00000000000000000000000000000000000040c0"
HOOK_ON_LIQUIDITY = "0x0000000000000000000000000000000000004800"


def log(topics: list[str], types: list[str], values: list[object], index: int) -> ChainLog:
    return ChainLog(
        chain_id=1,
        address=MANAGER,
        topics=tuple(topics),
        data="0x" + encode(types, values).hex(),
        block_number=10 + index // 10,
        block_hash="0x" + "00" * 32,
        log_index=index,
        transaction_hash="0x" + "00" * 32,
        removed=False,
        received_ns=0,
    )


def initialize(key: PoolKey, sqrt_price: int, tick: int, index: int) -> ChainLog:
    return log(
        [
            INITIALIZE_TOPIC,
            key.pool_id,
            "0x" + "00" * 12 + key.currency0[2:],
            "0x" + "00" * 12 + key.currency1[2:],
        ],
        ["uint24", "int24", "address", "uint160", "int24"],
        [key.fee, key.tick_spacing, key.hooks, sqrt_price, tick],
        index,
    )


def modify(lower: int, upper: int, delta: int, index: int) -> ChainLog:
    return log(
        [MODIFY_LIQUIDITY_TOPIC, KEY.pool_id, SENDER],
        ["int24", "int24", "int256", "bytes32"],
        [lower, upper, delta, b"\x00" * 32],
        index,
    )


def test_skip_reasons() -> None:
    assert skip_reason(KEY) is None
    on_swap = PoolKey(
        currency0=TOKEN0, currency1=TOKEN1, fee=3000, tick_spacing=60, hooks=HOOK_ON_SWAP
    )
    assert skip_reason(on_swap) is SkipReason.SWAP_HOOK
    other = PoolKey(
        currency0=TOKEN0, currency1=TOKEN1, fee=3000, tick_spacing=60, hooks=HOOK_ON_LIQUIDITY
    )
    assert skip_reason(other) is SkipReason.OTHER_HOOK
    dynamic = PoolKey(
        currency0=TOKEN0,
        currency1=TOKEN1,
        fee=DYNAMIC_FEE_FLAG,
        tick_spacing=60,
        hooks=HOOK_ON_SWAP,
    )
    assert skip_reason(dynamic) is SkipReason.DYNAMIC_FEE


def test_discovery_keeps_hookless_pools_and_counts_the_rest() -> None:
    hooked = PoolKey(
        currency0=TOKEN0, currency1=TOKEN1, fee=500, tick_spacing=10, hooks=HOOK_ON_SWAP
    )
    logs = [initialize(KEY, 2**96, 0, 1), initialize(hooked, 2**96, 0, 2)]
    found = discover_pools(logs, managers={MANAGER: "uniswap-v4"}, chain_id=1)
    (state,) = found.pools.values()
    assert state.address == pool_address(KEY.pool_id)
    assert (state.key, state.fee_pips, state.liquidity, state.sqrt_price_x96) == (
        KEY,
        3000,
        0,
        2**96,
    )
    assert found.skipped == {hooked.pool_id: SkipReason.SWAP_HOOK}
    assert found.skipped_by_reason == {SkipReason.SWAP_HOOK: 1}
    assert discover_pools(logs, managers={}, chain_id=1).pools == {}


def test_logs_build_the_state_a_swap_reads() -> None:
    swap = log(
        [SWAP_TOPIC, KEY.pool_id, SENDER],
        ["int128", "int128", "uint160", "uint128", "int24", "uint24"],
        [-1000, 990, 2**96 - 5, 12000, -1, 3000],
        23,
    )
    fee = log([PROTOCOL_FEE_UPDATED_TOPIC, KEY.pool_id], ["uint24"], [1000 | (7 << 12)], 24)
    logs = [
        fee,
        swap,
        modify(-120, 60, 7000, 21),
        modify(-60, 120, 5000, 22),
        modify(-120, 60, -7000, 25),  # taken back after the swap left the tick at -1
        initialize(KEY, 2**96, 0, 1),
    ]
    managers = {MANAGER: "uniswap-v4"}
    found = discover_pools(logs, managers=managers, chain_id=1)
    applied = apply_v4_logs(found.pools, logs, managers=managers, chain_id=1)
    (state,) = applied.changed.values()
    assert (state.sqrt_price_x96, state.tick, state.protocol_fee) == (
        2**96 - 5,
        -1,
        1000 | (7 << 12),
    )
    assert state.liquidity == 5000  # the Swap log's 12000, less the range taken back
    assert dict(state.ticks) == {-60: 5000, 120: -5000}
    assert state.block_number == 12
    assert not applied.broken
    assert applied.created == []


NATIVE = "0x0000000000000000000000000000000000000000"
WRAPPED = "0x00000000000000000000000000000000000000C0"  # sorts above TOKEN1, as WETH may


def test_a_pool_of_the_native_coin_is_traded_as_the_wrapped_token() -> None:
    native_key = PoolKey(currency0=NATIVE, currency1=TOKEN1, fee=3000, tick_spacing=60)
    logs = [initialize(native_key, 2**96, 0, 1), initialize(KEY, 2**96, 0, 2)]
    managers = {MANAGER: "uniswap-v4"}
    found = discover_pools(logs, managers=managers, chain_id=1, wrapped_native=WRAPPED)
    native = found.pools[pool_address(native_key.pool_id).lower()]
    # Its tokens are what routes carry, in the key's order (the native coin is currency 0);
    # the key keeps the native coin, and `currency` maps back to it.
    assert (native.token0.lower(), native.token1.lower()) == (WRAPPED.lower(), TOKEN1)
    assert native.key == native_key
    assert native.currency(WRAPPED) == NATIVE
    assert native.currency(TOKEN1).lower() == TOKEN1
    # Selling either name of the native coin is the same zero-for-one swap.
    assert native.zero_for_one(WRAPPED)
    assert native.zero_for_one(NATIVE)
    assert not native.zero_for_one(TOKEN1)
    # Other pools are untouched, and without a wrapped token the native coin keeps address 0.
    plain = found.pools[pool_address(KEY.pool_id).lower()]
    assert plain.token0.lower() == plain.currency(TOKEN0).lower() == TOKEN0
    unmapped = discover_pools(logs, managers=managers, chain_id=1)
    assert unmapped.pools[pool_address(native_key.pool_id).lower()].token0 == NATIVE
    # A pool created by a later `Initialize` is mapped the same way.
    applied = apply_v4_logs({}, logs[:1], managers=managers, chain_id=1, wrapped_native=WRAPPED)
    (created,) = applied.changed.values()
    assert created == native
