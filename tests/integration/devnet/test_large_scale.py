"""The large devnet (`[devnet] scale = "large"`) on one real chain: every planned token and pool
is deployed, each pool holds its depth at the reference price, the deployment is saved in the
state-dump cache apart from the default one and loads again, and the market trades on it.

One chain, not five: the catalogs of all five are checked without a node
(`tests/unit/devnet/test_long_tail.py`), and a cold deployment of one large chain takes about
a minute on two busy cores (all five in parallel, about three), while a cached one starts in
about two seconds.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import pytest

from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import chain_by_name
from omniarb.devnet.catalog import REFERENCE_PRICES_USD, catalog_for
from omniarb.devnet.market import MarketActivity, MarketParams
from omniarb.devnet.market._reader import StateReader

pytestmark = pytest.mark.integration

_CHAIN = "ethereum"
# Pools start at the reference price up to the rounding of a V3 pool's √P and of whole base
# units: a hundredth of a basis point.
_PRICE_TOLERANCE_BPS = 0.01


async def test_the_large_devnet_deploys_saves_loads_and_trades(
    devnet_factory, omniarb_home
) -> None:
    spec = chain_by_name(_CHAIN)
    catalog = catalog_for(spec, "large")
    async with devnet_factory({_CHAIN: None}, scale="large") as net:
        chain = net.manifest.chain(_CHAIN)
        assert [t.symbol for t in chain.tokens] == [t.symbol for t in catalog.tokens]
        assert [(t.decimals, t.asset) for t in chain.tokens] == [
            (t.decimals, t.asset) for t in catalog.tokens
        ]
        # Each planned pool, in order, at an address of its own on its DEX: one entry, or one
        # per pair of its tokens for a pool of more (the three stablecoins' Balancer pool).
        pairs = [
            (planned, set(pair))
            for planned in catalog.pools
            for pair in itertools.combinations(planned.symbols, 2)
        ]
        assert len(chain.pools) == len(pairs)
        assert len({p.address for p in chain.pools}) == len(catalog.pools) >= 2_000
        for pool, (planned, symbols) in zip(chain.pools, pairs, strict=True):
            assert (pool.dex, pool.kind) == (planned.dex, planned.kind)
            assert {pool.symbol0, pool.symbol1} == symbols
            if planned.fee is not None:
                assert pool.fee == planned.fee

        async with RpcClient(chain.rpc_http) as rpc:
            state = await StateReader(chain).read(rpc)
        for pool, (planned, _) in zip(state.pools, pairs, strict=True):
            reference = REFERENCE_PRICES_USD[pool.asset0] / REFERENCE_PRICES_USD[pool.asset1]
            assert abs(math.log(pool.price() / float(reference)) * 10_000) < _PRICE_TOLERANCE_BPS
            # What the pool holds is worth at most its depth, and at least a third of it (a V3
            # pool's narrow positions take only what their range needs of each token; a pair of
            # the three stablecoins' pool holds two thirds).
            held_usd = (
                Fraction(pool.balance0, 10**pool.decimals0) * REFERENCE_PRICES_USD[pool.asset0]
                + Fraction(pool.balance1, 10**pool.decimals1) * REFERENCE_PRICES_USD[pool.asset1]
            )
            if pool.kind == "uniswap-v4":
                continue  # its tokens are the PoolManager's; the reader reports virtual reserves
            assert planned.depth_usd / 3 < held_usd <= planned.depth_usd * Fraction(1001, 1000)
        deployed = net.manifest

        market = MarketActivity(net.manifest, MarketParams(seed=3, swaps_per_block=6))
        await market.run(steps=4)
        (stats,) = market.snapshot().chains
        assert stats.swaps_mined > 0
        assert stats.swaps_failed == 0

    # Saved apart from the default scale's deployment, and loaded from there on the next start.
    saved = sorted((omniarb_home / "cache" / "devnet").glob(f"{_CHAIN}-large-*.state.json"))
    assert saved
    async with devnet_factory({_CHAIN: None}, scale="large") as again:
        assert again.manifest.chain(_CHAIN).pools == deployed.chain(_CHAIN).pools
        assert again.manifest.chain(_CHAIN).tokens == deployed.chain(_CHAIN).tokens
