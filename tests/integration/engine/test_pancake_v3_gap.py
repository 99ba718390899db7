"""The bot trades a gap between a PancakeSwap V3 pool and a Uniswap V3 pool and realizes
exactly what it predicted.

On BNB Chain a whale sells USDC into PancakeSwap V3's 0.01% USDC/USDT pool (through the devnet
router, the pool's own swap): USDC gets cheap there, and the best cycles buy it in that pool
and sell it into Uniswap V3 (directly, or by way of the wrapped native coin). No pool of such a
cycle lends by flash swap, so it borrows its start token from the cheapest lender outside it.
The route's profit at the block before is recomputed from the pools' own answers (the
PancakeSwap pool's swap, QuoterV2), independently of the bot's math.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _bot_helpers import bot_on
from _receipts import mined_receipt
from _route_quotes import route_profit

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient

pytestmark = pytest.mark.integration

_ONE_BLOCK_S = 0.5
_CHAIN = "bnb"


async def test_bot_trades_a_pancake_v3_to_uniswap_v3_gap(devnet_factory, tmp_path: Path) -> None:
    async with devnet_factory({_CHAIN: _ONE_BLOCK_S}) as net:
        chain = net.manifest.chain(_CHAIN)
        pool = next(
            p
            for p in chain.pools
            if p.kind == "pancakeswap-v3" and {p.symbol0, p.symbol1} == {"USDC", "USDT"}
        )
        usdc = chain.token("USDC").address
        async with RpcClient(chain.rpc_http) as rpc, bot_on(net, tmp_path / "h.sqlite") as bot:
            (held,) = decode(
                ["uint256"],
                await rpc.call(
                    "eth_call",
                    {"to": usdc, "data": encode_call("balanceOf(address)", pool.address)},
                ),
            )
            trader = chain.traders[0]
            swap = encode_call(
                "swap(address,address,uint256,address)", pool.address, usdc, held // 4, trader
            )
            tx = {"from": trader, "to": chain.dex(pool.dex).router, "data": swap, "gas": "0x7a120"}
            receipt = await mined_receipt(rpc, await rpc.call("eth_sendTransaction", tx))
            assert int(receipt["status"], 16) == 1
            await bot.wait_for(lambda stats: stats[0].succeeded >= 1, timeout_s=30)
            trades = [t for t in bot.stats[0].trades if t.status == "success"]
            both = [
                t
                for t in trades
                if {hop["kind"] for hop in t.route} == {"pancakeswap-v3", "uniswap-v3"}
            ]
            assert both, [[hop["kind"] for hop in t.route] for t in trades]
            trade = both[0]
            assert trade.realized_profit_wei == trade.predicted_profit_wei > 0
            route = list(trade.route)
            assert pool.address.lower() in {hop["pool"].lower() for hop in route}
            # Borrowed from a lender outside the route, which kept its fee (if any).
            assert trade.flash_source != "uniswap-v2-flash-swap"
            assert trade.block_number is not None
            before = trade.block_number - 1
            gross = await route_profit(rpc, chain, route, trade.amount_in, before)
            assert gross - trade.flash_fee_wei == trade.predicted_profit_wei
