"""Balancer weighted and stable pools beside V2 and V3 ones, for the bracketed sizing's tests.

The Balancer pools are the package's own state values (`WeightedPoolState`,
`ComposableStablePoolState`) seen one token pair at a time (`WeightedPair`, `StablePair`), priced
off the reference prices of `_mixed_world` like its V2 and V3 pools. The route simulation here
calls each pool's public math directly (`get_amount_out`, `V3PoolState.swap_exact_input`, the
pairs' `amount_out`, a revert meaning the route fails), not the code under test, and the brute
force (`_mixed_world.brute_force` over a range found by doubling) knows nothing of brackets.
`PLANTED` holds cycles chosen for their shapes (a revert wall, a stable pool's knee, two
Balancer hops, triangles); `random_cycle` draws the others.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from omniarb.detect.bracket_sizing import BracketRoute
from omniarb.detect.exact_hop import ExactHop, screen_bound
from omniarb.detect.mixed_hops import RouteHop
from omniarb.detect.sizing import HopReserves
from omniarb.dex.balancer import (
    BalancerRevertError,
    ComposableStablePoolState,
    StablePair,
    WeightedPair,
    WeightedPoolState,
)
from omniarb.dex.uniswap_v2.pool import V2PoolState
from omniarb.dex.uniswap_v3.pool import V3PoolState

from ._mixed_world import (
    DAI,
    DECIMALS,
    NARROW,
    PRICE_USD,
    USDC,
    USDT,
    WBTC,
    WETH,
    Band,
    brute_force,
    simulate,
    v2_pool,
    v3_pool,
)

ONE = 10**18
VAULT = "0x" + "ba" * 20
Pool = V2PoolState | V3PoolState | WeightedPair | StablePair
Leg = tuple[Pool, str]  # (pool, token in)
STABLES = (USDC, USDT, DAI)


def _scaling_factor(token: str) -> int:
    return 10 ** (18 - DECIMALS[token]) * ONE


def weighted_pair(
    index: int,
    a: str,
    b: str,
    *,
    weight_a: float,
    depth_usd: float,
    skew: float = 1.0,
    fee_pips: int = 3000,
) -> WeightedPair:
    """A two-token weighted pool holding `depth_usd` in all, `weight_a` of it in `a`; `skew`
    scales its price of token0 in token1 (as `_mixed_world.v2_pool`)."""
    tokens = tuple(sorted((a, b)))
    weight0 = round((weight_a if tokens[0] == a else 1 - weight_a) * 100) * ONE // 100
    weights = (weight0, ONE - weight0)
    balances = tuple(
        int(depth_usd * weight / ONE / PRICE_USD[token] * 10 ** DECIMALS[token])
        for token, weight in zip(tokens, weights, strict=True)
    )
    pool = WeightedPoolState(
        chain_id=1,
        address=f"0x{0xBA1A0000 + index:040x}",
        dex="balancer-v2",
        vault=VAULT,
        pool_id=f"0x{index:064x}",
        tokens=tokens,
        balances=(balances[0], int(balances[1] * skew)),
        scaling_factors=tuple(_scaling_factor(t) for t in tokens),
        swap_fee_percentage=fee_pips * 10**12,
        block_number=1,
        normalized_weights=weights,
    )
    return WeightedPair.of(pool, a, b)


def stable_pool(
    index: int, balances_usd: Sequence[float], *, amp: int, fee_pips: int = 100
) -> ComposableStablePoolState:
    """A composable stable pool of USDC, USDT and DAI (`balances_usd` in that order) with its
    BPT, amplification `amp`."""
    bpt = f"0x{0x5AB10000 + index:040x}"
    held = dict(zip(STABLES, balances_usd, strict=True))
    tokens = tuple(sorted((*STABLES, bpt)))
    return ComposableStablePoolState(
        chain_id=1,
        address=bpt,
        dex="balancer-v2",
        vault=VAULT,
        pool_id=f"0x{index + 1000:064x}",
        tokens=tokens,
        balances=tuple(2**111 if t == bpt else int(held[t] * 10 ** DECIMALS[t]) for t in tokens),
        scaling_factors=tuple(ONE if t == bpt else _scaling_factor(t) for t in tokens),
        swap_fee_percentage=fee_pips * 10**12,
        block_number=1,
        amplification_parameter=amp * 1000,
        bpt_index=tokens.index(bpt),
    )


def stable_pair(
    index: int, a: str, b: str, balances_usd: Sequence[float], *, amp: int, fee_pips: int = 100
) -> StablePair:
    return StablePair.of(stable_pool(index, balances_usd, amp=amp, fee_pips=fee_pips), a, b)


def simulate_legs(amount_in: int, legs: Sequence[Leg]) -> int | None:
    """The route's exact output through each pool's public math; None where a pool would
    revert, run dry or pay nothing."""
    amount = amount_in
    for pool, token_in in legs:
        if isinstance(pool, V2PoolState | V3PoolState):
            out = simulate(amount, [(pool, token_in)])
            if out is None:
                return None
            amount = out
            continue
        if amount <= 0:
            return None
        try:
            amount = pool.amount_out(token_in, amount)
        except BalancerRevertError:
            return None
    return amount if amount > 0 else None


def profit_of(legs: Sequence[Leg]) -> Callable[[int], int]:
    """x ↦ exact profit of input x (a large negative number where the route fails)."""

    def profit(x: int) -> int:
        out = simulate_legs(x, legs)
        return -(10**80) if out is None else out - x

    return profit


def brute_force_best(legs: Sequence[Leg]) -> int:
    """The brute force's best profit, knowing nothing of the route but its exact outputs: over
    [1, high], high twice the largest power of two that still earns (the profit is positive on
    one interval from 0), a grid linear and geometric, a ternary search in the best cell, a
    scan at every scale around its result, and every input within 64 units of the best."""
    profit = profit_of(legs)
    earning = [x for x in (2**k for k in range(1, 100)) if profit(x) > 0]
    if not earning:
        return 0
    return brute_force(profit, 2 * max(earning), scan=64, geometric=400, scales=61)


def route_hop(pool: Pool, zero_for_one: bool) -> RouteHop:
    """The sizing's hop for a pool: its constant product, its pieces, or its exact swap."""
    curve = pool.constant_product(zero_for_one)
    if curve is not None:
        return HopReserves(reserve_in=curve[0], reserve_out=curve[1], fee_bps=curve[2])
    pieces = pool.piecewise(zero_for_one)
    return pieces if pieces is not None else ExactHop.of(pool, zero_for_one)


