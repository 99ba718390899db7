"""The bot trades a gap between a PancakeSwap V3 pool and a Uniswap V3 pool and realizes
exactly what it predicted.

On BNB Chain, in one block, a whale sells USDC into PancakeSwap V3's 0.01% USDC/USDT pool
(through the devnet router, the pool's own swap) and another sells USDT into Uniswap V3's
0.05% pool of the pair: USDC gets cheap in the first and dear in the second, and the best
cycles buy it in the PancakeSwap pool and sell it into the Uniswap one (directly, or by way of
the wrapped native coin), earning both moves (a cycle through another pool of the pair, such
as Balancer's deep stable pool, earns one). No pool of such a cycle lends by flash swap, so it
borrows its start token from the cheapest lender outside it. The route's profit at the block
before is recomputed from the pools' own answers (the PancakeSwap pool's swap, QuoterV2),
independently of the bot's math.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _bot_helpers import LOCAL_ONLY, audits_agree, bot_on
from _lender_helpers import swap_v3_tx, v3_pool
from _receipts import mined_receipt
from _route_quotes import route_profit

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.track import ChainBotStats
from omniarb.track.stats import TradeSummary

pytestmark = pytest.mark.integration

_ONE_BLOCK_S = 0.5
_CHAIN = "bnb"
# Blocks again once the gap is planted, in whole seconds (`evm_setIntervalMining`'s unit).
_RESUMED_BLOCK_S = 1


async def _held(rpc: RpcClient, token: str, holder: str) -> int:
    answer = await rpc.call(
        "eth_call", {"to": token, "data": encode_call("balanceOf(address)", holder)}
    )
    (amount,) = decode(["uint256"], answer)
    return int(amount)


async def _in_one_block(rpc: RpcClient, txs: list[dict[str, str]]) -> None:
    """Send `txs` and mine them together (mining paused meanwhile); all must succeed."""
    await rpc.call("evm_setIntervalMining", 0)
    await rpc.call("evm_setAutomine", False)
    try:
        sent = [await rpc.call("eth_sendTransaction", tx) for tx in txs]
        await rpc.call("evm_mine")
    finally:
        await rpc.call("evm_setIntervalMining", _RESUMED_BLOCK_S)
    receipts = [await mined_receipt(rpc, tx_hash) for tx_hash in sent]
    assert [int(r["status"], 16) for r in receipts] == [1] * len(txs)
    assert len({r["blockNumber"] for r in receipts}) == 1


async def test_bot_trades_a_pancake_v3_to_uniswap_v3_gap(devnet_factory, tmp_path: Path) -> None:
    async with devnet_factory({_CHAIN: _ONE_BLOCK_S}) as net:
        chain = net.manifest.chain(_CHAIN)
        pool = next(
            p
            for p in chain.pools
            if p.kind == "pancakeswap-v3" and {p.symbol0, p.symbol1} == {"USDC", "USDT"}
        )
        usdc = chain.token("USDC").address
        async with (
            RpcClient(chain.rpc_http) as rpc,
            bot_on(net, tmp_path / "h.sqlite", LOCAL_ONLY) as bot,
        ):
            usdc_held = await _held(rpc, usdc, pool.address)
            trader = chain.traders[0]
            swap = encode_call(
                "swap(address,address,uint256,address)", pool.address, usdc, usdc_held // 4, trader
            )
            router = chain.dex(pool.dex).router
            pancake = {"from": trader, "to": router, "data": swap, "gas": "0x7a120"}
            usdt = chain.token("USDT")
            uniswap = v3_pool(chain, {"USDC", "USDT"}, 500)
            usdt_held = await _held(rpc, usdt.address, uniswap.address)
            sells_usdt = swap_v3_tx(
                chain, token_in="USDT", token_out="USDC", fee=500, amount_in=usdt_held // 4
            )
            await _in_one_block(rpc, [pancake, sells_usdt])

            def through_both(stats: list[ChainBotStats]) -> list[TradeSummary]:
                return [
                    t
                    for t in stats[0].trades
                    if t.status == "success"
                    and {hop["kind"] for hop in t.route} == {"pancakeswap-v3", "uniswap-v3"}
                ]

            await bot.wait_for(lambda stats: bool(through_both(stats)), timeout_s=30)
            both = through_both(bot.stats)
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
            await audits_agree(bot)
