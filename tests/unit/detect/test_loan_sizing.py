"""Re-sizing for a loan's fee: the optimum of out(a) − a − fee(a), against exhaustive and
brute-force searches over the exact pool math, and the detector's use of it."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from omniarb.detect.loan_sizing import size_for_loan
from omniarb.detect.mixed_hops import mixed_route_amount_out
from omniarb.detect.sizing import HopReserves, size_route
from omniarb.types import OpportunitySource

from ._mixed_world import WETH, brute_force, hops_of, profit_of
from .test_detector_mixed import BASE_FEE_WEI, detector, legs_of, v2_world, v3_world, whale

PIPS = 1_000_000


def v3_flash_fee(fee_pips: int):  # type: ignore[no-untyped-def]
    # UniswapV3Pool.flash: FullMath.mulDivRoundingUp(amount, fee, 1e6), written out again.
    return lambda amount: -(-amount * fee_pips // PIPS)


def aave_fee(amount: int) -> int:
    # Aave V3 PercentageMath.percentMul(amount, 5 bps), half up, written out again.
    return (amount * 5 + 5_000) // 10_000


def small_gap(rng: random.Random) -> list[HopReserves]:
    """A 2-hop V2 cycle with reserves small enough to search every input."""
    depth = rng.randint(3_000_000, 6_000_000)
    gap = 1 + rng.uniform(0.015, 0.04)
    return [
        HopReserves(reserve_in=depth, reserve_out=int(depth * gap), fee_bps=30),
        HopReserves(reserve_in=depth, reserve_out=depth, fee_bps=30),
    ]


@pytest.mark.parametrize("seed", range(40))
def test_v2_routes_keep_the_exhaustive_optimum_net_of_the_fee(seed: int) -> None:
    rng = random.Random(seed)
    hops = small_gap(rng)
    gross = size_route(hops)
    assert gross is not None
    fee = v3_flash_fee(rng.choice([100, 500, 3000]))
    every = [mixed_route_amount_out(a, hops) - a - fee(a) for a in range(1, gross.amount_in + 1)]
    best = max(every)
    found = size_for_loan(hops, gross.amount_in, fee)
    if found is None:
        # The pools' floor rounding makes the curve a staircase: allow one unit of the token.
        assert best <= 1
        return
    assert found.net_of_fee == every[found.amount_in - 1]
    assert found.amount_out == mixed_route_amount_out(found.amount_in, hops)
    assert found.fee == fee(found.amount_in)
    # The pools' floor rounding makes the curve a staircase: allow one unit of the token.
    assert found.net_of_fee >= best - 1
    # Charged a fee, the trade keeps more at a smaller size than the gross optimum.
    at_gross = gross.amount_out - gross.amount_in - fee(gross.amount_in)
    assert found.net_of_fee >= at_gross
    assert found.amount_in <= gross.amount_in


@pytest.mark.parametrize(
    ("fee_name", "fee"),
    [("v3-0.01%", v3_flash_fee(100)), ("aave", aave_fee), ("v3-0.3%", v3_flash_fee(3000))],
)
def test_a_planted_mixed_gap_keeps_the_brute_force_optimum_net_of_the_fee(
    fee_name: str, fee
) -> None:  # type: ignore[no-untyped-def]
    d = detector()
    v3 = v3_world()
    d.apply([*v2_world(), *v3])
    moved = whale(v3[0], WETH, 300_000)  # WETH gets cheap in the 0.05% pool
    states = {p.address: p for p in [*v2_world(), moved, *v3[1:]]}
    found = d.detect_states([moved], block_number=2, base_fee_wei=BASE_FEE_WEI)
    mixed = [o for o in found if any(h.kind == "uniswap-v3" for h in o.route.hops)]
    assert mixed
    for opportunity in mixed:
        legs = legs_of(opportunity, states)
        gross = profit_of(legs)

        def kept(amount: int, gross=gross) -> int:  # type: ignore[no-untyped-def]
            return gross(amount) - fee(amount)

        sized = size_for_loan(hops_of(legs), opportunity.amount_in, fee)
        best = brute_force(kept, opportunity.amount_in)
        if best <= 0:
            assert sized is None, fee_name
            continue
        assert sized is not None, fee_name
        assert sized.net_of_fee == gross(sized.amount_in) - fee(sized.amount_in)
        # As good as the brute force to a 10⁻⁹ of the profit (the V3 rounding plateau).
        assert sized.net_of_fee * 10**9 >= best * (10**9 - 1), fee_name
        at_gross = opportunity.gross_profit - fee(opportunity.amount_in)
        assert sized.net_of_fee >= at_gross


def test_the_detector_re_sizes_on_the_states_it_priced_and_not_after_they_move() -> None:
    d = detector()
    v3 = v3_world()
    d.apply([*v2_world(), *v3])
    moved = whale(v3[0], WETH, 300_000)
    found = d.detect_states([moved], block_number=2, base_fee_wei=BASE_FEE_WEI)
    opportunity = max(found, key=lambda o: o.net_profit)
    fee = v3_flash_fee(500)
    resized = d.resize_for_loan(opportunity, fee)
    assert resized is not None
    assert resized.amount_in < opportunity.amount_in
    assert resized.gross_profit - fee(resized.amount_in) > opportunity.gross_profit - fee(
        opportunity.amount_in
    )
    # The gas in the start token is the opportunity's: only the size and profits change.
    gas_in_token = opportunity.gross_profit - opportunity.net_profit
    assert resized.gross_profit - resized.net_profit == gas_in_token
    assert resized.gross_profit == resized.amount_out - resized.amount_in
    assert (resized.id, resized.block_number, resized.route) == (
        opportunity.id,
        opportunity.block_number,
        opportunity.route,
    )
    # Priced on other states than the detector's (a pending transaction's): not re-sized.
    pending = replace(opportunity, source=OpportunitySource.MEMPOOL)
    assert d.resize_for_loan(pending, fee) is None
    # A pool of the route changed in a later block: the states it was priced on are gone.
    pool = opportunity.route.hops[0].pool
    later = replace(d.pool_state(pool), block_number=opportunity.block_number + 1)
    d.apply([later])
    assert d.resize_for_loan(opportunity, fee) is None


def test_nothing_to_keep_after_the_fee_is_none() -> None:
    hops = [
        HopReserves(reserve_in=10**9, reserve_out=10**9 + 7 * 10**6, fee_bps=30),
        HopReserves(reserve_in=10**9, reserve_out=10**9, fee_bps=30),
    ]
    gross = size_route(hops)
    assert gross is not None
    assert size_for_loan(hops, gross.amount_in, v3_flash_fee(10_000)) is None
    assert size_for_loan(hops, 0, v3_flash_fee(500)) is None
