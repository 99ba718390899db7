"""Planted V2 and V3 pools for the mixed-sizing tests, and an independent brute force.

The V3 pools are built the way the chain builds them: positions minted one by one with
`V3PoolState.with_position_change` (several ranges, some only a few tick spacings wide, so an
arbitrage crosses ticks). The route simulation here calls the public pool math directly
(`get_amount_out`, `V3PoolState.swap_exact_input`), not the code under test, and the brute
force knows nothing of Möbius maps: a grid, a ternary search and an exhaustive scan.
`PLANTED` holds the planted cycles (V2↔V3, V3↔V3, three-hop mixes), as (pool, token in) legs;
`hops_of` turns them into the sizing's hop values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from omniarb.detect.mixed_hops import MixedHop
from omniarb.detect.sizing import HopReserves
from omniarb.dex.uniswap_v2.math import get_amount_out
from omniarb.dex.uniswap_v2.pool import V2PoolState
from omniarb.dex.uniswap_v3.curve import V3Curve
from omniarb.dex.uniswap_v3.pool import V3PoolState
from omniarb.dex.uniswap_v3.tick_math import get_sqrt_ratio_at_tick, get_tick_at_sqrt_ratio
from omniarb.dex.uniswap_v3.tick_table import TickTable

CHAIN = 1
WETH = "0x" + "a1" * 20
USDC = "0x" + "b2" * 20
USDT = "0x" + "c3" * 20
DAI = "0x" + "d4" * 20
WBTC = "0x" + "e5" * 20
DECIMALS = {WETH: 18, USDC: 6, USDT: 6, DAI: 18, WBTC: 8}
PRICE_USD = {WETH: 3000.0, USDC: 1.0, USDT: 1.0, DAI: 1.0, WBTC: 60000.0}
SPACING = {100: 1, 500: 10, 3000: 60, 10000: 200}

Pool = V2PoolState | V3PoolState


def raw_price(token0: str, token1: str, skew: float = 1.0) -> float:
    """token1 base units per token0 base unit at the reference prices, times `skew`."""
    scale = 10.0 ** (DECIMALS[token1] - DECIMALS[token0])
    return PRICE_USD[token0] / PRICE_USD[token1] * scale * skew


def v2_pool(index: int, a: str, b: str, depth_usd: float, skew: float = 1.0) -> V2PoolState:
    """A V2 pair holding `depth_usd` per side; `skew` scales its price of token0 in token1."""
    token0, token1 = sorted((a, b))
    reserve0 = int(depth_usd / PRICE_USD[token0] * 10 ** DECIMALS[token0])
    reserve1 = int(depth_usd / PRICE_USD[token1] * 10 ** DECIMALS[token1] * skew)
    return V2PoolState(
        chain_id=CHAIN,
        address=f"0x{0xBEEF0000 + index:040x}",
        dex="dex-a",
        factory=f"0x{0xFAC0:040x}",
        token0=token0,
        token1=token1,
        reserve0=reserve0,
        reserve1=reserve1,
        fee_bps=30,
        block_number=1,
    )


@dataclass(frozen=True, slots=True)
class Band:
    """A position: ± `width` tick spacings around the price (offset by `shift` spacings),
    holding `depth_usd` of virtual depth per side at the price."""

    width: int
    depth_usd: float
    shift: int = 0


def v3_pool(
    index: int,
    a: str,
    b: str,
    *,
    fee_pips: int,
    bands: Sequence[Band],
    skew: float = 1.0,
    full_range_usd: float = 0.0,
    price_shift_ticks: float = 0.0,
) -> V3PoolState:
    """A V3 pool priced at the reference price times `skew`, with the given positions."""
    token0, token1 = sorted((a, b))
    spacing = SPACING[fee_pips]
    price = raw_price(token0, token1, skew)
    sqrt_price_x96 = int(math.sqrt(price) * 2**96 * 1.0001 ** (price_shift_ticks / 2))
    tick = get_tick_at_sqrt_ratio(sqrt_price_x96)
    state = V3PoolState(
        chain_id=CHAIN,
        address=f"0x{0xC0DE0000 + index:040x}",
        dex="uniswap-v3",
        factory=f"0x{0xFAC3:040x}",
        token0=token0,
        token1=token1,
        fee_pips=fee_pips,
        tick_spacing=spacing,
        sqrt_price_x96=sqrt_price_x96,
        tick=tick,
        liquidity=0,
        ticks=TickTable(),
        block_number=1,
    )
    # Liquidity with `depth_usd` of token0 (virtual): x0 = L / sqrt(P).
    unit0 = 10 ** DECIMALS[token0] / PRICE_USD[token0]
    center = tick // spacing
    positions = [
        (
            (center + band.shift - band.width) * spacing,
            (center + band.shift + band.width + 1) * spacing,
            int(band.depth_usd * unit0 * math.sqrt(price)),
        )
        for band in bands
    ]
    if full_range_usd:
        top = 887272 // spacing * spacing
        positions.append((-top, top, int(full_range_usd * unit0 * math.sqrt(price))))
    for lower, upper, liquidity in positions:
        state = state.with_position_change(
            tick_lower=lower, tick_upper=upper, liquidity_delta=liquidity, block_number=1
        )
    return state


Leg = tuple[Pool, str]  # (pool, token in)


def simulate(amount_in: int, legs: Sequence[Leg]) -> int | None:
    """The route's exact output through the public pool math; None if a pool cannot take
    the whole input or pays nothing."""
    amount = amount_in
    for pool, token_in in legs:
        if amount <= 0:
            return None
        if isinstance(pool, V2PoolState):
            r_in, r_out = (
                (pool.reserve0, pool.reserve1)
                if token_in == pool.token0
                else (pool.reserve1, pool.reserve0)
            )
            amount = get_amount_out(amount, r_in, r_out, pool.fee_bps)
        else:
            result = pool.swap_exact_input(zero_for_one=token_in == pool.token0, amount_in=amount)
            if result.amount_in != amount:
                return None
            amount = result.amount_out
    return amount if amount > 0 else None


def profit_of(legs: Sequence[Leg]) -> Callable[[int], int]:
    """x ↦ exact profit of input x (a large negative number where the route fails)."""

    def profit(x: int) -> int:
        out = simulate(x, legs)
        return -(10**80) if out is None else out - x

    return profit


def brute_force(
    profit: Callable[[int], int],
    high: int,
    *,
    grid: int = 600,
    scan: int = 300,
    geometric: int = 0,
    scales: int = 0,
) -> int:
    """The best profit found by a grid over [1, high] (linear, and `geometric` points
    high·2^(−k/8) besides), a ternary search around the grid's best cell, and an exhaustive
    scan of the ternary result's neighbourhood; with `scales`, first a scan at every scale
    around that result (steps of 2⁻ᵏ of it, k < `scales`), and the exhaustive scan around the
    best it found."""
    points = {max(1, high * i // grid) for i in range(grid + 1)}
    points |= {max(1, int(high * 2.0 ** (-k / 8))) for k in range(geometric)}
    ordered = sorted(points)
    values = [profit(x) for x in ordered]
    best_index = max(range(len(ordered)), key=values.__getitem__)
    lo = ordered[max(best_index - 1, 0)]
    hi = ordered[min(best_index + 1, len(ordered) - 1)]
    while hi - lo > 8:
        third = (hi - lo) // 3
        m1, m2 = lo + third, hi - third
        if profit(m1) < profit(m2):
            lo = m1
        else:
            hi = m2
    center = (lo + hi) // 2
    best = max(values)
    for k in range(scales):
        for j in range(-4, 5):
            x = center + j * (center >> k)
            if x >= 1 and (value := profit(x)) > best:
                best, center = value, x
    for x in range(max(1, center - scan), center + scan + 1):
        best = max(best, profit(x))
    return best


def marginal_rate_product(legs: Sequence[Leg]) -> Fraction:
    """The product of the hops' marginal rates after fees at zero input, exactly.

    A V3 hop trades first at its current price when it has liquidity there; otherwise at the
    first initialized tick in the swap's direction where liquidity starts.
    """
    product = Fraction(1)
    for pool, token_in in legs:
        zero_for_one = token_in == pool.token0
        if isinstance(pool, V2PoolState):
            r_in, r_out = (
                (pool.reserve0, pool.reserve1) if zero_for_one else (pool.reserve1, pool.reserve0)
            )
            product *= Fraction(r_out, r_in) * Fraction(10_000 - pool.fee_bps, 10_000)
            continue
        sqrt_price = pool.sqrt_price_x96
        if pool.liquidity == 0:
            liquidity = 0
            order = reversed(pool.ticks.ticks) if zero_for_one else iter(pool.ticks.ticks)
            for tick in order:
                if (tick <= pool.tick) if zero_for_one else (tick > pool.tick):
                    liquidity += -pool.ticks[tick] if zero_for_one else pool.ticks[tick]
                    if liquidity > 0:
                        sqrt_price = get_sqrt_ratio_at_tick(tick)
                        break
        price = Fraction(sqrt_price**2, 2**192)
        rate = price if zero_for_one else 1 / price
        product *= rate * Fraction(1_000_000 - pool.fee_pips, 1_000_000)
    return product


# Wide, medium and narrow positions; the narrow ones a few tick spacings off the price.
NARROW = [
    Band(400, 3e6),
    Band(40, 5e6),
    Band(2, 2e6),
    Band(0, 2e6, shift=2),
    Band(1, 3e6, shift=-3),
]


def to_hop(pool: V2PoolState | V3PoolState, token_in: str) -> MixedHop:
    zero_for_one = token_in == pool.token0
    if isinstance(pool, V3PoolState):
        return V3Curve(state=pool, zero_for_one=zero_for_one)
    r_in, r_out = (pool.reserve0, pool.reserve1) if zero_for_one else (pool.reserve1, pool.reserve0)
    return HopReserves(reserve_in=r_in, reserve_out=r_out, fee_bps=pool.fee_bps)


def hops_of(legs: Sequence[Leg]) -> list[MixedHop]:
    return [to_hop(pool, token_in) for pool, token_in in legs]


def usd(token: str, amount_usd: float) -> int:
    return int(amount_usd / PRICE_USD[token] * 10 ** DECIMALS[token])


def ticks_crossed(legs: Sequence[Leg], amount_in: int) -> int:
    """Initialized ticks the route's V3 swaps cross at `amount_in`."""
    crossed, amount = 0, amount_in
    for pool, token_in in legs:
        if isinstance(pool, V3PoolState):
            result = pool.swap_exact_input(zero_for_one=token_in == pool.token0, amount_in=amount)
            crossed += result.initialized_ticks_crossed
            amount = result.amount_out
        else:
            out = simulate(amount, [(pool, token_in)])
            assert out is not None
            amount = out
    return crossed


