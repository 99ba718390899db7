"""The bot trades a gap through the Uniswap V4 pool of the native coin and realizes exactly what
it predicted.

On Ethereum a whale swaps through the V4 DEX's ETH/USDC pool, which holds ETH itself (currency
0, paid as the transaction's value): selling ETH makes it cheap there, and the best cycles buy
it back in that pool, which the bot sees as a pool of WETH (the executor wraps the coin the
pool pays); buying ETH with USDC makes it dear there, and the best cycles sell it into that
pool from WETH (the executor unwraps it, and the opening swap borrows the coin itself, repaid
from WETH at the end). Either way the cycle's other pool is a WETH pool of another kind (a
Uniswap V2 pair or V3 pool). The route's profit at the block before is recomputed from the
pools' own answers (V4Quoter with the pool's real key, the V2 router, QuoterV2), independently
of the bot's math; the tracker's realized profit (from the receipt's logs, WETH9's `Deposit`
and `Withdrawal` among them) equals the prediction; no native coin stays in the executor; the
history and the API name the pool's side as the native coin.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from _bot_helpers import LOCAL_ONLY, audits_agree, bot_on
from _route_quotes import route_profit
from _v4_trades import v4_trade

from omniarb.api.views import trade_item
from omniarb.chains.rpc import RpcClient

_ONE_BLOCK_S = 0.5
_CHAIN = "ethereum"
_NATIVE = "0x0000000000000000000000000000000000000000"
# The whale's swap: what it sells into the native pool, and how much.
_SELLS_ETH = ("ETH", 300 * 10**18)
_BUYS_ETH = ("USDC", 900_000 * 10**6)


@pytest.mark.parametrize(
    ("whale", "native_side"),
    [
        # ETH cheap in the pool: bought back there, wrapped as WETH.
        (_SELLS_ETH, ("USDC", "WETH", None, _NATIVE)),
        # ETH dear in the pool: sold into it from WETH, unwrapped.
        (_BUYS_ETH, ("WETH", "USDC", _NATIVE, None)),
    ],
    ids=["eth-cheap-in-the-pool", "eth-dear-in-the-pool"],
)
async def test_bot_trades_a_gap_through_the_native_coin_pool(
    devnet_factory,
    tmp_path: Path,
    whale: tuple[str, int],
    native_side: tuple[str, str, str | None, str | None],
) -> None:
    async with devnet_factory({_CHAIN: _ONE_BLOCK_S}) as net:
        chain = net.manifest.chain(_CHAIN)
        pool = next(
            p
            for p in chain.pools
            if p.kind == "uniswap-v4" and {p.symbol0, p.symbol1} == {"ETH", "USDC"}
        )
        assert int(pool.token0, 16) == 0  # the manifest names the pool's real currency
        symbol, amount = whale
        sold = pool.token0 if symbol == "ETH" else chain.token(symbol).address
        async with (
            RpcClient(chain.rpc_http) as rpc,
            bot_on(net, tmp_path / "h.sqlite", LOCAL_ONLY) as bot,
        ):
            await v4_trade(rpc, chain, pool, sold, amount)

            def through_native(stats: list) -> list:
                return [
                    t
                    for t in stats[0].trades
                    if pool.address.lower() in {hop["pool"].lower() for hop in t.route}
                ]

            await bot.wait_for(
                lambda stats: any(t.status == "success" for t in through_native(stats)),
                timeout_s=30,
            )
            trade = next(t for t in through_native(bot.stats) if t.status == "success")
            assert trade.realized_profit_wei == trade.predicted_profit_wei > 0
            route = list(trade.route)
            kinds = {hop["kind"] for hop in route}
            assert "uniswap-v4" in kinds
            assert kinds & {"uniswap-v2", "uniswap-v3"}, route
            native_hop = next(hop for hop in route if hop["pool"].lower() == pool.address.lower())
            assert (native_hop["token_in"], native_hop["token_out"]) == native_side[:2]
            assert trade.block_number is not None
            before = trade.block_number - 1
            gross = await route_profit(rpc, chain, route, trade.amount_in, before)
            assert gross - trade.flash_fee_wei == trade.predicted_profit_wei
            # Nothing went wrong around it: no trade reverted.
            assert all(t.status == "success" for t in bot.stats[0].trades), [
                t.status for t in bot.stats[0].trades
            ]
            executors = json.loads((net.manifest_path.parent / "executors.json").read_text())
            native_left = await rpc.call("eth_getBalance", executors[_CHAIN], "latest")
            assert int(native_left, 16) == 0
            # The history keeps the pool's own currency on that side; the API shows it.
            await bot.store.flush()
            records = await asyncio.to_thread(bot.store.trades, chain=_CHAIN)
            await audits_agree(bot)
        record = next(r for r in records if r.tx_hash == trade.tx_hash)
        (hop,) = (h for h in record.route.hops if h.pool.lower() == pool.address.lower())
        assert (hop.currency_in, hop.currency_out) == native_side[2:]
        item = next(h for h in trade_item(record).hops if h.pool.lower() == pool.address.lower())
        assert (item.symbol_in, item.symbol_out) == native_side[:2]
        assert (item.currency_in, item.currency_out) == native_side[2:]
