"""The depth of a route's shallowest pool: each hop's reserve in, valued in the start token at
the mid prices of the hops before it; and the detector puts it on every opportunity, from the
states it priced the opportunity on."""

from __future__ import annotations

import pytest

from omniarb.detect.depth import route_depth

from .test_detector import DAI, USDC, WETH, detector, fair_pool, swapped, update, world


def test_the_first_hop_is_worth_its_reserve_of_the_start_token() -> None:
    # 100 WETH against 300,000 USDC, then a USDC pool with 30,000 USDC: 10 WETH at mid.
    reserves = [(100 * 10**18, 300_000 * 10**6), (30_000 * 10**6, 10 * 10**18)]
    assert route_depth(reserves, [True, True]) == 10 * 10**18
    # The same pools, the second one deeper: the first is the shallowest.
    reserves[1] = (3_000_000 * 10**6, 1_000 * 10**18)
    assert route_depth(reserves, [True, True]) == 100 * 10**18


def test_the_direction_picks_the_side_the_hop_takes_in() -> None:
    # The same pool traded token1 → token0: its reserve of token1 is the depth.
    assert route_depth([(7, 5_000)], [False]) == 5_000
    assert route_depth([(7, 5_000)], [True]) == 7


def test_three_hops_compound_the_mid_prices() -> None:
    # A → B at 2 B per A, B → C at 3 C per B, C → A; the third pool holds 600 C = 100 A.
    reserves = [(1_000, 2_000), (4_000, 12_000), (600, 100)]
    assert route_depth(reserves, [True, True, True]) == 100
    assert route_depth(reserves[:2], [True, True]) == 1_000  # 4,000 B = 2,000 A


@pytest.mark.parametrize("empty", [(0, 5), (5, 0)])
def test_an_empty_side_or_no_hop_gives_zero(empty: tuple[int, int]) -> None:
    assert route_depth([(10, 10), empty], [True, True]) == 0
    assert route_depth([], []) == 0


async def test_the_detector_sets_the_depth_of_the_states_it_priced_on() -> None:
    d = detector()
    states = {s.address: s for s in world()}
    await d.process(update(1, *states.values(), new=True))
    dex_a = fair_pool(0, "dex-a", WETH, USDC, 1).address
    moved = swapped(states[dex_a], USDC, 600_000 * 10**6, 2)
    states[moved.address] = moved
    found = await d.process(update(2, moved))
    assert found
    for opportunity in found:
        reserves = [states[h.pool].screen_reserves() for h in opportunity.route.hops]
        directions = [h.zero_for_one for h in opportunity.route.hops]
        assert opportunity.min_pool_depth == route_depth(reserves, directions) > 0
    best = found[0]
    # WETH sold on dex-a, bought back on dex-b: dex-b's 6M USDC is the shallower side, worth
    # 6M USDC at dex-a's moved mid price in WETH (dex-a still holds ~6,500 WETH).
    assert best.route.pools == (dex_a, fair_pool(1, "dex-b", WETH, USDC, 1).address)
    weth_a, usdc_a = (
        (moved.reserve0, moved.reserve1)
        if moved.token0 == WETH
        else (moved.reserve1, moved.reserve0)
    )
    assert best.min_pool_depth == 6_000_000 * 10**6 * weth_a // usdc_a
    # A route through a pool holding 300k USD a side is about that shallow, in USD.
    shallow = [o for o in found if fair_pool(4, "dex-a", WETH, DAI, 1).address in o.route.pools]
    assert shallow
    for o in shallow:
        depth_usd = o.min_pool_depth * o.net_profit_usd / o.net_profit
        assert 250_000 < depth_usd < 350_000
