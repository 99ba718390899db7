"""A second, literal port of `UniswapV3Pool.swap`'s loop for the tests, and random pools.

It walks the tick bitmap word by word with `nextInitializedTickWithinOneWord` and calls the
ported library functions one by one, as the Solidity does; the production loop
(`omniarb.dex.uniswap_v3.swap`) inlines them and searches sorted ticks, and must agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from omniarb.dex.uniswap_v3.errors import V3RevertError
from omniarb.dex.uniswap_v3.liquidity_math import add_delta
from omniarb.dex.uniswap_v3.pool import V3PoolState
from omniarb.dex.uniswap_v3.swap_math import compute_swap_step
from omniarb.dex.uniswap_v3.tick_bitmap import flip_tick, next_initialized_tick_within_one_word
from omniarb.dex.uniswap_v3.tick_math import (
    MAX_SQRT_RATIO,
    MAX_TICK,
    MIN_SQRT_RATIO,
    MIN_TICK,
    get_sqrt_ratio_at_tick,
    get_tick_at_sqrt_ratio,
)
from omniarb.dex.uniswap_v3.tick_table import TickTable

INT256_LIMIT = 2**255


def reference_swap(
    state: V3PoolState, zero_for_one: bool, amount_specified: int, limit: int | None
) -> tuple[int, int, int, int, int, int]:
    """`(amount0, amount1, sqrt_price_x96, tick, liquidity, crossed, steps)` the slow, literal
    way (`steps`: iterations of the swap loop)."""
    if limit is None:
        limit = MIN_SQRT_RATIO + 1 if zero_for_one else MAX_SQRT_RATIO - 1
    if amount_specified == 0:
        raise V3RevertError("AS")
    if zero_for_one:
        if not MIN_SQRT_RATIO < limit < state.sqrt_price_x96:
            raise V3RevertError("SPL")
    elif not state.sqrt_price_x96 < limit < MAX_SQRT_RATIO:
        raise V3RevertError("SPL")
    bitmap: dict[int, int] = {}
    for tick in state.ticks:
        flip_tick(bitmap, tick, state.tick_spacing)
    exact_input = amount_specified > 0
    remaining, calculated = amount_specified, 0
    sqrt_price, tick, liquidity, crossed = state.sqrt_price_x96, state.tick, state.liquidity, 0
    steps = 0
    while remaining != 0 and sqrt_price != limit:
        steps += 1
        start = sqrt_price
        tick_next, initialized = next_initialized_tick_within_one_word(
            bitmap, tick, state.tick_spacing, zero_for_one
        )
        tick_next = min(max(tick_next, MIN_TICK), MAX_TICK)
        sqrt_next = get_sqrt_ratio_at_tick(tick_next)
        beyond = sqrt_next < limit if zero_for_one else sqrt_next > limit
        sqrt_price, amount_in, amount_out, fee = compute_swap_step(
            sqrt_price, limit if beyond else sqrt_next, liquidity, remaining, state.fee_pips
        )
        if exact_input:
            remaining -= amount_in + fee
            calculated -= amount_out
        else:
            remaining += amount_out
            calculated += amount_in + fee
        if sqrt_price == sqrt_next:
            if initialized:
                net = state.ticks[tick_next]
                liquidity = add_delta(liquidity, -net if zero_for_one else net)
                crossed += 1
            tick = tick_next - 1 if zero_for_one else tick_next
        elif sqrt_price != start:
            tick = get_tick_at_sqrt_ratio(sqrt_price)
    if not -INT256_LIMIT <= calculated < INT256_LIMIT:
        raise V3RevertError("SafeCast.toInt256: overflow")
    spent = amount_specified - remaining
    if zero_for_one == exact_input:
        return spent, calculated, sqrt_price, tick, liquidity, crossed, steps
    return calculated, spent, sqrt_price, tick, liquidity, crossed, steps


@dataclass(frozen=True, slots=True)
class Position:
    tick_lower: int
    tick_upper: int
    liquidity: int


def pool_state(
    *,
    tick_spacing: int,
    fee_pips: int,
    positions: list[Position],
    sqrt_price_x96: int,
    tick: int | None = None,
) -> V3PoolState:
    """A pool with `positions` minted, priced at `sqrt_price_x96`.

    The tick defaults to the price's; pass `tick = T - 1` with the price exactly at tick `T`
    for the state a downward swap leaves when it stops on a tick.
    """
    if tick is None:
        tick = get_tick_at_sqrt_ratio(sqrt_price_x96)
    state = V3PoolState(
        chain_id=1,
        address="0x00000000000000000000000000000000000000b0",
        dex="uniswap-v3",
        factory="0x00000000000000000000000000000000000000f0",
        token0="0x00000000000000000000000000000000000000a0",
        token1="0x00000000000000000000000000000000000000a1",
        fee_pips=fee_pips,
        tick_spacing=tick_spacing,
        sqrt_price_x96=sqrt_price_x96,
        tick=tick,
        liquidity=0,
        ticks=TickTable(),
        block_number=1,
    )
    for position in positions:
        state = state.with_position_change(
            tick_lower=position.tick_lower,
            tick_upper=position.tick_upper,
            liquidity_delta=position.liquidity,
            block_number=1,
        )
    return state


FEES = {500: 10, 3000: 60, 10000: 200, 100: 1}


@st.composite
def pools(draw: st.DrawFn) -> V3PoolState:
    """Random pools: a few to many positions, narrow to full range, gaps without liquidity,
    and sometimes a price resting exactly on an initialized tick."""
    fee_pips = draw(st.sampled_from(sorted(FEES)))
    spacing = FEES[fee_pips]
    center = draw(st.integers(min_value=-300_000, max_value=300_000)) // spacing
    min_usable, max_usable = -(MAX_TICK // spacing), MAX_TICK // spacing
    positions = []
    for _ in range(draw(st.integers(min_value=1, max_value=12))):
        if draw(st.integers(0, 9)) == 0:
            lower, upper = min_usable, max_usable
        else:
            width = draw(st.sampled_from([1, 2, 5, 30, 300, 3000]))
            lower = max(center + draw(st.integers(-width, width)), min_usable)
            upper = min(lower + draw(st.integers(1, 2 * width)), max_usable)
            if lower >= upper:
                continue
        liquidity = draw(st.integers(min_value=1, max_value=2**100))
        positions.append(Position(lower * spacing, upper * spacing, liquidity))
    ticks = sorted({t for p in positions for t in (p.tick_lower, p.tick_upper)})
    if ticks and draw(st.booleans()):
        on_tick = draw(st.sampled_from(ticks))
        sqrt_price = get_sqrt_ratio_at_tick(on_tick)
        below = draw(st.booleans()) and on_tick > MIN_TICK
        return pool_state(
            tick_spacing=spacing,
            fee_pips=fee_pips,
            positions=positions,
            sqrt_price_x96=sqrt_price,
            tick=on_tick - 1 if below else on_tick,
        )
    sqrt_price = get_sqrt_ratio_at_tick(center * spacing) + draw(st.integers(-(2**80), 2**80))
    sqrt_price = min(max(sqrt_price, MIN_SQRT_RATIO + 2), MAX_SQRT_RATIO - 2)
    return pool_state(
        tick_spacing=spacing, fee_pips=fee_pips, positions=positions, sqrt_price_x96=sqrt_price
    )
