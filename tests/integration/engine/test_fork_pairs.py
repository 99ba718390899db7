"""The bot trades through the pairs of both V2 forks the devnet compiles, SushiSwap's V2 and the
25 bps fork of Uniswap V2, and realizes exactly what it predicted.

A whale sells the chain's wrapped native token into the fork's pair with USDC: it gets cheap
there, and the cycle from USDC buys it in that pair and sells it into the deepest pool, the
0.05% V3 pool. The pair opens the cycle, so it lends the USDC by flash swap and is repaid what
its own fee-adjusted K check needs (25 bps for the fork). The route's profit at the block before
is recomputed from the contracts' own quotes (the fork's router hard-codes its fee and init code
hash), independently of the bot's math and of the manifest's fees.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _bot_helpers import LOCAL_ONLY, audits_agree, bot_on, swap_v2
from _route_quotes import route_profit
from eth_utils.crypto import keccak

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.paths import build_dir

pytestmark = pytest.mark.integration

_ONE_BLOCK_S = 0.5


def _pair_hash(artifact: str) -> str:
    data = json.loads((build_dir() / "v2-forks" / f"{artifact}.json").read_text())
    return "0x" + keccak(bytes.fromhex(data["bytecode"].removeprefix("0x"))).hex()


@pytest.mark.parametrize(
    ("chain_name", "dex", "pair_artifact", "fee_pips"),
    [
        ("ethereum", "sushiswap", "SushiSwapV2Pair", 3000),
        ("bnb", "pancakeswap-v2", "UniswapV2Bps25Pair", 2500),
    ],
)
async def test_bot_trades_through_a_fork_pair_and_realizes_the_prediction(
    devnet_factory, tmp_path: Path, chain_name: str, dex: str, pair_artifact: str, fee_pips: int
) -> None:
    async with devnet_factory({chain_name: _ONE_BLOCK_S}) as net:
        chain = net.manifest.chain(chain_name)
        entry = chain.dex(dex)
        assert (entry.init_code_hash, entry.fee_pips) == (_pair_hash(pair_artifact), fee_pips)
        native = next(t for t in chain.tokens if t.wrapped_native)
        pair = next(
            p
            for p in chain.pools
            if p.dex == dex and {p.symbol0, p.symbol1} == {native.symbol, "USDC"}
        )
        async with (
            RpcClient(chain.rpc_http) as rpc,
            bot_on(net, tmp_path / "h.sqlite", LOCAL_ONLY) as bot,
        ):
            (reserve0, reserve1, _) = decode(
                ["uint112", "uint112", "uint32"],
                await rpc.call(
                    "eth_call", {"to": pair.address, "data": encode_call("getReserves()")}
                ),
            )
            native_reserve = reserve0 if pair.symbol0 == native.symbol else reserve1
            await swap_v2(
                rpc, chain, dex=dex, path=[native.symbol, "USDC"], amount_in=native_reserve // 4
            )
            await bot.wait_for(lambda stats: stats[0].succeeded >= 1, timeout_s=30)
            trade = bot.stats[0].trades[0]
            assert trade.status == "success"
            assert trade.realized_profit_wei == trade.predicted_profit_wei > 0
            route = list(trade.route)
            assert [(hop["dex"], hop["token_in"]) for hop in route] == [
                (dex, "USDC"),
                ("uniswap-v3", native.symbol),
            ]
            assert route[0]["pool"].lower() == pair.address.lower()
            # The fork's pair lent the USDC and was repaid with its own fee.
            assert trade.flash_source == "uniswap-v2-flash-swap"
            assert trade.block_number is not None
            before = trade.block_number - 1
            assert (
                await route_profit(rpc, chain, route, trade.amount_in, before)
                == trade.predicted_profit_wei
            )
            await audits_agree(bot)