V3_A = v3_pool(1, WETH, USDC, fee_pips=500, bands=NARROW, full_range_usd=1e6)
V3_B = v3_pool(2, WETH, USDC, fee_pips=3000, bands=NARROW, skew=1.015, full_range_usd=1e6)
V3_C = v3_pool(3, WETH, DAI, fee_pips=3000, bands=NARROW, skew=1.02, full_range_usd=2e6)
V3_BTC = v3_pool(4, WETH, WBTC, fee_pips=3000, bands=NARROW, full_range_usd=1e6)
V3_GAP = v3_pool(5, WETH, USDC, fee_pips=500, bands=[Band(3, 4e6, shift=-6), Band(3, 4e6, shift=6)])
V3_THIN = v3_pool(6, WETH, USDC, fee_pips=500, bands=[Band(2, 3e5)])


def _on_tick(state: V3PoolState) -> V3PoolState:
    """The pool as a downward swap leaves it when it stops exactly on an initialized tick:
    price at tick T, `tick` T − 1, T's liquidity already crossed."""
    tick = min(t for t in state.ticks if t > state.tick)
    below = sum(net for t, net in state.ticks.items() if t < tick)
    return replace(
        state, sqrt_price_x96=get_sqrt_ratio_at_tick(tick), tick=tick - 1, liquidity=below
    )


