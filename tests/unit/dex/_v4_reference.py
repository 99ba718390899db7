"""A literal port of v4-core `Pool.swap` for the tests, assembled from the line-by-line ports
(`uniswap_v4.swap_math.compute_swap_step`, v3's `TickBitmap` walk, which v4 keeps bit for
bit), and random V4 pools built from `_v3_reference`'s random V3 pools.

The production loop (`omniarb.dex.uniswap_v4.swap`) inlines the same and must agree.
"""

from __future__ import annotations

from hypothesis import strategies as st

from omniarb.dex.uniswap_v3.pool import V3PoolState
from omniarb.dex.uniswap_v3.tick_bitmap import flip_tick, next_initialized_tick_within_one_word
from omniarb.dex.uniswap_v3.tick_math import (
    MAX_SQRT_RATIO,
    MAX_TICK,
    MIN_SQRT_RATIO,
    MIN_TICK,
    get_sqrt_ratio_at_tick,
    get_tick_at_sqrt_ratio,
)
from omniarb.dex.uniswap_v4 import PoolKey, V4PoolState, V4RevertError, pool_address, swap_fee
from omniarb.dex.uniswap_v4.swap_math import compute_swap_step, get_sqrt_price_target

INT128_LIMIT = 2**127
TOKEN0 = "0x00000000000000000000000000000000000000a0"
TOKEN1 = "0x00000000000000000000000000000000000000a1"
MANAGER = "0x00000000000000000000000000000000000000f0"


def v4_of(state: V3PoolState, *, lp_fee: int, protocol_fee: int) -> V4PoolState:
    """The V3 pool's price, tick, liquidity and ticks as a hookless V4 pool with these fees."""
    key = PoolKey(currency0=TOKEN0, currency1=TOKEN1, fee=lp_fee, tick_spacing=state.tick_spacing)
    return V4PoolState(
        chain_id=1,
        address=pool_address(key.pool_id),
        dex="uniswap-v4",
        factory=MANAGER,
        token0=key.currency0,
        token1=key.currency1,
        pool_id=key.pool_id,
        key=key,
        sqrt_price_x96=state.sqrt_price_x96,
        tick=state.tick,
        liquidity=state.liquidity,
        protocol_fee=protocol_fee,
        fee_pips=lp_fee,
        ticks=state.ticks,
        block_number=1,
    )


lp_fees = st.one_of(
    st.sampled_from([0, 100, 500, 3000, 10000, 999_999, 1_000_000]),
    st.integers(min_value=0, max_value=1_000_000),
)
protocol_fees = st.one_of(
    st.just(0),
    st.builds(
        lambda a, b: a | (b << 12),
        st.integers(min_value=0, max_value=1000),
        st.integers(min_value=0, max_value=1000),
    ),
)


def reference_swap(
    state: V4PoolState, zero_for_one: bool, amount_specified: int, limit: int | None
) -> tuple[int, int, int, int, int, int, int]:
    """`(amount0, amount1, sqrt_price_x96, tick, liquidity, crossed, steps)` of
    `PoolManager.swap` the slow, literal way."""
    if limit is None:
        limit = MIN_SQRT_RATIO + 1 if zero_for_one else MAX_SQRT_RATIO - 1
    if amount_specified == 0:
        raise V4RevertError("SwapAmountCannotBeZero")
    fee = swap_fee(state.protocol_fee, state.fee_pips, zero_for_one)
    if fee >= 1_000_000 and amount_specified > 0:
        raise V4RevertError("InvalidFeeForExactOut")
    price = state.sqrt_price_x96
    if zero_for_one:
        if limit >= price:
            raise V4RevertError("PriceLimitAlreadyExceeded")
        if limit <= MIN_SQRT_RATIO:
            raise V4RevertError("PriceLimitOutOfBounds")
    else:
        if limit <= price:
            raise V4RevertError("PriceLimitAlreadyExceeded")
        if limit >= MAX_SQRT_RATIO:
            raise V4RevertError("PriceLimitOutOfBounds")
    spacing = state.key.tick_spacing
    bitmap: dict[int, int] = {}
    for tick in state.ticks:
        flip_tick(bitmap, tick, spacing)
    remaining, calculated = amount_specified, 0
    sqrt_price, tick, liquidity = price, state.tick, state.liquidity
    crossed = steps = 0
    while not (remaining == 0 or sqrt_price == limit):
        steps += 1
        start = sqrt_price
        tick_next, initialized = next_initialized_tick_within_one_word(
            bitmap, tick, spacing, zero_for_one
        )
        tick_next = MIN_TICK if tick_next <= MIN_TICK else tick_next
        tick_next = MAX_TICK if tick_next >= MAX_TICK else tick_next
        sqrt_next = get_sqrt_ratio_at_tick(tick_next)
        sqrt_price, amount_in, amount_out, fee_amount = compute_swap_step(
            sqrt_price,
            get_sqrt_price_target(zero_for_one, sqrt_next, limit),
            liquidity,
            remaining,
            fee,
        )
        if amount_specified > 0:
            remaining -= amount_out
            calculated -= amount_in + fee_amount
        else:
            remaining += amount_in + fee_amount
            calculated += amount_out
        if sqrt_price == sqrt_next:
            if initialized:
                net = state.ticks[tick_next]
                liquidity += -net if zero_for_one else net
                if not 0 <= liquidity < 2**128:
                    raise V4RevertError("SafeCastOverflow")
                crossed += 1
            tick = tick_next - 1 if zero_for_one else tick_next
        elif sqrt_price != start:
            tick = get_tick_at_sqrt_ratio(sqrt_price)
    used = amount_specified - remaining
    for value in (used, calculated):
        if not -INT128_LIMIT <= value < INT128_LIMIT:
            raise V4RevertError("SafeCastOverflow")
    if zero_for_one != (amount_specified < 0):
        return calculated, used, sqrt_price, tick, liquidity, crossed, steps
    return used, calculated, sqrt_price, tick, liquidity, crossed, steps
