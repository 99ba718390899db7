"""A mainnet-sized V2 graph for `benchmarks/detect.py`: 300,000 pools shaped like Ethereum's.

Ethereum has ~300k Uniswap V2-style pairs, and almost all of them are a tail token paired with
WETH on one DEX, which closes no cycle at all. The graph here:

- 5 hub tokens: WETH, USDC, USDT, DAI (the base tokens, as `omniarb.wiring` configures them:
  wrapped native and stablecoins) and WBTC (a hub, not a base: a cycle needs a base to start);
- 4 DEXes: dex-a 0.30% (the first pool of 80% of tail pairs, as Uniswap V2), dex-b 0.30%,
  dex-c 0.25%, dex-d 0.20%; all 10 hub–hub pairs on all 4 DEXes (40 pools, $2M–$50M deep);
- tail tokens: 86% paired with WETH only, 10% with WETH and one other hub (USDC 40%, USDT 30%,
  DAI 15%, WBTC 15%), 4% with one stablecoin only; each such pair on one DEX (88%), two (9%)
  or three (3%); $2k–$2M deep;
- 2% of pools (~6,000) are tail–tail pairs between random tail tokens, one DEX each.

At seed 5 that is 232,164 tail tokens (208,810 with one hub, 23,354 with two); 211,771 /
37,796 / 30,045 / 20,388 pools on dex-a/b/c/d; and 354,090 cycles (90,824 2-hop, 263,266
3-hop). Most are triangles tail–WETH–hub through one of a hub pair's 4 pools: a WETH–USDC pool
is in 24,700 cycles, WETH–USDT 18,846, WETH–WBTC 9,380, WETH–DAI 9,294, the other hub pools 102
each. 175,597 pools are in no cycle; the others in 2.4 on average, 32 at most. The share of
tails with a second hub (10%) is above mainnet's few thousand tokens with both a WETH and a
USDC/USDT pair, so the count errs on the heavy side. Pools are priced from the tokens' USD
prices with ±0.1% noise, except `planted` pools (±3%), and come in a random order (as pairs were
created over the years).
"""

from __future__ import annotations

import random
import resource
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from omniarb.dex.uniswap_v2.pool import V2PoolState

POOLS = 300_000
CHAIN_ID = 1
# (name, fee_bps, share of the tail pairs whose first pool is on it)
DEXES = (("dex-a", 30, 0.80), ("dex-b", 30, 0.10), ("dex-c", 25, 0.07), ("dex-d", 20, 0.03))
# (symbol, USD price, decimals); the first four are the base tokens, in priority order.
HUBS = (
    ("WETH", 3000.0, 18),
    ("USDC", 1.0, 6),
    ("USDT", 1.0, 6),
    ("DAI", 1.0, 18),
    ("WBTC", 60000.0, 8),
)
TAIL_TAIL_SHARE = 0.02
# A tail's hubs: WETH only / WETH and one other hub / one stablecoin only.
TAIL_PLANS = ((("WETH",), 0.86), (("WETH", "*"), 0.10), (("$",), 0.04))
SECOND_HUB = (("USDC", 0.40), ("USDT", 0.30), ("DAI", 0.15), ("WBTC", 0.15))
ONLY_STABLE = (("USDC", 0.5), ("USDT", 0.4), ("DAI", 0.1))
DEXES_PER_PAIR = ((1, 0.88), (2, 0.09), (3, 0.03))
DECIMALS = ((18, 0.85), (9, 0.10), (6, 0.05))
_DEX_SHARES = tuple((i, share) for i, (*_, share) in enumerate(DEXES))

T = TypeVar("T")
_Token = tuple[str, float, int]  # (address, USD price, decimals)


@dataclass(frozen=True, slots=True, kw_only=True)
class MainnetGraph:
    """The pools (random order), the fair states of the planted ones, and the tokens."""

    states: list[V2PoolState]
    fair: list[V2PoolState]
    base_tokens: list[str]
    hub_pools: list[str]  # addresses of the hub–hub pools
    tail_tokens: int


def _address(index: int) -> str:
    return f"0x{index:040x}"