def route_of(legs: Sequence[Leg]) -> BracketRoute:
    directions = [token_in == pool.token0 for pool, token_in in legs]
    return BracketRoute(
        tuple(route_hop(pool, zfo) for (pool, _), zfo in zip(legs, directions, strict=True)),
        tuple(
            screen_bound(pool.screen_reserves(), pool.fee_pips, zfo)
            for (pool, _), zfo in zip(legs, directions, strict=True)
        ),
    )


def usd(token: str, amount_usd: float) -> int:
    return int(amount_usd / PRICE_USD[token] * 10 ** DECIMALS[token])


# A thin 20/80 pool whose 20% token is 60% dearer than on a deep V2 pair: selling it in, the
# trade would move the price past 60% but the pool takes at most 30% of its balance in.
_WALL = weighted_pair(1, WETH, USDC, weight_a=0.2, depth_usd=4e5, skew=1.6, fee_pips=3000)
# A balanced stable pool with a high amplification, beside a far deeper V2 pair that pays 5%
# more USDT for USDC: the stable pool pays about 1:1 for USDT until its USDC runs low, then
# its rate collapses (its knee).
_KNEE = stable_pair(2, USDC, USDT, (1e6, 1e6, 1e6), amp=2000)
_W50 = weighted_pair(3, WETH, USDC, weight_a=0.5, depth_usd=4e6, skew=1.02)
_W80 = weighted_pair(4, WETH, USDC, weight_a=0.8, depth_usd=6e6, skew=0.985, fee_pips=1000)
_W_BTC = weighted_pair(5, WBTC, WETH, weight_a=0.8, depth_usd=5e6, skew=1.0, fee_pips=2500)
_W_DAI = weighted_pair(6, DAI, WETH, weight_a=0.7, depth_usd=3e6, skew=1.0, fee_pips=2000)
_S200 = stable_pair(7, USDC, DAI, (4e6, 4e6, 6e6), amp=200, fee_pips=400)
_S50 = stable_pair(8, USDC, USDT, (5e6, 3e6, 5e6), amp=50, fee_pips=100)
_S2000 = stable_pair(9, USDC, USDT, (4e6, 4e6, 4e6), amp=2000, fee_pips=100)
_V2_WETH_USDC = v2_pool(20, WETH, USDC, 3e7)
_V2_USDC_USDT = v2_pool(21, USDC, USDT, 3e8, skew=1.05)
_V2_USDC_DAI = v2_pool(22, USDC, DAI, 3e6, skew=0.99)
_V2_WBTC_USDC = v2_pool(23, WBTC, USDC, 4e6, skew=1.01)
_V3_WETH_USDC = v3_pool(24, WETH, USDC, fee_pips=500, bands=NARROW, full_range_usd=1e6)
_V3_USDC_USDT = v3_pool(
    25, USDC, USDT, fee_pips=100, bands=[Band(5, 3e6), Band(50, 2e6)], skew=0.994
)
_V3_DAI_WETH = v3_pool(26, DAI, WETH, fee_pips=3000, bands=NARROW, skew=0.99, full_range_usd=1e6)

