"""The large devnet's catalog (`[devnet] scale = "large"`): 100+ tokens and 2,000+ pools per
chain over every deployed DEX at its kind's own fee tiers, a few hubs and a long tail, depths
over four orders of magnitude, the same on every run; and the generator knows no kind."""

from __future__ import annotations

import math
import random
from collections import defaultdict

import pytest

from omniarb.chains.spec import CHAINS, ChainSpec
from omniarb.devnet.catalog import REFERENCE_PRICES_USD, catalog_for
from omniarb.devnet.kinds import devnet_kind, is_deployed
from omniarb.devnet.kinds.base import ChainTokens
from omniarb.devnet.long_tail import (
    MAX_DEPTH_USD,
    MIN_DEPTH_USD,
    TAIL_ASSETS,
    DexTiers,
    kind_fee_tiers,
    plan_tail_pools,
)


@pytest.mark.parametrize("chain", CHAINS, ids=lambda c: c.name)
def test_a_large_chain_has_a_hundred_tokens_and_two_thousand_pools(chain: ChainSpec) -> None:
    default = catalog_for(chain)
    large = catalog_for(chain, "large")

    # The default catalog is untouched, and is where the large one starts.
    assert large.tokens[: len(default.tokens)] == default.tokens
    assert large.pools[: len(default.pools)] == default.pools
    assert len(large.tokens) >= 100
    assert len(large.pools) >= 2_000
    symbols = [t.symbol for t in large.tokens]
    assert len(set(symbols)) == len(symbols)
    assert all(t.asset in REFERENCE_PRICES_USD for t in large.tokens)
    tail = large.tokens[len(default.tokens) :]
    assert {t.decimals for t in tail} >= {6, 8, 18}

    # Every deployed DEX that takes tail pools gets its share (a stable kind's curve fits
    # tokens of one price only: it keeps its own pools), each pool at a fee tier its kind plans
    # its own at, and no DEX has the same pair at the same tier twice.
    dexes = [d for d in chain.dexes if is_deployed(d.kind)]
    takers = [d for d in dexes if devnet_kind(d.kind).takes_tail_pools]
    assert len(takers) < len(dexes)
    per_dex: dict[str, int] = defaultdict(int)
    seen: set[tuple[str, frozenset[str], int | None]] = set()
    for pool in large.pools:
        per_dex[pool.dex] += 1
        key = (pool.dex, frozenset(pool.symbols), pool.fee)
        assert key not in seen, pool
        seen.add(key)
        assert pool.token_a != pool.token_b
        # A pool may pair the native coin itself (Uniswap V4's currency 0).
        coin = [large.native.symbol] if large.native is not None else []
        assert pool.token_a in symbols + coin
        assert pool.token_b in symbols + coin
    assert set(per_dex) == {d.name for d in dexes}
    assert min(per_dex[d.name] for d in takers) >= 2_000 // len(takers)
    for dex in dexes:
        if dex not in takers:
            planned = devnet_kind(dex.kind).plan_pools(dex.name, 0, _roles(chain))
            assert per_dex[dex.name] == len(planned)
    for rank, dex in enumerate(dexes):
        planned = devnet_kind(dex.kind).plan_pools(dex.name, rank, _roles(chain))
        fees = set(kind_fee_tiers(planned))
        assert {p.fee for p in large.pools if p.dex == dex.name} <= fees

    # A few hubs, a long tail: every tail token is paired with a hub somewhere, and popular
    # pairs sit on several DEXes, which is where prices drift apart.
    hubs = {t.symbol for t in default.tokens}
    tail_symbols = {t.symbol for t in tail}
    with_hub = {
        s
        for p in large.pools
        for s in (p.token_a, p.token_b)
        if s in tail_symbols and {p.token_a, p.token_b} - {s} <= hubs
    }
    assert with_hub == tail_symbols
    dexes_of_pair: dict[frozenset[str], set[str]] = defaultdict(set)
    for pool in large.pools:
        dexes_of_pair[frozenset((pool.token_a, pool.token_b))].add(pool.dex)
    assert sum(len(d) >= 2 for d in dexes_of_pair.values()) >= 200

    depths = [p.depth_usd for p in large.pools[len(default.pools) :]]
    assert MIN_DEPTH_USD <= min(depths) < 10_000
    assert 20_000_000 < max(depths) <= MAX_DEPTH_USD
    assert math.log10(max(depths) / min(depths)) >= 3.6


def test_the_long_tail_is_the_same_on_every_run() -> None:
    chain = CHAINS[0]
    first = catalog_for(chain, "large")
    # Nothing depends on the global random state or on anything else of the process.
    random.seed(12345)
    assert catalog_for(chain, "large") == first
    prices = {a.symbol: a.price_usd for a in TAIL_ASSETS}
    assert len(prices) == len(TAIL_ASSETS)
    assert min(prices.values()) > 0
    # Tail prices span seven orders of magnitude, from fractions of a cent to thousands.
    assert min(prices.values()) < 0.01 < 1_000 < max(prices.values())
    # Chains share part of their tail (bridged tokens), not all of it.
    tails = [
        {t.symbol for t in catalog_for(c, "large").tokens[len(catalog_for(c).tokens) :]}
        for c in CHAINS
    ]
    assert all(0 < len(tails[0] & other) < len(other) for other in tails[1:])


def test_the_generator_needs_nothing_from_a_kind_but_its_fee_tiers() -> None:
    # A kind no registry knows, with tiers of its own: its pools come at exactly those tiers.
    dexes = [
        DexTiers(dex="some-amm", kind="some-kind", fees=(None,)),
        DexTiers(dex="other-amm", kind="other-kind", fees=(7, 70, 700)),
    ]
    hubs = ["WETH", "USDC"]
    tails = [a.symbol for a in TAIL_ASSETS[:30]]
    pools = plan_tail_pools("testnet", dexes, hubs, tails, pools=400)
    assert len(pools) == 400
    assert {p.fee for p in pools if p.dex == "some-amm"} == {None}
    assert {p.fee for p in pools if p.dex == "other-amm"} <= {7, 70, 700}
    # A pair with a tail token takes one of the upper tiers (volatile pairs pay more).
    tail_pools = [p for p in pools if p.dex == "other-amm" and {p.token_a, p.token_b} - set(hubs)]
    assert {p.fee for p in tail_pools} <= {70, 700}
    assert {p.kind for p in pools} == {"some-kind", "other-kind"}


def _roles(chain: ChainSpec) -> ChainTokens:
    """The roles the catalog plans `chain`'s pools with (its bitcoin and flavour tokens)."""
    tokens = catalog_for(chain).tokens
    return ChainTokens(
        wrapped_native=tokens[0].symbol,
        btc=tokens[4].symbol,
        flavour_a=tokens[5].symbol,
        flavour_b=tokens[6].symbol,
    )
