"""The market's decisions: chain state + reference prices + a seeded RNG → the swaps of one step.

A pure function, so the same seed and the same state give the same swaps on any machine and
under any timing. Ordinary flow picks pools at random; each trade leans toward the reference
(a pool that overprices token0 mostly sees token0 sold into it, with probability
`½ + ½·tanh(deviation / lean_bps)`); its size is heavy-tailed noise in USD (Pareto), plus, when
it trades toward the reference, an informed part that closes a random share of the gap; and no
ordinary trade exceeds `cap_bps` of what the pool holds of the input token. A whale, with
`whale_probability` per step, trades 1–5% of a pool's input-token holdings in a random direction:
that is what opens the price gaps between DEXes and chains that arbitrage then closes.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from omniarb.devnet.market.state import ChainState, PoolState
from omniarb.devnet.pricing import amount_for_usd

__all__ = ["FlowModel", "SwapIntent", "decide_swaps", "deviation_bps"]

_PPM = 1_000_000


@dataclass(frozen=True, slots=True, kw_only=True)
class SwapIntent:
    """One swap to send: `amount_in` base units of token0 (`zero_for_one`) or token1 into `pool`
    (its `PoolState.key`).

    `trader` is a slot (0 … traders−1), not an address, so decisions stay free of key material.
    """

    pool: str
    zero_for_one: bool
    amount_in: int
    trader: int
    whale: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowModel:
    """How traders behave; the defaults give lively but plausible pools.

    `lean_bps`: the deviation from the reference at which 88% of trades push back.
    `noise_min_usd`, `noise_alpha`: Pareto scale and tail index of uninformed sizes (α 1.3 gives
    a median near $340 and an occasional six-figure trade).
    `informed_share_max`: a trade toward the reference closes up to this share of the gap.
    `cap_bps`: ceiling of an ordinary trade, in bps of the pool's input-token holdings.
    `whale_min_bps`, `whale_max_bps`: a whale's size range in the same unit.
    """

    lean_bps: float = 50.0
    noise_min_usd: float = 200.0
    noise_alpha: float = 1.3
    informed_share_max: float = 0.5
    cap_bps: int = 50
    whale_min_bps: int = 100
    whale_max_bps: int = 500


def deviation_bps(pool: PoolState, reference_usd: Mapping[str, float]) -> float:
    """How far the pool's price of token0 (in token1) sits above the reference's, in log-bps."""
    reference = reference_usd[pool.asset0] / reference_usd[pool.asset1]
    return math.log(pool.price() / reference) * 10_000


def decide_swaps(
    state: ChainState,
    reference_usd: Mapping[str, float],
    rng: random.Random,
    *,
    swaps: int,
    whale_probability: float,
    traders: int,
    model: FlowModel | None = None,
) -> tuple[SwapIntent, ...]:
    """The swaps of one step, in sending order: `swaps` ordinary ones, then maybe one whale.

    Every call draws from `rng` in a fixed pattern for a given state, so replaying the same
    states with an RNG seeded alike replays the same swaps. Zero-sized trades are dropped.
    """
    flow = model or FlowModel()
    pools = [p for p in state.pools if min(p.balance0, p.balance1, p.virtual0, p.virtual1) > 0]
    if not pools:
        return ()
    intents = [
        _ordinary(rng.choice(pools), reference_usd, rng, flow, traders) for _ in range(swaps)
    ]
    # The whale draw happens every step, so the probability does not shift the other draws.
    if rng.random() < whale_probability:
        intents.append(_whale(rng.choice(pools), rng, flow, traders))
    return tuple(i for i in intents if i.amount_in > 0)


def _ordinary(
    pool: PoolState,
    reference_usd: Mapping[str, float],
    rng: random.Random,
    flow: FlowModel,
    traders: int,
) -> SwapIntent:
    deviation = deviation_bps(pool, reference_usd)
    sell_token0 = 0.5 + 0.5 * math.tanh(deviation / flow.lean_bps)
    zero_for_one = rng.random() < sell_token0
    noise_usd = flow.noise_min_usd * rng.paretovariate(flow.noise_alpha)
    informed_share = rng.random() * flow.informed_share_max
    trader = rng.randrange(traders)

    asset_in, decimals_in = (
        (pool.asset0, pool.decimals0) if zero_for_one else (pool.asset1, pool.decimals1)
    )
    amount_in = amount_for_usd(Fraction(noise_usd), Fraction(reference_usd[asset_in]), decimals_in)
    if zero_for_one == (deviation > 0):
        # Selling x into a constant-product pool moves its price by about 2·Δx/x, so closing a
        # gap of d takes about x·d/2 of the input token.
        gap_ppm = int(abs(deviation) * 100)
        share_ppm = int(informed_share * _PPM)
        amount_in += pool.virtual_in(zero_for_one) * gap_ppm * share_ppm // (2 * _PPM * _PPM)
    cap = pool.balance_in(zero_for_one) * flow.cap_bps // 10_000
    return SwapIntent(
        pool=pool.key, zero_for_one=zero_for_one, amount_in=min(amount_in, cap), trader=trader
    )


def _whale(pool: PoolState, rng: random.Random, flow: FlowModel, traders: int) -> SwapIntent:
    zero_for_one = rng.random() < 0.5
    size_bps = rng.randint(flow.whale_min_bps, flow.whale_max_bps)
    trader = rng.randrange(traders)
    amount_in = pool.balance_in(zero_for_one) * size_bps // 10_000
    return SwapIntent(
        pool=pool.key, zero_for_one=zero_for_one, amount_in=amount_in, trader=trader, whale=True
    )
