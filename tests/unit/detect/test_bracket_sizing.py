"""`bracket_sizing`: cycles through Balancer weighted and stable pools (no closed form) beside V2
and V3 pools, sized on their exact math, against an independent brute force: planted shapes
(a revert wall, a stable pool's knee, two Balancer hops, triangles) and 128 random cycles."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from omniarb.detect.bracket_sizing import BracketRoute, size_bracketed
from omniarb.detect.exact_hop import ExactHop, screen_bound
from omniarb.detect.loan_sizing import size_for_loan
from omniarb.detect.mixed_hops import mixed_route_amount_out, route_work
from omniarb.dex.balancer import BalancerRevertError

from ._balancer_world import (
    PLANTED,
    Leg,
    brute_force_best,
    profit_of,
    profitable_direction,
    random_cycle,
    route_of,
    simulate_legs,
)
from ._mixed_world import USDC, WETH, brute_force

RANDOM_CYCLES = 128
# Below this many base units of profit, one unit of rounding is more than 10⁻⁴ of it: there
# the sizing may miss the brute force by that one unit.
MEANINGFUL_PROFIT = 10_000


def _random_cycles() -> list[list[Leg]]:
    rng = random.Random(2024)
    cycles: list[list[Leg]] = []
    index = 100
    while len(cycles) < RANDOM_CYCLES:
        legs = profitable_direction(random_cycle(rng, index))
        index += 4
        if legs is not None:
            cycles.append(legs)
    return cycles


RANDOM = _random_cycles()


def check_against_brute_force(legs: list[Leg]) -> None:
    """The sizing's amounts are what the pools pay, its profit ≥ 99.99% of the brute force's
    best, and the brute force stays within the sizing's gap bound."""
    route = route_of(legs)
    sizing = size_bracketed(route)
    best = brute_force_best(legs)
    assert best > 0
    assert sizing is not None
    assert sizing.amount_out == simulate_legs(sizing.amount_in, legs)
    assert sizing.profit == sizing.amount_out - sizing.amount_in > 0
    assert not sizing.exact
    assert best <= sizing.profit + sizing.gap_bound
    quick = size_bracketed(route, precise=False)
    assert quick is not None
    assert quick.amount_out == simulate_legs(quick.amount_in, legs)
    if best >= MEANINGFUL_PROFIT:
        assert sizing.profit * 10_000 >= best * 9_999
        assert quick.profit * 1_000 >= best * 999
    else:
        assert sizing.profit >= best - 1
        assert quick.profit >= best - 1


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_planted_cycles_keep_the_brute_force_optimum(name: str) -> None:
    check_against_brute_force(PLANTED[name])


@pytest.mark.parametrize("index", range(RANDOM_CYCLES))
def test_random_cycles_keep_the_brute_force_optimum(index: int) -> None:
    check_against_brute_force(RANDOM[index])


def test_most_random_cycles_earn_enough_for_the_ratio_to_count() -> None:
    # The ratio is asserted where one unit of rounding is ≤ 10⁻⁴ of the profit: on at least
    # 100 random cycles (the others are held to within one unit).
    enough = sum(
        profit_of(legs)(size.amount_in) >= MEANINGFUL_PROFIT
        for legs in RANDOM
        if (size := size_bracketed(route_of(legs))) is not None
    )
    assert enough >= 100
    # And the random cycles are mixes: every shape appears.
    shapes = {tuple(type(pool).__name__ for pool, _ in legs) for legs in RANDOM}
    assert {"WeightedPair", "StablePair"} <= {name for shape in shapes for name in shape}
    assert any(len(shape) == 3 for shape in shapes)
    assert any("V3PoolState" in shape for shape in shapes)
    assert any("V2PoolState" in shape for shape in shapes)


def aave_fee(amount: int) -> int:
    # Aave V3 PercentageMath.percentMul(amount, 5 bps), half up, written out again.
    return (amount * 5 + 5_000) // 10_000


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_the_loan_re_sizing_keeps_the_brute_force_optimum_net_of_the_fee(name: str) -> None:
    """`loan_sizing` runs on the same exact hops: the best input after a 5 bps fee (below the
    gross optimum, or still at a wall where the profit rises faster than the fee)."""
    legs = PLANTED[name]
    route = route_of(legs)
    gross = size_bracketed(route)
    assert gross is not None
    found = size_for_loan(route.hops, gross.amount_in, aave_fee)
    assert found is not None
    assert found.amount_out == simulate_legs(found.amount_in, legs)
    profit = profit_of(legs)
    best = brute_force(
        lambda x: profit(x) - aave_fee(x),
        gross.amount_in * 17 // 16,
        scan=64,
        geometric=400,
        scales=61,
    )
    assert found.net_of_fee * 10_000 >= best * 9_999


