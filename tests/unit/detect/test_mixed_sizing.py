"""`mixed_sizing`: V2/V3 cycles sized by walking tick ranges, against an independent brute force
over the exact pool math on planted pools (narrow positions, so the optimum crosses ticks)."""

from __future__ import annotations

import pytest

from omniarb.detect.mixed_sizing import size_mixed_at_optimum, size_mixed_route
from omniarb.detect.piece_walk import walk_pieces
from omniarb.detect.sizing import HopReserves, size_route

from ._mixed_world import (
    PLANTED,
    USDC,
    V2_HIGH,
    WETH,
    Leg,
    brute_force,
    hops_of,
    profit_of,
    simulate,
    ticks_crossed,
    usd,
    v2_pool,
)


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_planted_cycles_capture_the_brute_force_optimum(name: str) -> None:
    legs = PLANTED[name]
    hops = hops_of(legs)
    start = legs[0][1]
    sizing = size_mixed_route(hops)
    assert sizing is not None
    # Exact: the amounts are what the pools pay for the chosen input.
    assert sizing.amount_out == simulate(sizing.amount_in, legs)
    assert sizing.profit == sizing.amount_out - sizing.amount_in > 0
    # The optimum crosses initialized ticks (the case tests the walk, not one range), or
    # empties a pool up to its last tick.
    walk = walk_pieces(hops)
    assert walk is not None
    assert ticks_crossed(legs, sizing.amount_in) >= 1 or walk.exhausted
    best = brute_force(profit_of(legs), usd(start, 3e6))
    assert best > 0
    # The worst planted case (v2->v3->v3 through WBTC) keeps 99.99985% of it.
    assert sizing.profit >= best * 99_999 // 100_000
    # And never claims more than the continuous bound allows.
    assert best <= sizing.profit + sizing.gap_bound or sizing.exact


def test_an_exhausted_pool_caps_the_input_at_its_capacity() -> None:
    legs = PLANTED["v2->v3 exhausting a thin pool"]
    hops = hops_of(legs)
    walk = walk_pieces(hops)
    assert walk is not None
    assert walk.exhausted
    sizing = size_mixed_route(hops)
    assert sizing is not None
    # The pool cannot take a thousandth more, and the input reaches within a few units of
    # the pool's side of the route of everything it can take.
    assert simulate(sizing.amount_in * 1001 // 1000, legs) is None
    largest_lo, largest_hi = sizing.amount_in, sizing.amount_in * 1001 // 1000
    while largest_hi - largest_lo > 1:
        middle = (largest_lo + largest_hi) // 2
        if simulate(middle, legs) is None:
            largest_hi = middle
        else:
            largest_lo = middle
    assert largest_lo - sizing.amount_in <= usd(WETH, 0.01)


def test_max_amount_in_caps_the_input() -> None:
    legs = PLANTED["v3->v3, 0.3% to 0.05%"]
    free = size_mixed_route(hops_of(legs))
    assert free is not None
    cap = free.amount_in // 3
    capped = size_mixed_route(hops_of(legs), max_amount_in=cap)
    assert capped is not None
    assert capped.amount_in <= cap
    assert capped.amount_out == simulate(capped.amount_in, legs)
    # The profit rises up to the optimum, so the cap is the best capped input (within noise).
    profit = profit_of(legs)
    assert capped.profit >= max(profit(cap - d) for d in range(0, 50)) * 999 // 1000


def test_the_quick_sizing_is_exact_and_close() -> None:
    for legs in PLANTED.values():
        hops = hops_of(legs)
        quick, full = size_mixed_at_optimum(hops), size_mixed_route(hops)
        assert quick is not None
        assert full is not None
        assert quick.amount_out == simulate(quick.amount_in, legs)
        assert quick.profit >= full.profit * 999 // 1000


def test_v2_only_routes_match_the_v2_sizing() -> None:
    """Without V3 hops the walk is one step and the search the V2 one: the same proven optimum."""
    legs: list[Leg] = [(V2_HIGH, WETH), (v2_pool(21, WETH, USDC, 8e6), USDC)]
    hops = hops_of(legs)
    v2_hops = [hop for hop in hops if isinstance(hop, HopReserves)]
    mixed, v2 = size_mixed_route(hops), size_route(v2_hops)
    assert mixed is not None
    assert v2 is not None
    assert v2.exact
    assert mixed.exact
    assert (mixed.profit, mixed.amount_in) == (v2.profit, v2.amount_in)
