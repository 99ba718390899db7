"""The reference walk is a pure function of seed and step, log-normal, with pegged stablecoins."""

from __future__ import annotations

import itertools
import math
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omniarb.devnet.catalog import REFERENCE_PRICES_USD
from omniarb.devnet.market.reference import (
    STABLE_ASSETS,
    ReferenceWalk,
    reference_step,
)


def walk(seed: int = 5, volatility_bps: float = 15.0) -> ReferenceWalk:
    return ReferenceWalk(seed=seed, volatility_bps=volatility_bps)


def test_step_zero_is_the_catalog_table() -> None:
    prices = walk().prices_usd(0)
    assert set(prices) == set(REFERENCE_PRICES_USD)
    for asset, price in REFERENCE_PRICES_USD.items():
        assert prices[asset] == pytest.approx(float(price), rel=1e-12)


def test_prices_depend_on_seed_and_step_only_not_on_the_order_they_are_asked() -> None:
    in_order = walk()
    for step in range(301):
        in_order.prices_usd(step)
    jumped = walk()
    assert jumped.prices_usd(300) == in_order.prices_usd(300)
    assert jumped.prices_usd(17) == in_order.prices_usd(17)
    assert walk(seed=6).prices_usd(300) != in_order.prices_usd(300)


def test_log_returns_have_the_configured_volatility() -> None:
    reference = walk(volatility_bps=20.0)
    eth = [reference.prices_usd(step)["ETH"] for step in range(4001)]
    returns_bps = [math.log(b / a) * 10_000 for a, b in itertools.pairwise(eth)]
    assert statistics.stdev(returns_bps) == pytest.approx(20.0, rel=0.06)
    assert abs(statistics.mean(returns_bps)) < 1.0


def test_stablecoins_stay_near_one() -> None:
    # Unpegged, 50 bps per step would wander ~35% in 5000 steps; pegged it stays within bps.
    reference = walk(volatility_bps=50.0)
    for asset in STABLE_ASSETS:
        levels_bps = [(reference.prices_usd(s)[asset] - 1.0) * 10_000 for s in range(5000)]
        assert max(abs(level) for level in levels_bps) < 50, asset
        assert statistics.pstdev(levels_bps) < 10, asset


def test_forgotten_steps_are_refused_and_later_ones_unchanged() -> None:
    reference, twin = walk(), walk()
    expected = twin.prices_usd(60)
    reference.prices_usd(50)
    reference.forget_before(40)
    with pytest.raises(ValueError, match="forgotten"):
        reference.prices_usd(39)
    assert reference.prices_usd(60) == expected
    assert reference.prices_usd(40) == twin.prices_usd(40)


@pytest.mark.parametrize(
    ("step_s", "chain_step", "walk_step"),
    [
        (0.0, 37, 37),  # automine without an interval: one walk step per chain step
        (1.0, 37, 37),
        (0.5, 37, 18),
        (0.2, 37, 7),
        (3.0, 37, 111),
    ],
)
def test_chains_with_different_block_times_share_the_walk_by_chain_time(
    step_s: float, chain_step: int, walk_step: int
) -> None:
    assert reference_step(chain_step, step_s) == walk_step


@given(st.integers(min_value=0, max_value=10**6), st.sampled_from([0.0, 0.25, 0.5, 1.0, 2.0]))
def test_the_walk_only_moves_forward(chain_step: int, step_s: float) -> None:
    assert reference_step(chain_step, step_s) <= reference_step(chain_step + 1, step_s)