PLANTED: dict[str, list[Leg]] = {
    "weighted 20/80 up to its 30% wall": [(_WALL, WETH), (_V2_WETH_USDC, USDC)],
    "stable pool drained to its knee": [(_V2_USDC_USDT, USDC), (_KNEE, USDT)],
    "weighted 50/50 -> v2": [(_W50, WETH), (_V2_WETH_USDC, USDC)],
    "v3 -> weighted 50/50": [(_V3_WETH_USDC, USDC), (_W50, WETH)],
    "weighted 80/20 -> weighted 50/50": [(_W80, USDC), (_W50, WETH)],
    "v3 -> stable A=50": [(_V3_USDC_USDT, USDC), (_S50, USDT)],
    "stable A=2000 -> stable A=50": [(_S2000, USDC), (_S50, USDT)],
    "weighted -> stable -> v3 triangle": [(_W50, WETH), (_S200, USDC), (_V3_DAI_WETH, DAI)],
    "weighted 80/20 -> weighted 70/30 -> v2 triangle": [
        (_W80, USDC),
        (_W_DAI, WETH),
        (_V2_USDC_DAI, DAI),
    ],
    "v2 -> weighted 80/20 through WBTC -> v3": [
        (_V2_WBTC_USDC, USDC),
        (_W_BTC, WBTC),
        (_V3_WETH_USDC, WETH),
    ],
}


def _gap(rng: random.Random) -> float:
    """A price gap between 0.05% and 8%, small ones as likely as large (log-uniform)."""
    return 10 ** rng.uniform(-3.3, -1.1)


def _random_weighted(rng: random.Random, index: int, a: str, b: str) -> WeightedPair:
    return weighted_pair(
        index,
        a,
        b,
        weight_a=rng.choice([0.5, 0.8, 0.2, 0.7, 0.3, 0.98, 0.02]),
        depth_usd=10 ** rng.uniform(5, 7.3),
        skew=1 + rng.choice([-1, 1]) * _gap(rng),
        fee_pips=rng.choice([1000, 2500, 3000, 5000, 10000]),
    )


