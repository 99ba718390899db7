"""Random swaps for the differential tests of pools on V3's tick ranges (Uniswap V3 and its
forks, Algebra Integral): amounts from one unit to far beyond a pool's liquidity, and price
limits from none to exactly on an initialized tick."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Protocol

from omniarb.dex.uniswap_v3 import MAX_SQRT_RATIO, MIN_SQRT_RATIO

MAX_AMOUNT = 2**200


class _Ticks(Protocol):
    @property
    def sqrt_prices(self) -> Sequence[int]: ...


class TickPool(Protocol):
    """What the drawers read of a pool state (V3's, PancakeSwap's or Algebra's)."""

    @property
    def sqrt_price_x96(self) -> int: ...
    @property
    def ticks(self) -> _Ticks: ...


def random_limit(state: TickPool, zero_for_one: bool, rng: random.Random) -> int | None:
    """No limit for most swaps; else one between the price and far away, one exactly on an
    initialized tick, one unit from the price, or (rarely) one the pool refuses (V3's `SPL`,
    Algebra's `invalidLimitSqrtPrice`)."""
    price = state.sqrt_price_x96
    roll = rng.random()
    if roll < 0.68:
        return None
    if roll < 0.70:  # the pool refuses these with SPL
        wrong_side = price + 1 if zero_for_one else price - 1
        bound = MIN_SQRT_RATIO if zero_for_one else MAX_SQRT_RATIO
        return rng.choice([price, wrong_side, bound])
    if roll < 0.75:
        return price - 1 if zero_for_one else price + 1
    if roll < 0.85:
        on_ticks = [
            p for p in state.ticks.sqrt_prices if (p < price if zero_for_one else p > price)
        ]
        if on_ticks:
            return rng.choice(on_ticks)
    shift = 10 ** rng.uniform(-7, -0.3)
    limit = int(price * (1 - shift)) if zero_for_one else int(price * (1 + shift))
    return min(max(limit, MIN_SQRT_RATIO + 1), MAX_SQRT_RATIO - 1)


def exact_input_amount(balance_in: int, rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.08:
        return rng.randint(1, 1000)
    if roll < 0.58:
        return int(balance_in * 10 ** rng.uniform(-9, -0.5)) + 1
    if roll < 0.80:
        return int(balance_in * rng.uniform(0.3, 4)) + 1  # through many ticks
    if roll < 0.83:
        # Beyond all liquidity, to the end of the price range: few, as each costs the EVM
        # hundreds of bitmap-word steps.
        return min(int(10 ** rng.uniform(22, 45)), MAX_AMOUNT)
    return int(10 ** rng.uniform(0, 24)) + 1


def exact_output_amount(balance_out: int, rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.1:
        return rng.randint(1, 1000)
    if roll < 0.85:
        return int(balance_out * 10 ** rng.uniform(-8, -0.05)) + 1
    return int(balance_out * rng.uniform(0.9, 2)) + 1  # more than the pool may hold
