"""`dex.uniswap_v3.segments`: a V3 hop as Möbius pieces, one per tick range, checked against
the exact pool simulation (`V3PoolState.swap`) and against the virtual-reserve formula in
fractions."""

from __future__ import annotations

import itertools
from dataclasses import replace
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from omniarb.dex.curves import FractionalMap
from omniarb.dex.uniswap_v3.pool import V3PoolState
from omniarb.dex.uniswap_v3.segments import V3Segment, segments
from omniarb.dex.uniswap_v3.tick_math import get_sqrt_ratio_at_tick

from ._mixed_world import USDC, WETH, Band, v3_pool

Q96 = 2**96


def value(piece: FractionalMap, x: int | Fraction) -> Fraction:
    return Fraction(piece.a * x + piece.b) / (piece.c * x + piece.d)


def slope(piece: FractionalMap, x: int) -> Fraction:
    return Fraction(piece.determinant, (piece.c * x + piece.d) ** 2)


def pool(**overrides: object) -> V3PoolState:
    """WETH/USDC 0.05%: wide, medium and several narrow positions around the price."""
    settings: dict[str, object] = {
        "fee_pips": 500,
        "bands": [Band(400, 3e6), Band(40, 5e6), Band(2, 2e6), Band(0, 2e6, shift=3)],
        "full_range_usd": 1e6,
    }
    settings.update(overrides)
    return v3_pool(1, WETH, USDC, **settings)  # type: ignore[arg-type]