def _random_stable(rng: random.Random, index: int, a: str, b: str) -> StablePair:
    # Off-balance stable pools are off their peg: that is their gap.
    balances = [10 ** rng.uniform(5.3, 7) for _ in STABLES]
    return stable_pair(
        index,
        a,
        b,
        balances,
        amp=rng.choice([5, 50, 200, 1000, 2000, 5000]),
        fee_pips=rng.choice([40, 100, 400, 1000]),
    )


def _random_other(rng: random.Random, index: int, a: str, b: str) -> V2PoolState | V3PoolState:
    """A V2 or V3 pool of `a`/`b` off its reference price by a random gap."""
    skew = 1 + rng.choice([-1, 1]) * _gap(rng)
    depth = 10 ** rng.uniform(5.5, 7.3)
    if rng.random() < 0.5:
        return v2_pool(index, a, b, depth, skew=skew)
    stable = a in STABLES and b in STABLES
    fee_pips = rng.choice([100, 500]) if stable else rng.choice([500, 3000, 10000])
    bands = [Band(5, depth), Band(50, depth / 2)] if stable else NARROW
    return v3_pool(index, a, b, fee_pips=fee_pips, bands=bands, skew=skew, full_range_usd=depth / 4)


def _pair_legs(first: Pool, second: Pool, start: str) -> list[Leg]:
    other = first.token1 if start == first.token0 else first.token0
    return [(first, start), (second, other)]


def random_cycle(rng: random.Random, index: int) -> list[Leg]:
    """A random cycle with at least one Balancer hop: two pools of one pair (Balancer beside
    V2, V3 or Balancer), or a triangle WETH → USDC → DAI → WETH or WBTC → WETH → USDC → WBTC
    (either way round), its gaps and depths drawn at random. Pools get addresses from
    `index` up."""
    shape = rng.randrange(5)
    if shape == 0:  # a weighted pool beside a V2 or V3 one
        a, b = rng.choice([(WETH, USDC), (WBTC, WETH), (DAI, WETH), (WETH, USDT)])
        pools: list[Pool] = [
            _random_weighted(rng, index, a, b),
            _random_other(rng, index + 1, a, b),
        ]
    elif shape == 1:  # a stable pool beside a V2 or V3 one
        a, b = rng.sample(STABLES, 2)
        pools = [_random_stable(rng, index, a, b), _random_other(rng, index + 1, a, b)]
    elif shape == 2:  # two Balancer pools of one pair
        if rng.random() < 0.5:
            a, b = WETH, USDC
            pools = [_random_weighted(rng, index, a, b), _random_weighted(rng, index + 1, a, b)]
        else:
            a, b = rng.sample(STABLES, 2)
            pools = [_random_stable(rng, index, a, b), _random_stable(rng, index + 1, a, b)]
    else:
        if shape == 3:
            tokens = (WETH, USDC, DAI)
            makers = [_random_weighted, _random_stable, _random_other]
        else:
            tokens = (WBTC, WETH, USDC)
            makers = [_random_weighted, _random_other, _random_other]
        legs = [
            (maker(rng, index + i, tokens[i], tokens[(i + 1) % 3]), tokens[i])
            for i, maker in enumerate(makers)
        ]
        return legs if rng.random() < 0.5 else _reversed(legs)
    rng.shuffle(pools)
    return _pair_legs(pools[0], pools[1], rng.choice([a, b]))


def _reversed(legs: Sequence[Leg]) -> list[Leg]:
    """The same pools the other way round."""
    out: list[Leg] = []
    for pool, token_in in reversed(legs):
        out.append((pool, pool.token1 if token_in == pool.token0 else pool.token0))
    return out


def profitable_direction(legs: list[Leg]) -> list[Leg] | None:
    """`legs`, or the same pools the other way round, whichever a small input earns in (a
    cycle earns in at most one direction); None when neither does."""
    start = legs[0][1]
    probe = usd(start, 10.0) if start in PRICE_USD else 1
    for candidate in (legs, _reversed(legs)):
        if profit_of(candidate)(probe) > 0:
            return candidate
    return None
