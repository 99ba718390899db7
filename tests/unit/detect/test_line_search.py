"""`line_search.maximize`: Brent's method on integers, against functions whose maximum is known:
smooth peaks, a wall, a peak at the bracket's end, a wobbling plateau."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omniarb.detect.line_search import maximize

BITS = 32


def counted(function):  # type: ignore[no-untyped-def]
    calls: list[int] = []

    def value(x: int) -> int | None:
        calls.append(x)
        return function(x)

    return value, calls


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=1_000, max_value=2**90),
    st.floats(min_value=0.02, max_value=0.98),
    st.integers(min_value=0, max_value=2**40),
)
def test_a_smooth_concave_peak_is_found_to_the_tolerance(
    scale: int, share: float, height: int
) -> None:
    # A route's profit near its peak: a concave function, here one with a known maximiser.
    peak = max(int(scale * share), 1)

    def profit(x: int) -> int:
        # −(x − peak)² / scale + height, in integers (floor): concave up to the floor.
        return height - (x - peak) ** 2 // scale

    value, calls = counted(profit)
    found = maximize(value, 0, scale, scale // 2, profit(scale // 2), relative_bits=BITS)
    assert all(0 < x < scale for x in calls)
    assert found.value == profit(found.x) == max(profit(x) for x in [*calls, scale // 2])
    # Within a few tolerances of the maximiser, so at most their square (over the scale)
    # below the top.
    tolerance = max(peak >> BITS, 1)
    assert height - found.value <= (4 * tolerance) ** 2 // scale + 1
    assert found.evaluated == len(calls)


def test_brent_takes_far_fewer_steps_than_a_golden_section_on_a_smooth_peak() -> None:
    scale = 10**24
    peak = 377 * scale // 1000

    def profit(x: int) -> int:
        # A Möbius route's profit, 1.02·x/(1 + x/scale) − x, scaled to integers.
        return 102 * x * scale // (100 * (scale + x)) - x

    found = maximize(profit, 0, scale, scale // 4, profit(scale // 4), relative_bits=BITS)
    optimum = max(range(peak - 10**8, peak + 10**8, 10**6), key=profit)
    assert profit(optimum) - found.value <= profit(optimum) // 10**12
    # A golden section narrowing [0, scale] to 2⁻³² of the optimum takes ~48 evaluations.
    assert found.evaluated <= 30


def test_a_wall_past_the_rising_profit_is_approached_from_below() -> None:
    wall = 7 * 10**20 + 12_345

    def profit(x: int) -> int | None:
        return x // 1000 if x <= wall else None  # the profit still rises at the wall

    found = maximize(profit, 0, 4 * wall, wall // 3, profit(wall // 3) or 0, relative_bits=BITS)
    assert found.x <= wall
    assert wall - found.x <= 4 * (wall >> BITS)
    assert found.value == profit(found.x)


def test_a_maximum_at_the_end_of_the_bracket() -> None:
    high = 10**18

    def profit(x: int) -> int:
        return x // 7

    # The best point is the bracket's end, evaluated before (the cap of an input).
    found = maximize(profit, 0, high, high, profit(high), relative_bits=BITS)
    assert found.x == high
    assert found.value == profit(high)


def test_a_wobbling_plateau_keeps_the_best_point_evaluated() -> None:
    rng = random.Random(3)
    noise = {}

    def profit(x: int) -> int:
        # A wide flat top with a few units of rounding noise, as the pools' floors give.
        if x not in noise:
            noise[x] = rng.randint(0, 3)
        return 10**9 - ((x - 5 * 10**15) // 10**9) ** 2 + noise[x]

    value, calls = counted(profit)
    found = maximize(value, 0, 10**16, 10**15, profit(10**15), relative_bits=BITS)
    assert found.value == max(noise[x] + 10**9 - ((x - 5 * 10**15) // 10**9) ** 2 for x in calls)
    assert found.value >= 10**9 - 10


def test_the_best_point_must_lie_in_the_bracket() -> None:
    with pytest.raises(ValueError, match="outside"):
        maximize(lambda x: x, 10, 20, 30, 30, relative_bits=BITS)
