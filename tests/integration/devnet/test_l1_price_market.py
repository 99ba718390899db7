"""The devnet's market moves the L1 price on its L2s: after some steps the fee oracles'
stand-ins answer with the walk's price, and the product's fee model reads it."""

from __future__ import annotations

import pytest

from omniarb.chains.fee_models import FeeOracle, TipPolicy
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import chain_by_name
from omniarb.devnet.deploy import DEV_L1_FEES
from omniarb.devnet.market import MarketActivity, MarketParams
from omniarb.devnet.market.l1_price import L1PriceWalk

pytestmark = pytest.mark.integration


async def test_market_walks_the_l1_price_the_fee_model_reads(devnet_factory) -> None:
    steps = 4
    # Interval mining, as the demo runs: the updates are mined in blocks of their own.
    async with devnet_factory({"optimism": 0.5, "arbitrum": 0.5}) as net:
        market = MarketActivity(net.manifest, MarketParams(seed=3, swaps_per_block=1))
        await market.run(steps=steps)
        for name in ("optimism", "arbitrum"):
            spec = chain_by_name(name)
            # The walk a fresh generator with the same seed draws: the price it left behind.
            walk = L1PriceWalk.for_chain(spec, seed=3)
            assert walk is not None
            for _ in range(steps):
                walk.step()
            assert walk.price_wei != DEV_L1_FEES.l1_base_fee_wei
            async with RpcClient(net.manifest.chain(name).rpc_http) as rpc:
                oracle = FeeOracle(rpc=rpc, spec=spec, policy=TipPolicy(bounds=spec.tips))
                quote = await oracle.refresh()
            assert quote.l1_base_fee_wei == walk.price_wei, name