def _pick(rng: random.Random, weighted: Sequence[tuple[T, float]]) -> T:
    draw = rng.random()
    for value, weight in weighted:
        draw -= weight
        if draw < 0:
            return value
    return weighted[-1][0]


def _dexes(rng: random.Random) -> list[tuple[str, int]]:
    """The DEXes one tail pair is on: the first by market share, the others uniformly."""
    count, first = _pick(rng, DEXES_PER_PAIR), _pick(rng, _DEX_SHARES)
    others = rng.sample([i for i in range(len(DEXES)) if i != first], count - 1)
    return [DEXES[i][:2] for i in (first, *others)]


def build_mainnet(rng: random.Random, *, planted: int) -> MainnetGraph:
    """The graph described in the module docstring, `POOLS` pools exactly."""
    hubs = {symbol: (_address(1 + i), price, dec) for i, (symbol, price, dec) in enumerate(HUBS)}
    # (token a, token b, depth in USD, dex, fee_bps) per pool
    pairs: list[tuple[_Token, _Token, float, str, int]] = []
    hub_list = list(hubs.values())
    for i, a in enumerate(hub_list):
        for b in hub_list[i + 1 :]:
            depth = 10 ** rng.uniform(6.3, 7.7)
            pairs.extend((a, b, depth, dex, fee) for dex, fee, _ in DEXES)
    hub_pool_count = len(pairs)
    tail_budget = POOLS - hub_pool_count - int(POOLS * TAIL_TAIL_SHARE)
    tails: list[_Token] = []
    while len(pairs) < tail_budget:
        token = (_address(1000 + len(tails)), 10 ** rng.uniform(-6, 3), _pick(rng, DECIMALS))
        tails.append(token)
        for hub in _pick(rng, TAIL_PLANS):
            symbol = hub
            if hub in ("*", "$"):
                symbol = _pick(rng, SECOND_HUB if hub == "*" else ONLY_STABLE)
            depth = 10 ** rng.uniform(3.3, 6.3)
            pairs.extend((token, hubs[symbol], depth, dex, fee) for dex, fee in _dexes(rng))
    seen = {(a[0], b[0]) for a, b, *_ in pairs}
    while len(pairs) < POOLS:
        a, b = sorted(rng.sample(tails, 2))
        if (a[0], b[0]) not in seen:
            seen.add((a[0], b[0]))
            dex, fee, _ = DEXES[_pick(rng, _DEX_SHARES)]
            pairs.append((a, b, 10 ** rng.uniform(3.0, 5.5), dex, fee))
    pairs = pairs[:POOLS]
    order = list(range(len(pairs)))
    rng.shuffle(order)
    planted_ids = set(rng.sample(range(len(pairs)), planted))
    factories = {dex: _address(10 + i) for i, (dex, *_) in enumerate(DEXES)}
    states: list[V2PoolState] = []
    fair: list[V2PoolState] = []
    hub_pools: list[str] = []
    for index in order:
        a, b, depth_usd, dex, fee_bps = pairs[index]
        token0, token1 = sorted((a, b))
        state = V2PoolState(
            chain_id=CHAIN_ID,
            address=_address(10**7 + index),
            dex=dex,
            factory=factories[dex],
            token0=token0[0],
            token1=token1[0],
            reserve0=int(depth_usd / 2 / token0[1] * 10 ** token0[2]),
            reserve1=int(depth_usd / 2 / token1[1] * 10 ** token1[2]),
            fee_bps=fee_bps,
            block_number=1,
        )
        if index < hub_pool_count:
            hub_pools.append(state.address)
        noise = 0.03 if index in planted_ids else 0.001
        if index in planted_ids:
            fair.append(state)
        reserve1 = int(state.reserve1 * (1 + rng.uniform(-noise, noise)))
        states.append(replace(state, reserve1=reserve1))
    return MainnetGraph(
        states=states,
        fair=fair,
        base_tokens=[hubs[symbol][0] for symbol, *_ in HUBS[:4]],
        hub_pools=hub_pools,
        tail_tokens=len(tails),
    )


def rss_mib() -> float:
    """The current resident set size (Linux: /proc/self/statm)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def peak_rss_mib() -> float:
    """This process's peak resident set size so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
