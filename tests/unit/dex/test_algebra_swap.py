"""Algebra Integral's swap: the inlined loop (`omniarb.dex.algebra.swap`) equals a loop built
from the line-by-line port of `PriceMovementMath` (`omniarb.dex.algebra.price_movement`), as
`SwapCalculation._calculateSwap` is written, on random pools and swaps; and the state value's
reverts, fee in force and curve."""

from __future__ import annotations

import random
from bisect import bisect_right

import pytest

from omniarb.dex.algebra import AlgebraPoolState, AlgebraRevertError, AlgebraTicks
from omniarb.dex.algebra.price_movement import get_new_price, move_price_towards_target
from omniarb.dex.algebra.swap import calculate_swap
from omniarb.dex.uniswap_v3.tick_math import (
    MAX_SQRT_RATIO,
    MAX_TICK,
    MIN_SQRT_RATIO,
    MIN_TICK,
    get_sqrt_ratio_at_tick,
    get_tick_at_sqrt_ratio,
)

_INT256_MIN = -(1 << 255)


def reference_swap(
    state: AlgebraPoolState, zero_to_one: bool, amount_required: int, limit: int, fee: int
) -> tuple[int, int, int, int, int]:
    """`_calculateSwap` as written: the linked list walked through prev/next pointers."""
    if amount_required == 0:
        raise AlgebraRevertError("zeroAmountRequired")
    if amount_required == _INT256_MIN:
        raise AlgebraRevertError("invalidAmountRequired")
    price, tick, liquidity = state.sqrt_price_x96, state.tick, state.liquidity
    listed = [MIN_TICK, *(t for t in state.ticks if MIN_TICK < t < MAX_TICK), MAX_TICK]
    deltas = dict(state.ticks.items())
    position = bisect_right(listed, tick) - 1
    prev_tick, next_tick = listed[position], listed[position + 1]
    if zero_to_one:
        if limit >= price or limit <= MIN_SQRT_RATIO:
            raise AlgebraRevertError("invalidLimitSqrtPrice")
    elif limit <= price or limit >= MAX_SQRT_RATIO:
        raise AlgebraRevertError("invalidLimitSqrtPrice")
    exact_input = amount_required > 0
    initial, calculated = amount_required, 0
    while True:
        target_tick = prev_tick if zero_to_one else next_tick
        step_price = price
        next_price = get_sqrt_ratio_at_tick(target_tick)
        target = limit if zero_to_one == (next_price < limit) else next_price
        price, amount_in, amount_out, fee_amount = move_price_towards_target(
            zero_to_one, price, target, liquidity, amount_required, fee
        )
        if exact_input:
            amount_required -= amount_in + fee_amount
            calculated -= amount_out
        else:
            amount_required += amount_out
            calculated += amount_in + fee_amount
        if price == next_price:
            index = listed.index(target_tick)
            delta = deltas.get(target_tick, 0)
            if zero_to_one:
                liquidity -= delta
                tick, prev_tick, next_tick = target_tick - 1, listed[index - 1], target_tick
            else:
                liquidity += delta
                tick, prev_tick, next_tick = target_tick, target_tick, listed[index + 1]
            if liquidity < 0:
                raise AlgebraRevertError("liquiditySub")
        elif price != step_price:
            tick = get_tick_at_sqrt_ratio(price)
            break
        if amount_required == 0 or price == limit:
            break
    spent = initial - amount_required
    if zero_to_one == exact_input:
        return spent, calculated, price, tick, liquidity
    return calculated, spent, price, tick, liquidity


def random_state(rng: random.Random) -> AlgebraPoolState:
    spacing = rng.choice([1, 10, 60, 200])
    centre = rng.randint(-200_000, 200_000) // spacing * spacing
    ticks = AlgebraTicks()
    liquidity = 0
    tick = centre + rng.randint(0, spacing - 1)
    for _ in range(rng.randint(0, 25)):
        bottom = centre + rng.randint(-40, 30) * spacing
        top = bottom + rng.randint(1, 40) * spacing
        amount = int(10 ** rng.uniform(3, 24))
        ticks = ticks.with_position_change(bottom, top, amount)
        if bottom <= tick < top:
            liquidity += amount
    low, high = get_sqrt_ratio_at_tick(tick), get_sqrt_ratio_at_tick(tick + 1)
    price = rng.choice([low, rng.randint(low, high - 1)])
    return AlgebraPoolState(
        chain_id=1,
        address="0x" + "11" * 20,
        dex="algebra",
        factory="0x" + "22" * 20,
        token0="0x" + "33" * 20,
        token1="0x" + "44" * 20,
        fee_pips=rng.choice([0, 100, 500, 2500, 10000, 65535]),
        tick_spacing=spacing,
        sqrt_price_x96=price,
        tick=get_tick_at_sqrt_ratio(price),
        liquidity=liquidity,
        ticks=ticks,
        block_number=1,
    )


