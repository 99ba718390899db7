"""The long tail of the large devnet (`[devnet] scale = "large"`): generated tokens and pools.

Everything here is drawn from `random.Random` seeded with fixed strings, so every machine
generates the same tokens, prices and pools, and the deployment cache stays valid.

- `TAIL_ASSETS`: a universe of tail tokens, each with a symbol, a name, its decimals (6, 8, 9,
  12 or 18, mostly 18, as on real chains) and a reference price log-uniform over seven orders
  of magnitude ($0.0005 to $5,000). Each chain lists `TAIL_TOKENS_PER_CHAIN` of them, so a
  tail token sits on two or three chains on average, as bridged tokens do.
- `plan_tail_pools`: about `TAIL_POOLS_PER_CHAIN` pools over the chain's DEXes, shared evenly,
  each pool of one DEX at one of the fee tiers that DEX's kind plans for its own pools (so
  every kind is covered without knowing anything new about it). A pair is drawn by token
  popularity (a Zipf law), so popular pairs sit on several DEXes and at several fee tiers, and
  prices drift apart between them; depths are log-uniform per pair class: hub/hub $1M–$50M,
  hub/tail $20k–$5M scaled by the tail token's popularity, tail/tail $5k–$500k.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from omniarb.devnet.kinds.base import PoolDef

__all__ = [
    "MAX_DEPTH_USD",
    "MIN_DEPTH_USD",
    "TAIL_ASSETS",
    "TAIL_POOLS_PER_CHAIN",
    "TAIL_TOKENS_PER_CHAIN",
    "DexTiers",
    "TailAsset",
    "kind_fee_tiers",
    "plan_tail_pools",
    "tail_assets_for",
]

TAIL_UNIVERSE = 240
TAIL_TOKENS_PER_CHAIN = 100
TAIL_POOLS_PER_CHAIN = 2_000
MIN_DEPTH_USD = 5_000
MAX_DEPTH_USD = 50_000_000

_DECIMALS = (18, 18, 18, 18, 18, 18, 9, 12, 8, 6, 6)
_MIN_PRICE_USD = 0.0005
_MAX_PRICE_USD = 5_000.0
_CONSONANTS = "bdfgklmnprstvz"
_VOWELS = "aeiou"
# Zipf exponent of tail-token popularity: the most popular token is drawn ~20x more often
# than the 100th.
_ZIPF_S = 0.65
# How a pool's pair is drawn: hub/tail, tail/tail, hub/hub (in this order of the cumulative
# probabilities).
_HUB_TAIL_P = 0.62
_TAIL_TAIL_P = 0.93
# Give up drawing for a DEX after this many draws in a row produced a pool it already has.
_MAX_MISSES = 2_000


@dataclass(frozen=True, slots=True, kw_only=True)
class TailAsset:
    """A generated token: `asset` equals `symbol`, and links it across chains."""

    symbol: str
    name: str
    decimals: int
    price_usd: Fraction


@dataclass(frozen=True, slots=True, kw_only=True)
class DexTiers:
    """A DEX of the chain with its kind and the fee tiers its kind plans its pools at (None for
    a kind whose DEX sets one fee for all pools)."""

    dex: str
    kind: str
    fees: tuple[int | None, ...]


def _word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(_CONSONANTS) + rng.choice(_VOWELS) for _ in range(syllables))


def _generate_universe() -> tuple[TailAsset, ...]:
    rng = random.Random("omniarb-devnet-tail-assets")
    assets: list[TailAsset] = []
    seen: set[str] = set()
    while len(assets) < TAIL_UNIVERSE:
        word = _word(rng, rng.choice((2, 2, 3)))
        symbol = word.upper()[:5]
        if symbol in seen:
            continue
        seen.add(symbol)
        log_price = rng.uniform(math.log10(_MIN_PRICE_USD), math.log10(_MAX_PRICE_USD))
        # Four significant digits: a price a listing would show, and an exact Fraction.
        price = Fraction(f"{10**log_price:.4g}")
        assets.append(
            TailAsset(
                symbol=symbol,
                name=f"{word.capitalize()} Token",
                decimals=rng.choice(_DECIMALS),
                price_usd=price,
            )
        )
    return tuple(assets)


TAIL_ASSETS: tuple[TailAsset, ...] = _generate_universe()


def tail_assets_for(chain: str, reserved: Sequence[str] = ()) -> tuple[TailAsset, ...]:
    """The tail tokens `chain` lists, most popular first; none whose symbol is in `reserved`
    (the chain's own tokens)."""
    rng = random.Random(f"omniarb-devnet-tail:{chain}")
    free = [a for a in TAIL_ASSETS if a.symbol not in set(reserved)]
    return tuple(rng.sample(free, TAIL_TOKENS_PER_CHAIN))


def _log_uniform(rng: random.Random, low: float, high: float) -> int:
    return int(10 ** rng.uniform(math.log10(low), math.log10(high)))


def plan_tail_pools(
    chain: str,
    dexes: Sequence[DexTiers],
    hubs: Sequence[str],
    tails: Sequence[str],
    existing: Sequence[PoolDef] = (),
    pools: int = TAIL_POOLS_PER_CHAIN,
) -> tuple[PoolDef, ...]:
    """About `pools` pools over `dexes` (an equal share each) between `hubs` (most liquid
    first) and `tails` (most popular first), none the same as one of `existing`."""
    if not dexes:
        return ()
    rng = random.Random(f"omniarb-devnet-tail-pools:{chain}")
    tail_weights = [1 / (rank + 1) ** _ZIPF_S for rank in range(len(tails))]
    hub_weights = [1 / (rank + 1) for rank in range(len(hubs))]
    taken = {_key(p) for p in existing}
    share = -(-pools // len(dexes))
    planned: list[PoolDef] = []
    for tiers in dexes:
        made = misses = 0
        while made < share and misses < _MAX_MISSES:
            pool = _draw(rng, tiers, hubs, hub_weights, tails, tail_weights)
            key = _key(pool)
            if key in taken:
                misses += 1
                continue
            taken.add(key)
            planned.append(pool)
            made += 1
            misses = 0
    return tuple(planned)


def _key(pool: PoolDef) -> tuple[str, str, str, int | None]:
    """What makes a pool distinct on its DEX: its pair (in either order) and fee tier."""
    low, high = sorted((pool.token_a, pool.token_b))
    return pool.dex, low, high, pool.fee


def _draw(
    rng: random.Random,
    tiers: DexTiers,
    hubs: Sequence[str],
    hub_weights: Sequence[float],
    tails: Sequence[str],
    tail_weights: Sequence[float],
) -> PoolDef:
    """One pool of DEX `tiers`: its pair, class depth and a fee tier of its kind."""
    roll = rng.random()
    if roll < _HUB_TAIL_P:
        (tail_rank,) = rng.choices(range(len(tails)), tail_weights)
        (hub,) = rng.choices(hubs, hub_weights)
        pair = (tails[tail_rank], hub)
        # A popular tail token has deeper pools: the top one up to $5M, the last near $200k.
        ceiling = 5_000_000 * tail_weights[tail_rank]
        depth = _log_uniform(rng, 20_000, max(ceiling, 40_000))
        volatile = True
    elif roll < _TAIL_TAIL_P:
        a, b = rng.choices(range(len(tails)), tail_weights, k=2)
        while b == a:
            (b,) = rng.choices(range(len(tails)), tail_weights)
        pair = (tails[a], tails[b])
        depth = _log_uniform(rng, MIN_DEPTH_USD, 500_000)
        volatile = True
    else:
        pair = (hubs[0], hubs[0])
        while pair[0] == pair[1]:
            pair = (rng.choice(hubs), rng.choice(hubs))
        depth = _log_uniform(rng, 1_000_000, MAX_DEPTH_USD)
        volatile = False
    return PoolDef(
        dex=tiers.dex,
        kind=tiers.kind,
        token_a=pair[0],
        token_b=pair[1],
        depth_usd=min(max(depth, MIN_DEPTH_USD), MAX_DEPTH_USD),
        fee=_fee(rng, tiers.fees, volatile=volatile),
    )


def _fee(rng: random.Random, fees: Sequence[int | None], *, volatile: bool) -> int | None:
    """A fee tier for a new pool: a pair with a tail token takes one of the upper half of the
    kind's tiers (volatile pairs pay more, as on mainnet), a hub pair any."""
    ordered = sorted(fees, key=lambda fee: -1 if fee is None else fee)
    return rng.choice(ordered[len(ordered) // 2 :] if volatile else ordered)


def kind_fee_tiers(plan: Sequence[PoolDef]) -> tuple[int | None, ...]:
    """The fee tiers a kind plans its pools at, as its plan shows them."""
    return tuple(sorted({p.fee for p in plan}, key=lambda fee: -1 if fee is None else fee))
