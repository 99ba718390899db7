"""Sizing against independent searches over the pair math.

Small reserves: every input from 1 to the cap is tried (brute force). Larger reserves: the test
bounds the integer profit by the continuous profit g(x) (its own Fraction arithmetic), finds by
bisection every x where g(x) could beat the answer, and tries all of those; where that set is too
large (mixed-decimal routes), it searches the intermediate amount with its own binary searches.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Sequence
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omniarb.detect.sizing import (
    HopReserves,
    Mobius,
    route_amount_out,
    route_amounts,
    route_map,
    size_at_optimum,
    size_route,
)
from omniarb.dex.uniswap_v2.math import get_amount_out


def chain_profit(x: int, hops: Sequence[HopReserves]) -> int | None:
    """Profit of input x through the pairs, or None if some hop would pay nothing (a revert)."""
    amount = x
    for hop in hops:
        amount = get_amount_out(amount, hop.reserve_in, hop.reserve_out, hop.fee_bps)
        if amount == 0:
            return None
    return amount - x


def continuous_profit(x: int, hops: Sequence[HopReserves]) -> Fraction:
    """g(x): the hops without their floors, each y ↦ γ·r_out·y / (r_in + γ·y)."""
    amount = Fraction(x)
    for hop in hops:
        gamma = Fraction(10_000 - hop.fee_bps, 10_000)
        amount = gamma * hop.reserve_out * amount / (hop.reserve_in + gamma * amount)
    return amount - x


def brute_force(hops: Sequence[HopReserves], cap: int) -> tuple[int, int]:
    """(max profit, smallest input earning it) over 1..cap; (0, 0) when nothing earns > 0."""
    best = (0, 0)
    for x in range(1, cap + 1):
        profit = chain_profit(x, hops)
        if profit is not None and profit > best[0]:
            best = (profit, x)
    return best


def superlevel_interval(g: Callable[[int], Fraction], peak: int, level: int, hi: int) -> range:
    """All integers x in [1, hi] with g(x) ≥ level, for concave g peaking near `peak`."""
    peak = min(max(peak, 1), hi)
    if g(peak) < level:
        for x in (peak - 1, peak + 1):
            if 1 <= x <= hi and g(x) >= level:
                peak = x
                break
        else:
            return range(0)

    def edge(inside: int, outside: int) -> int:
        while abs(outside - inside) > 1:
            middle = (inside + outside) // 2
            if g(middle) >= level:
                inside = middle
            else:
                outside = middle
        return inside

    return range(edge(peak, 0), edge(peak, hi + 1) + 1)


def hops_strategy(max_reserve: int) -> st.SearchStrategy[list[HopReserves]]:
    hop = st.builds(
        lambda r_in, ratio, fee: HopReserves(
            reserve_in=r_in, reserve_out=max(int(r_in * ratio), 1), fee_bps=fee
        ),
        st.integers(min_value=1, max_value=max_reserve),
        st.floats(min_value=0.3, max_value=3.0),
        st.sampled_from([0, 20, 25, 30, 100]),
    )
    return st.lists(hop, min_size=2, max_size=3)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hops=hops_strategy(3_000))
def test_small_reserves_match_brute_force(hops: list[HopReserves]) -> None:
    sizing = size_route(hops)
    best_profit, best_input = brute_force(hops, hops[0].reserve_in)
    if sizing is None:
        assert best_profit == 0
        return
    assert sizing.exact
    assert sizing.profit == best_profit
    assert chain_profit(sizing.amount_in, hops) == sizing.profit
    assert sizing.amount_out == route_amount_out(sizing.amount_in, hops)
    if sizing.smallest:
        assert sizing.amount_in == best_input


@settings(max_examples=120, deadline=None)
@given(hops=hops_strategy(2_000), cap=st.integers(min_value=1, max_value=2_000))
def test_cap_is_respected_and_optimal_within_it(hops: list[HopReserves], cap: int) -> None:
    sizing = size_route(hops, max_amount_in=cap)
    best_profit, _ = brute_force(hops, min(cap, hops[0].reserve_in))
    if sizing is None:
        assert best_profit == 0
        return
    assert sizing.amount_in <= cap
    assert sizing.profit == best_profit


@settings(max_examples=150, deadline=None)
@given(hops=hops_strategy(3_000))
def test_unproven_answers_stay_within_their_gap_bound(hops: list[HopReserves]) -> None:
    sizing = size_route(hops, certify_budget=0)
    best_profit, _ = brute_force(hops, hops[0].reserve_in)
    if sizing is not None:
        assert not sizing.exact
        assert sizing.profit <= best_profit <= sizing.profit + sizing.gap_bound
    quick = size_at_optimum(hops)
    if quick is not None:
        assert quick.profit == chain_profit(quick.amount_in, hops)
        assert quick.profit <= best_profit <= quick.profit + quick.gap_bound


@settings(max_examples=200, deadline=None)
@given(hops=hops_strategy(10**30))
def test_profitable_iff_k_above_m(hops: list[HopReserves]) -> None:
    total = route_map(hops)
    sizing = size_route(hops)
    if not total.profitable:
        # G(x) ≤ x·K/M ≤ x for every x: nothing can earn.
        assert sizing is None
        assert size_at_optimum(hops) is None
        for x in (1, 10**6, hops[0].reserve_in // 3 + 1):
            profit = chain_profit(x, hops)
            assert profit is None or profit <= 0
    elif total.max_profit_ceil() > 10**12 and total.optimum() < hops[0].reserve_in:
        # A gap worth far more than the rounding of any hop: the integer optimum earns.
        assert sizing is not None
        assert sizing.profit > 0


@settings(max_examples=200, deadline=None)
@given(hops=hops_strategy(10**25), x=st.integers(min_value=1, max_value=10**24))
def test_mobius_composition_is_the_chained_continuous_map(hops: list[HopReserves], x: int) -> None:
    total = route_map(hops)
    assert Fraction(total.k * x, total.m + total.n * x) - x == continuous_profit(x, hops)
    assert total.value_floor(x) >= route_amount_out(x, hops)  # floors only lose
    amounts = route_amounts(x, hops)
    assert amounts[0] == x
    for hop, (a, b) in zip(hops, itertools.pairwise(amounts), strict=True):
        if a > 0:
            assert b == get_amount_out(a, hop.reserve_in, hop.reserve_out, hop.fee_bps)


def test_optimum_is_the_continuous_argmax() -> None:
    hops = [
        HopReserves(reserve_in=10**21, reserve_out=3 * 10**12, fee_bps=30),
        HopReserves(reserve_in=2 * 10**12, reserve_out=10**21, fee_bps=30),
    ]
    total = route_map(hops)
    x_star = total.optimum()
    g = [continuous_profit(x, hops) for x in (x_star - 1, x_star, x_star + 1, x_star + 2)]
    assert max(g) in (g[1], g[2])  # the true optimum lies in [x*, x* + 1]
    assert total.max_profit_ceil() >= math.ceil(max(g))
    assert Mobius.identity().then(total) == total


def _mixed_decimal_route(rng: random.Random) -> list[HopReserves]:
    """WETH → USDC → WETH over two pools of one pair at different prices (18 and 6 decimals)."""
    weth, usdc = 10**18, 10**6
    depth = rng.uniform(2e5, 4e7)
    gap = rng.uniform(1.007, 1.05)
    return [
        HopReserves(
            reserve_in=int(depth / 6000 * weth),
            reserve_out=int(depth / 2 * gap * usdc),
            fee_bps=30,
        ),
        HopReserves(
            reserve_in=int(depth * 0.3 / 2 * usdc),
            reserve_out=int(depth * 0.3 / 6000 * weth),
            fee_bps=30,
        ),
    ]


def _same_unit_route(rng: random.Random) -> list[HopReserves]:
    """A 3-hop route over tokens of similar unit value, reserves up to ~10⁸."""
    base = rng.randint(10**6, 10**8)
    return [
        HopReserves(
            reserve_in=int(base * rng.uniform(0.5, 2)),
            reserve_out=int(base * rng.uniform(0.5, 2)),
            fee_bps=rng.choice([25, 30]),
        )
        for _ in range(3)
    ]


@pytest.mark.parametrize("seed", range(12))
def test_larger_reserves_no_input_in_the_bounding_interval_beats_the_answer(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(50):
        hops = _same_unit_route(rng)
        if route_map(hops).max_profit_ceil() > 10:
            break
    # Three floors of similar size leave a band of a few units over a flat top ~√reserve wide:
    # proving the optimum takes a budget of that order.
    sizing = size_route(hops, certify_budget=100_000)
    assert sizing is not None
    assert sizing.exact
    quick = size_route(hops)
    assert quick is not None
    assert quick.profit <= sizing.profit <= quick.profit + quick.gap_bound
    total = route_map(hops)
    cap = hops[0].reserve_in

    def g(x: int) -> Fraction:
        return continuous_profit(x, hops)

    # P(x) ≤ g(x), so any x earning more than the answer has g(x) ≥ profit + 1.
    better = superlevel_interval(g, total.optimum(), sizing.profit + 1, cap)
    assert len(better) <= 200_000, "the test's interval is too wide to scan"
    for x in better:
        profit = chain_profit(x, hops)
        assert profit is None or profit <= sizing.profit, x
    if sizing.smallest:
        tied = superlevel_interval(g, total.optimum(), sizing.profit, cap)
        for x in range(tied.start, sizing.amount_in):
            profit = chain_profit(x, hops)
            assert profit is None or profit < sizing.profit, x


def _cheapest_input(hop: HopReserves, wanted: int) -> int:
    """The least input whose output is ≥ `wanted`, by binary search on get_amount_out."""
    lo, hi = 1, 1
    while get_amount_out(hi, hop.reserve_in, hop.reserve_out, hop.fee_bps) < wanted:
        hi *= 2
    while lo < hi:
        middle = (lo + hi) // 2
        if get_amount_out(middle, hop.reserve_in, hop.reserve_out, hop.fee_bps) >= wanted:
            hi = middle
        else:
            lo = middle + 1
    return lo


@pytest.mark.parametrize("seed", range(8))
def test_mixed_decimals_best_over_every_intermediate_amount(seed: int) -> None:
    """Every maximiser buys some USDC amount u at least cost; try every u near the optimum."""
    hops = _mixed_decimal_route(random.Random(seed))
    sizing = size_route(hops)
    assert sizing is not None
    assert sizing.exact
    first, second = hops
    u_star = get_amount_out(sizing.continuous_optimum, first.reserve_in, first.reserve_out, 30)
    best = (0, 0)
    for u in range(max(u_star - 1_500, 1), u_star + 1_500):
        x = _cheapest_input(first, u)
        profit = get_amount_out(u, second.reserve_in, second.reserve_out, 30) - x
        if profit > best[0] or (profit == best[0] and x < best[1]):
            best = (profit, x)
    assert sizing.profit == best[0]
    assert sizing.smallest
    assert sizing.amount_in == best[1]
    assert chain_profit(sizing.amount_in, hops) == sizing.profit


def test_no_hops_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one hop"):
        size_route([])
