"""The whole pipeline on a real devnet: a planted gap is found, traded at the exact optimum
through our contract with a flash swap, and its realized profit equals the prediction to the
wei; no gap means no trade; a gap that cannot pay its gas is declined with the reason."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from _bot_helpers import bot_on, swap_v2

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.config import Settings

_ONE_BLOCK_S = 0.5


def _out(amount_in: int, reserve_in: int, reserve_out: int) -> int:
    # UniswapV2Library.getAmountOut with the 0.3% fee, written out again on purpose.
    with_fee = amount_in * 997
    return with_fee * reserve_out // (reserve_in * 1000 + with_fee)


def _profit(amount_in: int, hops: list[tuple[int, int]]) -> int:
    amount = amount_in
    for reserve_in, reserve_out in hops:
        if amount <= 0:
            return -amount_in
        amount = _out(amount, reserve_in, reserve_out)
    return amount - amount_in


def _min_in(amount_out: int, reserve_in: int, reserve_out: int) -> int:
    """The smallest input whose output reaches `amount_out` (exact ceiling, not getAmountIn)."""
    numerator = 1000 * reserve_in * amount_out
    denominator = 997 * (reserve_out - amount_out)
    return -(-numerator // denominator)


def _best_profit(hops: list[tuple[int, int]]) -> int:
    """The largest integer profit of the route, found independently of the bot's sizing.

    Profit is a sawtooth in the input (every wei more on a plateau of the first hop's output
    costs a wei), so each maximum sits at the smallest input of a plateau: search the first
    hop's output y instead, paying `_min_in(y)` for it, where profit is concave up to rounding.
    Ternary search over y, then an exhaustive scan around the best y.
    """
    (r_in, r_out), rest = hops[0], hops[1:]

    def profit_of_output(y: int) -> int:
        amount = y
        for reserve_in, reserve_out in rest:
            amount = _out(amount, reserve_in, reserve_out)
        return amount - _min_in(y, r_in, r_out)

    low, high = 1, r_out - 1
    while high - low > 10_000:
        third = (high - low) // 3
        if profit_of_output(low + third) < profit_of_output(high - third):
            low += third
        else:
            high -= third
    return max(profit_of_output(y) for y in range(max(1, low - 10_000), high + 10_000))


async def _reserves_at(
    rpc: RpcClient, route: list[dict[str, str]], block: int, symbols: dict[str, str]
) -> list[tuple[int, int]]:
    hops = []
    for hop in route:
        answer = await rpc.call(
            "eth_call", {"to": hop["pool"], "data": encode_call("getReserves()")}, hex(block)
        )
        reserve0, reserve1, _ = decode(["uint112", "uint112", "uint32"], answer)
        token0 = decode(
            ["address"],
            await rpc.call(
                "eth_call", {"to": hop["pool"], "data": encode_call("token0()")}, "latest"
            ),
        )[0]
        zero_for_one = symbols[token0.lower()] == hop["token_in"]
        hops.append((reserve0, reserve1) if zero_for_one else (reserve1, reserve0))
    return hops


async def test_planted_gap_is_traded_at_the_optimum_and_realized_equals_predicted(
    devnet_factory, tmp_path: Path
) -> None:
    async with devnet_factory({"ethereum": _ONE_BLOCK_S}) as net:
        chain = net.manifest.chain("ethereum")
        async with RpcClient(chain.rpc_http) as rpc, bot_on(net, tmp_path / "h.sqlite") as bot:
            # Sell 600 WETH into one DEX's WETH/USDC pair: its WETH gets cheap there.
            await swap_v2(
                rpc, chain, dex="sushiswap", path=["WETH", "USDC"], amount_in=600 * 10**18
            )
            await bot.wait_for(lambda stats: stats[0].succeeded >= 1, timeout_s=30)
            trade = bot.stats[0].trades[0]
            assert trade.status == "success"
            assert not trade.touched_earlier_in_block
            assert trade.realized_profit_wei == trade.predicted_profit_wei > 0
            symbols = {t.address.lower(): t.symbol for t in chain.tokens}
            assert trade.block_number is not None
            hops = await _reserves_at(rpc, list(trade.route), trade.block_number - 1, symbols)
            assert _profit(trade.amount_in, hops) == trade.predicted_profit_wei
            assert trade.predicted_profit_wei == _best_profit(hops)
        # The books agree with the chain: the executor holds its one seeded unit of the token
        # plus every realized profit in it, to the wei.
        async with RpcClient(chain.rpc_http) as rpc:
            executor = json.loads((net.manifest_path.parent / "executors.json").read_text())
            (balance,) = decode(
                ["uint256"],
                await rpc.call(
                    "eth_call",
                    {
                        "to": trade.profit_token_address,
                        "data": encode_call("balanceOf(address)", executor["ethereum"]),
                    },
                    "latest",
                ),
            )
        realized = bot.stats[0].realized_profit[trade.profit_token_address]
        assert balance == 1 + realized


async def test_no_gap_no_trade(devnet_factory, tmp_path: Path) -> None:
    async with (
        devnet_factory({"polygon": _ONE_BLOCK_S}) as net,
        bot_on(net, tmp_path / "h.sqlite") as bot,
    ):
        await bot.wait_for(lambda stats: stats[0].blocks_seen >= 4, timeout_s=30)
        stats = bot.stats[0]
        assert stats.pools == 18
        assert stats.opportunities == 0
        assert stats.submitted == 0


async def test_gap_too_small_for_gas_is_declined_with_reason(
    devnet_factory, tmp_path: Path
) -> None:
    # At a 1,000 gwei tip one trade's gas (~0.17 ETH) costs more than this gap can return.
    expensive = Settings.model_validate({"bot": {"priority_fee_gwei": 1_000.0}})
    db = tmp_path / "h.sqlite"
    async with devnet_factory({"arbitrum": _ONE_BLOCK_S}) as net:
        chain = net.manifest.chain("arbitrum")
        async with RpcClient(chain.rpc_http) as rpc, bot_on(net, db, expensive) as bot:
            await swap_v2(rpc, chain, dex="camelot", path=["WETH", "USDC"], amount_in=5 * 10**18)
            await bot.wait_for(lambda stats: stats[0].opportunities >= 1, timeout_s=30)
            await bot.wait_for(lambda stats: stats[0].blocks_seen >= 3, timeout_s=30)
            stats = bot.stats[0]
            assert stats.declined >= 1
            assert stats.approved == 0
            assert stats.submitted == 0
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT approved, reasons FROM decisions").fetchall()
    assert rows
    assert all(not approved for approved, _ in rows)
    assert all("does not pay for gas" in json.loads(reasons)[0] for _, reasons in rows)