def test_the_wall_of_a_weighted_pool_bounds_the_input() -> None:
    """Past 30% of its balance in the weighted pool reverts; the gap would pay for more, so the
    best input sits at the wall."""
    legs = PLANTED["weighted 20/80 up to its 30% wall"]
    sizing = size_bracketed(route_of(legs))
    assert sizing is not None
    assert simulate_legs(sizing.amount_in * 1001 // 1000, legs) is None
    pool, token_in = legs[0]
    with pytest.raises(BalancerRevertError, match="BAL#304"):
        pool.amount_out(token_in, sizing.amount_in * 1001 // 1000)
    # The largest input the pool takes, by bisection: the sizing is within a few of the
    # search's tolerances (2⁻²⁴ of the input) of it.
    low, high = sizing.amount_in, sizing.amount_in * 1001 // 1000
    while high - low > 1:
        middle = (low + high) // 2
        if simulate_legs(middle, legs) is None:
            high = middle
        else:
            low = middle
    assert low - sizing.amount_in <= low >> 22


def test_a_stable_pool_is_drained_to_its_knee() -> None:
    """The stable pool pays ~1:1 for most of the trade, and the best input is where its rate
    has fallen off the knee to meet the deep pair's price."""
    legs = PLANTED["stable pool drained to its knee"]
    sizing = size_bracketed(route_of(legs))
    assert sizing is not None
    stable, token_in = legs[1]
    into_stable = simulate_legs(sizing.amount_in, legs[:1])
    assert into_stable is not None

    def rate(amount: int) -> float:
        step = amount // 10**6
        return (
            stable.amount_out(token_in, amount + step) - stable.amount_out(token_in, amount)
        ) / step

    assert rate(into_stable // 2) > 0.998
    assert rate(into_stable) < 0.97
    # Most of the stable pool's USDC has gone.
    assert (
        stable.amount_out(token_in, into_stable)
        > 0.9 * stable.pool.balances[stable.pool.index(USDC)]
    )


def test_max_amount_in_caps_the_input() -> None:
    legs = PLANTED["weighted 50/50 -> v2"]
    free = size_bracketed(route_of(legs))
    assert free is not None
    cap = free.amount_in // 3
    capped = size_bracketed(route_of(legs), max_amount_in=cap)
    assert capped is not None
    assert capped.amount_in <= cap
    # The profit still rises at the cap, so the best capped input is the cap, up to the stairs
    # of the pools' rounding (a unit of USDC is worth ~3·10⁸ wei): none earns less than it.
    assert capped.profit >= profit_of(legs)(cap)
    assert cap - capped.amount_in <= cap // 10**6
    assert capped.amount_out == simulate_legs(capped.amount_in, legs)


def test_a_cycle_the_other_way_round_earns_nothing() -> None:
    legs = PLANTED["weighted 50/50 -> v2"]
    backwards = [(legs[1][0], WETH), (legs[0][0], USDC)]
    assert size_bracketed(route_of(backwards)) is None


def test_a_route_its_bounds_find_unprofitable_is_not_evaluated() -> None:
    route = route_of(PLANTED["weighted 50/50 -> v2"])
    # Stand-ins at one price with fees: no input can earn, and no swap is simulated.
    flat = screen_bound((10**24, 10**24), 3000, True)
    never = BracketRoute(
        tuple(ExactHop(state=_Exploding(), token_in=WETH) for _ in route.hops),  # type: ignore[arg-type]
        (flat, flat),
    )
    assert size_bracketed(never) is None
    with pytest.raises(ValueError, match="one bound per hop"):
        size_bracketed(replace(route, bounds=route.bounds[:1]))


class _Exploding:
    """A pool that must not be asked for a swap."""

    def amount_out(self, token_in: str, amount_in: int) -> int:
        raise AssertionError("the sizing evaluated a route its bounds rule out")


def test_exact_hops_pay_what_the_pools_pay_and_fail_where_they_revert() -> None:
    legs = PLANTED["weighted 20/80 up to its 30% wall"]
    pool, token_in = legs[0]
    hop = ExactHop.of(pool, token_in == pool.token0)
    assert hop.token_in == token_in
    assert hop.exact_out(10**18) == pool.amount_out(token_in, 10**18)
    balance_in = pool.pool.balances[pool.pool.index(token_in)]
    assert hop.exact_out(balance_in // 2) is None  # BAL#304
    assert hop.exact_out(0) is None  # BAL#510
    # Through a route, the failure is a 0 output, and such a hop does no extra work.
    assert mixed_route_amount_out(balance_in // 2, [hop]) == 0
    assert route_work(10**18, [hop]) == [(0, 0)]
    # Its stand-in, oriented like the hop, pays at least as much.
    bound = screen_bound(pool.screen_reserves(), pool.fee_pips, token_in == pool.token0)
    fee_free = 10**18 * (10_000 - bound.fee_bps) // 10_000
    assert bound.reserve_out * fee_free / (bound.reserve_in + fee_free) >= pool.amount_out(
        token_in, 10**18
    )
