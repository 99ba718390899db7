"""A price gap planted between two devnet chains: the cross-chain detector, fed the pool states
read from the deployed pools, sells where ETH is dear and buys where it is cheap, and each leg's
predicted output equals what the deployed contracts quote for it (Router02 `getAmountsOut`,
QuoterV2) at the same block, to the wei. The devnet's manifest carries the bridged tokens."""

from __future__ import annotations

import pytest
from _pool_states import pool_states
from _receipts import mined_receipt
from _route_quotes import hop_out

from omniarb._config_cross_chain import CrossChainSettings
from omniarb.chains.abi import encode_call
from omniarb.chains.assets import AssetRegistry
from omniarb.chains.rpc import RpcClient
from omniarb.cross_chain_types import LegFee, LegPlan
from omniarb.detect.cross_chain import CrossChainDetector
from omniarb.devnet import dev_account
from omniarb.dex.base import PoolState
from omniarb.network import ChainManifest

pytestmark = pytest.mark.integration

_LEG_KINDS = ("uniswap-v2", "uniswap-v3")
_SWAP = "swapExactTokensForTokens(uint256,uint256,address[],address,uint256)"
_FEE = LegFee(gas_price_wei=10**8, l1_data_fee_wei=0, leg_gas=150_000, native_usd=3000.0)


async def _states(rpc: RpcClient, chain: ChainManifest) -> tuple[int, list[PoolState]]:
    """The chain's head and its V2/V3 pools' states after it, read by the kinds' own books."""
    return await pool_states(rpc, chain, _LEG_KINDS)


async def _quoted(rpc: RpcClient, chain: ChainManifest, leg: LegPlan) -> int:
    """The leg's output as the deployed contracts quote it, hop by hop, at its block."""
    amount = leg.amount_in
    for hop in leg.route.hops:
        named = {
            "pool": hop.pool,
            "dex": hop.dex,
            "kind": hop.kind,
            "token_in": chain.token_by_address(hop.token_in).symbol,
            "token_out": chain.token_by_address(hop.token_out).symbol,
        }
        amount = await hop_out(rpc, chain, named, amount, leg.block_number)
    return amount


async def test_planted_gap_legs_equal_the_deployed_quotes(devnet_factory) -> None:
    async with devnet_factory({"ethereum": None, "arbitrum": None}) as net:
        ethereum, arbitrum = net.manifest.chain("ethereum"), net.manifest.chain("arbitrum")
        # Polygon's and BNB Chain's variants are marked; these two chains hold native issues.
        assert all(t.bridged is None for t in ethereum.tokens)
        assert arbitrum.token("WBTC").bridged == "arbitrum-bridge"
        registry = AssetRegistry.from_manifest(net.manifest)
        assert registry.chains("ETH") == ("arbitrum", "ethereum")
        settings = CrossChainSettings(
            enabled=True, assets=("ETH",), max_trade_usd=200_000.0, min_expected_value_usd=5.0
        )
        detector = CrossChainDetector(settings, registry)
        inventory = {
            (chain.name, chain.token(symbol).address.lower()): amount
            for chain in (ethereum, arbitrum)
            for symbol, amount in (("WETH", 1_000 * 10**18), ("USDC", 10**7 * 10**6))
        }
        fees = {"ethereum": _FEE, "arbitrum": _FEE}
        async with RpcClient(ethereum.rpc_http) as eth_rpc, RpcClient(arbitrum.rpc_http) as arb_rpc:
            number, states = await _states(eth_rpc, ethereum)
            assert (
                detector.on_block("ethereum", number, states, inventory=inventory, fees=fees) == []
            )
            # Plant: a trader dumps WETH into Arbitrum's pools: ETH is cheap there.
            trader = dev_account(1).address
            path = [arbitrum.token("WETH").address, arbitrum.token("USDC").address]
            for dex in ("sushiswap", "camelot"):
                data = encode_call(_SWAP, 150 * 10**18, 0, path, trader, 2**32 - 1)
                tx = {"from": trader, "to": arbitrum.dex(dex).router, "data": data,
                      "gas": hex(400_000)}  # fmt: skip
                receipt = await mined_receipt(
                    arb_rpc, await arb_rpc.call("eth_sendTransaction", tx)
                )
                assert receipt["status"] == "0x1"
            number, states = await _states(arb_rpc, arbitrum)
            found = detector.on_block("arbitrum", number, states, inventory=inventory, fees=fees)
            assert found, detector.counters
            trade = found[0]
            assert (trade.sell.chain, trade.buy.chain) == ("ethereum", "arbitrum")
            assert trade.expected_value_usd >= 5.0
            sell_quote = await _quoted(eth_rpc, ethereum, trade.sell)
            buy_quote = await _quoted(arb_rpc, arbitrum, trade.buy)
        assert trade.sell.predicted_out == sell_quote
        assert trade.buy.predicted_out == buy_quote
        # The asset comes back whole: bought on Arbitrum at least what was sold on Ethereum.
        assert trade.buy.predicted_out >= trade.sell.amount_in
        assert {h.kind for h in (*trade.sell.route.hops, *trade.buy.route.hops)} <= set(_LEG_KINDS)