def test_inlined_loop_equals_the_ported_libraries() -> None:
    rng = random.Random(1)
    crossed_many = 0
    for _ in range(3000):
        state = random_state(rng)
        zero_to_one = rng.random() < 0.5
        magnitude = int(10 ** rng.uniform(0, 30))
        amount = magnitude if rng.random() < 0.7 else -magnitude
        price = state.sqrt_price_x96
        if rng.random() < 0.5:
            limit = MIN_SQRT_RATIO + 1 if zero_to_one else MAX_SQRT_RATIO - 1
        else:
            shift = 10 ** rng.uniform(-6, 0)
            limit = int(price * (1 - shift / 2)) if zero_to_one else int(price * (1 + shift))
            limit = min(max(limit, MIN_SQRT_RATIO + 1), MAX_SQRT_RATIO - 1)
        try:
            expected: object = reference_swap(state, zero_to_one, amount, limit, state.fee_pips)
        except AlgebraRevertError as exc:
            expected = exc.reason
        try:
            table = state.ticks
            outcome = calculate_swap(
                price, state.tick, state.liquidity, state.fee_pips, table.ticks,
                table.liquidity_delta, table.sqrt_prices, zero_to_one, amount, limit,
            )  # fmt: skip
            got: object = outcome[:5]
            crossed_many += outcome[5] >= 5
        except AlgebraRevertError as exc:
            got = exc.reason
        assert got == expected, (state, zero_to_one, amount, limit)
    assert crossed_many >= 200


def test_pool_reverts_like_the_contract() -> None:
    state = random_state(random.Random(3))
    price = state.sqrt_price_x96
    with pytest.raises(AlgebraRevertError, match="zeroAmountRequired"):
        state.swap(zero_for_one=True, amount_specified=0)
    with pytest.raises(AlgebraRevertError, match="invalidAmountRequired"):
        state.swap(zero_for_one=True, amount_specified=_INT256_MIN)
    for zero_for_one, limit in ((True, price), (False, price), (True, MIN_SQRT_RATIO)):
        with pytest.raises(AlgebraRevertError, match="invalidLimitSqrtPrice"):
            state.swap(zero_for_one=zero_for_one, amount_specified=10, sqrt_price_limit_x96=limit)
    with pytest.raises(AlgebraRevertError, match="notInitialized"):
        AlgebraPoolState(**{**_fields(state), "sqrt_price_x96": 0}).swap(
            zero_for_one=True, amount_specified=1
        )
    with pytest.raises(AlgebraRevertError, match="locked"):
        AlgebraPoolState(**{**_fields(state), "unlocked": False}).swap(
            zero_for_one=True, amount_specified=1
        )


def _fields(state: AlgebraPoolState) -> dict[str, object]:
    return {name: getattr(state, name) for name in state.__dataclass_fields__ if name != "kind"}


def test_plugin_fee_raises_the_fee_and_needs_the_dynamic_fee_flag() -> None:
    state = random_state(random.Random(5))
    state = AlgebraPoolState(**{**_fields(state), "fee_pips": 500, "liquidity": 10**20})
    with pytest.raises(AlgebraRevertError, match="dynamicFeeDisabled"):
        state.swap(zero_for_one=True, amount_specified=10**6, plugin_fee_pips=100)
    dynamic = AlgebraPoolState(**{**_fields(state), "plugin_config": 0x81})
    assert dynamic.fee_may_be_overridden
    assert dynamic.fee_in_force(0, 100) == 600
    assert dynamic.fee_in_force(3000, 100) == 3100
    with pytest.raises(AlgebraRevertError, match="incorrectPluginFee"):
        dynamic.fee_in_force(999_000, 1000)
    plain = dynamic.swap(zero_for_one=True, amount_specified=10**9)
    charged = dynamic.swap(zero_for_one=True, amount_specified=10**9, plugin_fee_pips=100)
    assert (plain.fee_pips, charged.fee_pips) == (500, 600)
    assert charged.amount_out < plain.amount_out


def test_get_new_price_short_cuts_zero_and_rounds_in_the_pools_favour() -> None:
    price, liquidity = 2**96, 10**18
    assert get_new_price(price, liquidity, 0, True, True) == price
    down = get_new_price(price, liquidity, 10**15, True, True)
    up = get_new_price(price, liquidity, 10**15, False, True)
    assert down < price < up
    with pytest.raises(AlgebraRevertError):
        get_new_price(price, 0, 1, True, True)


def test_curve_pieces_bound_the_exact_swaps() -> None:
    rng = random.Random(8)
    for _ in range(200):
        state = random_state(rng)
        zero_for_one = rng.random() < 0.5
        curve = state.piecewise(zero_for_one)
        for piece in list(curve.pieces())[:6]:
            amount = (piece.amount_in_before + piece.amount_in_end) // 2
            exact = curve.exact_out(amount)
            if exact is not None and amount > 0:
                assert exact <= piece.map().value_floor(amount)
