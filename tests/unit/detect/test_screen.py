"""The float screen against exact integer composition of the same cycles."""

from __future__ import annotations

import random

import numpy as np
import pytest

from omniarb.detect.screen import CycleScreen
from omniarb.detect.sizing import HopReserves, route_map, size_route

Row = list[tuple[int, bool]]


def random_world(
    rng: random.Random, pools: int, cycles: int
) -> tuple[list[tuple[int, int, int]], list[Row]]:
    """Pools of any depth (10³ to 10²⁵) priced near 1 ± 2%, and random 2- and 3-hop rows.

    The screen does not care which tokens a row joins, only the reserves it meets, so rows of
    random pools exercise it fully; near-1 prices make about half of them worth sizing.
    """
    states = []
    for _ in range(pools):
        r0 = int(10 ** rng.uniform(3, 25))
        states.append((r0, max(int(r0 * rng.uniform(0.98, 1.02)), 1), rng.choice([0, 25, 30])))
    rows: list[Row] = []
    for _ in range(cycles):
        length = rng.choice([2, 3])
        rows.append([(rng.randrange(pools), rng.random() < 0.5) for _ in range(length)])
    return states, rows


def hops_of(row: Row, states: list[tuple[int, int, int]]) -> list[HopReserves]:
    hops = []
    for pool_id, zero_for_one in row:
        r0, r1, fee = states[pool_id]
        r_in, r_out = (r0, r1) if zero_for_one else (r1, r0)
        hops.append(HopReserves(reserve_in=r_in, reserve_out=r_out, fee_bps=fee))
    return hops


def build(states: list[tuple[int, int, int]], rows: list[Row]) -> CycleScreen:
    screen = CycleScreen()
    for pool_id, (r0, r1, fee) in enumerate(states):
        screen.set_pool(pool_id, r0, r1, fee)
    # Two batches: the second grows the arrays past their first capacity.
    screen.add_cycles(rows[:10])
    screen.add_cycles(rows[10:])
    return screen


@pytest.mark.parametrize("seed", range(6))
def test_coefficients_equal_the_exact_composition(seed: int) -> None:
    rng = random.Random(seed)
    states, rows = random_world(rng, 40, 3000)
    screen = build(states, rows)
    assert screen.cycle_count == len(rows)
    big_k, big_m, big_n = screen.coefficients()
    for i in rng.sample(range(len(rows)), 300):
        exact = route_map(hops_of(rows[i], states))
        # The float map is the integer one with every hop's K, M, N divided by 10000.
        scale = 10_000.0 ** len(rows[i])
        assert big_k[i] == pytest.approx(exact.k / scale, rel=1e-12)
        assert big_m[i] == pytest.approx(exact.m / scale, rel=1e-12)
        assert big_n[i] == pytest.approx(exact.n / scale, rel=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_every_profitable_cycle_is_flagged_and_every_flag_is_profitable(seed: int) -> None:
    rng = random.Random(10 + seed)
    states, rows = random_world(rng, 30, 2000)
    screen = build(states, rows)
    flagged = set(screen.screen().cycle_ids.tolist())
    profitable = 0
    for i, row in enumerate(rows):
        hops = hops_of(row, states)
        if size_route(hops) is not None:
            profitable += 1
            assert i in flagged, "the screen missed a cycle that earns"
        if i in flagged:
            assert route_map(hops).profitable
    assert profitable > 20


def test_subset_screen_equals_the_full_screen_on_that_subset() -> None:
    rng = random.Random(3)
    states, rows = random_world(rng, 30, 2000)
    screen = build(states, rows)
    full = screen.screen()
    subset = np.asarray(sorted(rng.sample(range(len(rows)), 700)), dtype=np.int64)
    part = screen.screen(subset)
    assert part.screened == len(subset)
    assert set(part.cycle_ids.tolist()) == set(full.cycle_ids.tolist()) & set(subset.tolist())
    assert list(part.estimated_profit) == sorted(part.estimated_profit, reverse=True)


def test_a_planted_gap_is_flagged_and_an_empty_pool_kills_it() -> None:
    screen = CycleScreen()
    screen.set_pool(0, 10**21, 3 * 10**12, 30)  # 1000 WETH : 3M USDC
    screen.set_pool(1, 10**21, 3 * 10**12, 30)
    screen.add_cycles([[(0, True), (1, False)], [(1, True), (0, False)]])
    assert len(screen.screen()) == 0
    screen.set_pool(1, 10**21, 3_100_000 * 10**6, 30)  # WETH 3.3% dearer on pool 1
    result = screen.screen()
    assert result.cycle_ids.tolist() == [1]  # sell WETH on pool 1, buy it back on pool 0
    exact = size_route(
        [
            HopReserves(reserve_in=10**21, reserve_out=3_100_000 * 10**6, fee_bps=30),
            HopReserves(reserve_in=3 * 10**12, reserve_out=10**21, fee_bps=30),
        ]
    )
    assert exact is not None
    assert result.estimated_profit[0] == pytest.approx(exact.profit, rel=1e-6)
    screen.set_pool(0, 0, 3 * 10**12, 30)
    assert len(screen.screen()) == 0


def test_rows_must_have_one_to_three_hops() -> None:
    screen = CycleScreen()
    screen.set_pool(0, 10, 10, 30)
    with pytest.raises(ValueError, match="1 to 3 hops"):
        screen.add_cycles([[(0, True)] * 4])