V3_ON_TICK = _on_tick(V3_A)
V2_HIGH = v2_pool(10, WETH, USDC, 3e6, skew=1.02)
V2_LOW = v2_pool(11, WETH, USDC, 3e6, skew=0.98)
V2_STABLE = v2_pool(12, USDC, DAI, 2e6)
V2_BTC = v2_pool(13, WBTC, USDC, 3e6, skew=1.03)
V2_FAR = v2_pool(14, WETH, USDC, 3e6, skew=1.10)

PLANTED: dict[str, list[Leg]] = {
    "v2->v3, start WETH": [(V2_HIGH, WETH), (V3_A, USDC)],
    "v3->v2, start USDC": [(V3_A, USDC), (V2_HIGH, WETH)],
    "v3->v2, start WETH": [(V3_A, WETH), (V2_LOW, USDC)],
    "v2->v3, start USDC": [(V2_LOW, USDC), (V3_A, WETH)],
    "v3->v3, 0.3% to 0.05%": [(V3_B, WETH), (V3_A, USDC)],
    "v3->v3, start USDC": [(V3_A, USDC), (V3_B, WETH)],
    "v3->v2->v3 triangle": [(V3_C, WETH), (V2_STABLE, DAI), (V3_A, USDC)],
    "v2->v3->v3 through WBTC": [(V2_BTC, USDC), (V3_BTC, WBTC), (V3_A, WETH)],
    "v2->v3 into an empty range": [(V2_HIGH, WETH), (V3_GAP, USDC)],
    "v2->v3 exhausting a thin pool": [(V2_FAR, WETH), (V3_THIN, USDC)],
    "v2->v3 from a price resting on a tick": [(V2_HIGH, WETH), (V3_ON_TICK, USDC)],
    "v3->v2 from a price resting on a tick": [(V3_ON_TICK, WETH), (V2_LOW, USDC)],
}
