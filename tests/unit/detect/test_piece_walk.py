"""`piece_walk`: the walk over tick ranges finds the pieces holding a mixed route's continuous
optimum, and a route is profitable exactly when its marginal rates multiply above one."""

from __future__ import annotations

from fractions import Fraction

import pytest

from omniarb.detect.mixed_sizing import size_mixed_route
from omniarb.detect.piece_walk import compose, marginally_profitable, walk_pieces
from omniarb.dex.curves import FractionalMap
from omniarb.dex.uniswap_v3.pool import V3PoolState

from ._mixed_world import (
    PLANTED,
    USDC,
    V3_A,
    WETH,
    Leg,
    hops_of,
    marginal_rate_product,
    simulate,
    v2_pool,
)


def test_the_walk_advances_the_ranges_the_optimum_needs() -> None:
    legs = PLANTED["v3->v3, 0.3% to 0.05%"]
    walk = walk_pieces(hops_of(legs))
    assert walk is not None
    assert walk.steps >= 2
    assert not walk.exhausted
    assert walk.x_start <= walk.optimum <= (walk.x_end or walk.optimum)
    # Each V3 hop sits in the range its swap at the optimum ends in.
    amount = walk.optimum
    for (pool, token_in), segment in zip(legs, walk.segments, strict=True):
        assert isinstance(pool, V3PoolState)
        assert segment is not None
        result = pool.swap_exact_input(zero_for_one=token_in == pool.token0, amount_in=amount)
        assert result.liquidity == segment.liquidity
        amount = result.amount_out


def test_the_walked_optimum_is_where_the_true_marginal_profit_turns() -> None:
    """At the walked optimum the route's exact output rises by about one unit per unit of input:
    below it by more (profit still rising), above it by less."""
    for name in ("v3->v3, 0.3% to 0.05%", "v3->v2->v3 triangle", "v2->v3 into an empty range"):
        legs = PLANTED[name]
        walk = walk_pieces(hops_of(legs))
        assert walk is not None
        step = max(walk.optimum // 50, 1)
        slopes = []
        for x in (walk.optimum - step, walk.optimum + step):
            low, high = simulate(x, legs), simulate(x + step, legs)
            assert low is not None
            assert high is not None
            slopes.append(Fraction(high - low, step))
        assert slopes[0] > 1 > slopes[1]


@pytest.mark.parametrize(
    "skew", [0.99, 0.9994, 0.99945, 0.9995, 0.99955, 0.9996, 1.0, 1.0004, 1.00045, 1.0005, 1.01]
)
def test_profitable_iff_the_marginal_rates_multiply_above_one(skew: float) -> None:
    """V2 at the V3 price times `skew`: the V3 0.05% plus the V2 0.3% fees must be beaten."""
    v2 = v2_pool(20, WETH, USDC, 3e6, skew=skew)
    cases: list[list[Leg]] = [[(v2, WETH), (V3_A, USDC)], [(V3_A, WETH), (v2, USDC)]]
    for legs in cases:
        hops = hops_of(legs)
        product = marginal_rate_product(legs)
        assert marginally_profitable(hops) == (product > 1)
        walk = walk_pieces(hops)
        sizing = size_mixed_route(hops)
        if product <= 1:
            assert walk is None
            assert sizing is None
        elif product > 1 + Fraction(1, 10**6):
            assert walk is not None
            assert sizing is not None
            assert sizing.profit > 0


def test_compose_applies_the_maps_in_order() -> None:
    f, g = FractionalMap(7, 3, 2, 11), FractionalMap.mobius(5, 4, 3)
    assert compose([]) == FractionalMap.identity()
    assert compose([f, g]) == f.then(g)