def test_first_piece_is_a_v2_pair_on_the_virtual_reserves_with_the_fee_on_input() -> None:
    state = pool()
    sqrt_price = Fraction(state.sqrt_price_x96, Q96)
    x0, y0 = state.liquidity / sqrt_price, state.liquidity * sqrt_price
    gamma = Fraction(1_000_000 - state.fee_pips, 1_000_000)
    for zero_for_one, (r_in, r_out) in ((True, (x0, y0)), (False, (y0, x0))):
        first = next(segments(state, zero_for_one))
        assert first.liquidity == state.liquidity
        assert first.sqrt_price_start_x96 == state.sqrt_price_x96
        assert (first.amount_in_before, first.amount_out_before) == (0, 0)
        for u in (1, 10**6, first.amount_in_span // 3, first.amount_in_span):
            assert value(first.map(), u) == gamma * r_out * u / (r_in + gamma * u)


def test_the_fee_is_taken_from_the_input_before_the_step() -> None:
    """With fee f the piece pays what the fee-free piece pays for u·(1e6 − f)/1e6."""
    with_fee = next(segments(pool(fee_pips=3000), True))
    free = replace(with_fee, fee_pips=0)
    for u in (7, 10**9, 10**17):
        assert value(with_fee.map(), u) == value(free.map(), Fraction(u * 997_000, 1_000_000))


def test_pieces_end_at_the_initialized_ticks_with_the_pools_liquidity() -> None:
    state = pool()
    for zero_for_one in (True, False):
        pieces = list(segments(state, zero_for_one))
        assert len(pieces) >= 4
        for before, after in itertools.pairwise(pieces):
            assert after.sqrt_price_start_x96 == before.sqrt_price_end_x96
            assert after.amount_in_before == before.amount_in_end
            assert after.amount_out_before == before.amount_out_end
            # The end is an initialized tick's price, and the pool, swapping exactly to it,
            # leaves with the next piece's liquidity.
            index = state.ticks.sqrt_prices.index(before.sqrt_price_end_x96)
            result = state.swap(
                zero_for_one=zero_for_one,
                amount_specified=10**40,
                sqrt_price_limit_x96=before.sqrt_price_end_x96,
            )
            assert result.liquidity == after.liquidity
            assert state.ticks.ticks[index] == (result.tick + 1 if zero_for_one else result.tick)
            # It takes at least the pieces' continuous input (the pool rounds up, and stops at
            # bitmap-word edges too) and pays at most their output, within a few units.
            assert 0 <= result.amount_in - before.amount_in_end <= 4 * len(pieces)
            assert 0 <= before.amount_out_end - result.amount_out <= 4 * len(pieces) * 3 * 10**8


def test_the_hop_is_continuous_with_a_continuous_slope_across_ticks() -> None:
    state = pool()
    for zero_for_one in (True, False):
        pieces = list(segments(state, zero_for_one))
        for before, after in itertools.pairwise(pieces):
            u = after.amount_in_before
            # Within the output of one input unit (the offsets are rounded to whole units).
            assert abs(value(before.map(), u) - value(after.map(), u)) <= slope(after.map(), u) + 2
            # γ·price on both sides of the tick (the offsets' rounding moves it a hair).
            assert abs(slope(before.map(), u) / slope(after.map(), u) - 1) < Fraction(1, 10**9)
            assert slope(after.map(), u) < slope(before.map(), before.amount_in_before)


def test_a_range_without_liquidity_is_crossed_for_free() -> None:
    """Positions above and below a gap: the first piece starts beyond the gap."""
    state = pool(bands=[Band(3, 2e6, shift=-6), Band(3, 2e6, shift=6)], full_range_usd=0.0)
    assert state.liquidity == 0
    down, up = next(segments(state, True)), next(segments(state, False))
    below = max(t for t in state.ticks if t <= state.tick)
    above = min(t for t in state.ticks if t > state.tick)
    assert down.sqrt_price_start_x96 == get_sqrt_ratio_at_tick(below)
    assert up.sqrt_price_start_x96 == get_sqrt_ratio_at_tick(above)
    assert down.amount_in_before == up.amount_in_before == 0
    # The pool agrees: a swap through the gap pays what the piece starting beyond it pays.
    result = state.swap(zero_for_one=False, amount_specified=10**6)
    assert 0 <= value(up.map(), 10**6) - result.amount_out <= 4 * 3 * 10**8


def test_a_price_resting_on_a_tick_follows_the_pools_tick() -> None:
    """At a tick's price the pool's `tick` decides whether a downward swap crosses it first."""
    base = pool()
    tick = base.ticks.ticks[len(base.ticks) // 2]
    price = get_sqrt_ratio_at_tick(tick)
    from_below = replace(base, sqrt_price_x96=price, tick=tick)
    from_above = replace(base, sqrt_price_x96=price, tick=tick - 1)
    net = base.ticks[tick]
    liquidity_above = sum(n for t, n in base.ticks.items() if t <= tick)
    liquidity_below = liquidity_above - net
    from_below = replace(from_below, liquidity=liquidity_above)
    from_above = replace(from_above, liquidity=liquidity_below)
    # From below (tick == T): a downward swap crosses T at once, upward it does not.
    assert next(segments(from_below, True)).liquidity == liquidity_below
    assert next(segments(from_below, False)).liquidity == liquidity_above
    # From above (tick == T − 1): T is already crossed.
    assert next(segments(from_above, True)).liquidity == liquidity_below
    assert next(segments(from_above, False)).liquidity == liquidity_above
    for state in (from_below, from_above):
        for zero_for_one in (True, False):
            piece = next(segments(state, zero_for_one))
            result = state.swap(zero_for_one=zero_for_one, amount_specified=10**9)
            assert result.liquidity == piece.liquidity


def test_the_last_piece_ends_where_the_liquidity_does() -> None:
    state = pool(bands=[Band(2, 2e6)], full_range_usd=0.0)
    for zero_for_one in (True, False):
        pieces = list(segments(state, zero_for_one))
        end = pieces[-1].sqrt_price_end_x96
        edge = state.ticks.sqrt_prices[0 if zero_for_one else -1]
        assert end == edge
        capacity = pieces[-1].amount_in_end
        # Just short of the capacity the pool takes everything; beyond it, it cannot.
        inside = state.swap(zero_for_one=zero_for_one, amount_specified=capacity - 10)
        beyond = state.swap(zero_for_one=zero_for_one, amount_specified=capacity + 10)
        assert inside.amount_in == capacity - 10
        assert beyond.amount_in < capacity + 10


def _piece_at(pieces: list[V3Segment], u: int) -> V3Segment | None:
    for piece in pieces:
        if piece.amount_in_before <= u <= piece.amount_in_end:
            return piece
    return None


@settings(max_examples=60, deadline=None)
@given(
    fee=st.sampled_from([100, 500, 3000, 10000]),
    widths=st.lists(st.integers(0, 30), min_size=1, max_size=6),
    shifts=st.lists(st.integers(-8, 8), min_size=6, max_size=6),
    zero_for_one=st.booleans(),
    fraction=st.fractions(min_value=0, max_value=1),
    skew_ticks=st.floats(min_value=-5, max_value=5),
)
def test_the_pool_never_pays_more_than_its_piece(
    fee: int,
    widths: list[int],
    shifts: list[int],
    zero_for_one: bool,
    fraction: Fraction,
    skew_ticks: float,
) -> None:
    """Every exact swap pays at most the continuous piece map (the bound the certificate uses),
    and at most a few input units' worth less."""
    bands = [
        Band(w, 1e6 * (i + 1), shift=s)
        for i, (w, s) in enumerate(zip(widths, shifts, strict=False))
    ]
    state = v3_pool(1, WETH, USDC, fee_pips=fee, bands=bands, price_shift_ticks=skew_ticks * 10)
    pieces = list(segments(state, zero_for_one))
    if not pieces:
        return
    u = max(int(pieces[-1].amount_in_end * fraction), 1)
    piece = _piece_at(pieces, u)
    assert piece is not None
    result = state.swap(zero_for_one=zero_for_one, amount_specified=u)
    if result.amount_in != u:
        return  # beyond the (rounded-down) capacity
    continuous = value(piece.map(), u)
    assert result.amount_out <= continuous
    # The pool rounds each step's input by a unit or two: the rate at the start prices that.
    rate = slope(pieces[0].map(), 0)
    steps = result.initialized_ticks_crossed + 4
    assert continuous - result.amount_out <= steps * (3 * rate + 2)


def test_screen_reserves_price_the_pool_with_its_deepest_liquidity() -> None:
    state = pool(bands=[Band(400, 3e6), Band(2, 9e6, shift=5)])
    reserve0, reserve1 = state.screen_reserves()
    price = Fraction(state.sqrt_price_x96**2, 2**192)
    assert abs(Fraction(reserve1, reserve0) / price - 1) < Fraction(1, 10**12)
    deepest = max(piece.liquidity for z in (True, False) for piece in segments(state, z))
    assert deepest > state.liquidity
    assert abs(reserve0 - Fraction(deepest * Q96, state.sqrt_price_x96)) <= 1


def test_fractional_maps_compose_invert_and_peak() -> None:
    f = FractionalMap(7, 3, 2, 11)
    g = FractionalMap.mobius(5 * 10**6, 4 * 10**6, 3)
    both = f.then(g)
    for x in (0, 1, 5, 1000):
        assert value(both, x) == value(g, value(f, x))
    y = 3
    low, high = f.preimage_floor(y), f.preimage_ceil(y)
    assert low is not None
    assert high is not None
    assert value(f, low) <= y <= value(f, high)
    assert high - low <= 1
    assert f.preimage_floor(4) is None  # 7/2 is the asymptote: never reached
    peak = g.optimum()
    assert peak is not None
    assert g.slope_above_one(peak - 1)
    assert not g.slope_above_one(peak + 1)
    best = max(value(g, x) - x for x in range(peak - 3, peak + 4))
    assert g.max_gain_ceil() >= best
    assert FractionalMap.identity().then(g) == g
