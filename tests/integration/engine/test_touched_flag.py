"""The `touched_earlier_in_block` flag, proven both ways on real blocks.

Mining is taken into the test's hands (`evm_setAutomine false`, `evm_mine`), so each case puts
the transactions in the order it wants. A whale swap plants a gap in one pool and is mined; the
bot prices the gap on that block and sends its trade; while the trade waits in the node's pool,
another trader's transaction is placed before it:
- through the very pool the whale moved (so a pool of the bot's route), in the same block:
  by a V2 swap (`Sync`), a V3 swap (`Swap`) or liquidity added to that V3 pool at its price
  (`Mint`), sent ahead of it with a higher tip (the node orders its pool by tip), and the trade
  taken out of the pool and its own signed bytes sent again after the other one (so a node
  mining in arrival order, a relay chain's, would agree);
- in a block of its own between pricing and the trade: the trade is taken out of the pool,
  the other transaction mined, and the trade's own signed bytes sent again after it;
- through a pool the route does not use, in the same block, before the trade.
The first two must be flagged, the last must not, and its realized profit must equal the
prediction to the wei. Every recorded trade is then checked against the receipts of its blocks
(`_touch_check`), independently of the bot's own query.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _bot_helpers import DEADLINE, RunningBot, bot_on, swap_v2_tx
from _lender_helpers import swap_v3_tx, v3_pool
from _touch_check import check_trades_async, recorded_trades
from _waits import eventually

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.accounts import BOT_INDEX, DEPLOYER_INDEX, dev_account
from omniarb.network import ChainManifest

pytestmark = pytest.mark.integration

CHAIN = "ethereum"
WETH = 10**18
GWEI = 10**9
# The bot bids a 3 gwei tip; the other trader outbids it (see the module docstring on order).
FRONT_TIP_WEI = 100 * GWEI
BOT = dev_account(BOT_INDEX).address


async def _pending_trade(rpc: RpcClient) -> dict[str, Any]:
    """The bot's transaction waiting in the node's pool (exactly one)."""

    async def pending() -> dict[str, Any] | None:
        content = await rpc.call("txpool_content")
        by_sender = {k.lower(): v for k, v in content["pending"].items()}
        waiting = list(by_sender.get(BOT.lower(), {}).values())
        assert len(waiting) <= 1, waiting
        return waiting[0] if waiting else None

    return dict(
        await eventually(pending, what="the bot's trade in the node's pool", timeout_s=30.0)
    )


async def _mine(rpc: RpcClient) -> int:
    await rpc.call("evm_mine")
    return int(await rpc.call("eth_blockNumber"), 16)


async def _receipt(rpc: RpcClient, tx_hash: str) -> dict[str, Any]:
    receipt = await rpc.call("eth_getTransactionReceipt", tx_hash)
    assert receipt is not None, f"{tx_hash} was not mined"
    return dict(receipt)


def _with_tip(tx: dict[str, str]) -> dict[str, str]:
    return {**tx, "maxPriorityFeePerGas": hex(FRONT_TIP_WEI), "maxFeePerGas": hex(1_000 * GWEI)}


def _plant_and_touch(chain: ChainManifest, case: str) -> tuple[dict[str, str], dict[str, str]]:
    """The whale's swap that plants the gap, and the other trader's transaction of `case`."""
    usdc = 10 ** chain.token("USDC").decimals
    if case.startswith("v3-"):
        whale = swap_v3_tx(
            chain, token_in="WETH", token_out="USDC", fee=500, amount_in=1_500 * WETH
        )
        touch = swap_v3_tx(
            chain, token_in="USDC", token_out="WETH", fee=500, amount_in=20_000 * usdc, trader=2
        )
        return whale, touch
    whale = swap_v2_tx(chain, dex="sushiswap", path=["WETH", "USDC"], amount_in=600 * WETH)
    if case == "unrelated-pool":
        unrelated = chain.tokens[6].symbol  # paired with USDC only
        touch = swap_v2_tx(
            chain, dex="uniswap-v2", path=["USDC", unrelated], amount_in=5_000 * usdc, trader=2
        )
    else:  # the whale's own pair, a little further in the whale's direction
        touch = swap_v2_tx(
            chain, dex="sushiswap", path=["WETH", "USDC"], amount_in=2 * WETH, trader=2
        )
    return whale, touch


async def _mint_v3_tx(rpc: RpcClient, chain: ChainManifest) -> dict[str, str]:
    """The deployer (who holds spare tokens and approved the position manager) adds liquidity
    to the WETH/USDC 0.05% pool in a narrow range around its current tick."""
    pool = v3_pool(chain, {"WETH", "USDC"}, 500)
    slot0 = await rpc.call("eth_call", {"to": pool.address, "data": encode_call("slot0()")})
    tick = decode(["uint160", "int24"], slot0)[1]
    spacing = pool.tick_spacing or 10
    lower = tick // spacing * spacing - 10 * spacing
    deployer = dev_account(DEPLOYER_INDEX).address
    desired = {"WETH": 10 * WETH, "USDC": 30_000 * 10 ** chain.token("USDC").decimals}
    data = encode_call(
        "mint((address,address,uint24,int24,int24,uint256,uint256,uint256,uint256,"
        "address,uint256))",
        (
            pool.token0,
            pool.token1,
            500,
            lower,
            lower + 20 * spacing,
            desired[pool.symbol0],
            desired[pool.symbol1],
            0,
            0,
            deployer,
            DEADLINE,
        ),
    )
    manager = chain.dex("uniswap-v3").position_manager
    assert manager is not None
    return {"from": deployer, "to": manager, "data": data, "gas": hex(1_000_000)}


def _touched_pool(chain: ChainManifest, case: str) -> str:
    if case.startswith("v3-"):
        return v3_pool(chain, {"WETH", "USDC"}, 500).address.lower()
    if case == "unrelated-pool":
        symbols = {"USDC", chain.tokens[6].symbol}
        dex = "uniswap-v2"
    else:
        symbols, dex = {"WETH", "USDC"}, "sushiswap"
    return next(
        p.address.lower() for p in chain.pools if p.dex == dex and {p.symbol0, p.symbol1} == symbols
    )


async def _settled(bot: RunningBot, tx_hash: str) -> Any:
    await bot.wait_for(lambda s: any(t.tx_hash == tx_hash for t in s[0].trades), timeout_s=30)
    return next(t for t in bot.stats[0].trades if t.tx_hash == tx_hash)


async def _trade_after_touch(
    rpc: RpcClient, bot: RunningBot, chain: ChainManifest, case: str
) -> str:
    """Plant the gap, put the other transaction of `case` before the bot's trade, check the
    bot's flag on it; the trade's hash."""
    whale, touch = _plant_and_touch(chain, case)
    whale_hash = await rpc.call("eth_sendTransaction", whale)
    priced = await _mine(rpc)
    assert int((await _receipt(rpc, whale_hash))["status"], 16) == 1

    trade_tx = await _pending_trade(rpc)
    trade_hash = trade_tx["hash"]
    if case == "late-block":
        raw = await rpc.call("eth_getRawTransactionByHash", trade_hash)
        await rpc.call("anvil_dropTransaction", trade_hash)
        touch_hash = await rpc.call("eth_sendTransaction", touch)
        assert await _mine(rpc) == priced + 1
        assert await rpc.call("eth_sendRawTransaction", raw) == trade_hash
    else:
        if case == "v3-mint-same-block":
            touch = await _mint_v3_tx(rpc, chain)
        raw = await rpc.call("eth_getRawTransactionByHash", trade_hash)
        await rpc.call("anvil_dropTransaction", trade_hash)
        touch_hash = await rpc.call("eth_sendTransaction", _with_tip(touch))
        assert await rpc.call("eth_sendRawTransaction", raw) == trade_hash
    landed = await _mine(rpc)
    touch_receipt = await _receipt(rpc, touch_hash)
    ours = await _receipt(rpc, trade_hash)
    assert int(touch_receipt["status"], 16) == 1
    assert int(ours["blockNumber"], 16) == landed
    before = (
        int(touch_receipt["blockNumber"], 16),
        int(touch_receipt["transactionIndex"], 16),
    )
    assert before < (landed, int(ours["transactionIndex"], 16))

    trade = await _settled(bot, trade_hash)
    route_pools = {hop["pool"].lower() for hop in trade.route}
    touched_pool = _touched_pool(chain, case)
    touched_logs = {e["address"].lower() for e in touch_receipt["logs"]}
    assert touched_pool in touched_logs
    if case == "unrelated-pool":
        assert touched_pool not in route_pools, trade.route
        assert not trade.touched_earlier_in_block
        assert trade.status == "success"
        assert trade.realized_profit_wei == trade.predicted_profit_wei > 0
    else:
        assert touched_pool in route_pools, trade.route
        assert trade.touched_earlier_in_block, trade
    return str(trade_hash)


@pytest.mark.parametrize(
    "case",
    ["v2-same-block", "v3-same-block", "v3-mint-same-block", "late-block", "unrelated-pool"],
)
async def test_touched_flag_both_ways(devnet_factory, tmp_path: Path, case: str) -> None:
    async with devnet_factory({CHAIN: 0.5}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            async with bot_on(net, tmp_path / "history.sqlite") as bot:
                await rpc.call("evm_setIntervalMining", 0)
                await rpc.call("evm_setAutomine", False)
                try:
                    trade_hash = await _trade_after_touch(rpc, bot, chain, case)
                finally:  # settle whatever else the bot sent before it stops
                    await rpc.call("evm_setAutomine", True)
                    await _mine(rpc)
            trades = recorded_trades(tmp_path)
            assert trade_hash in {t.tx_hash for t in trades}
            touched = await check_trades_async(rpc, trades)
            assert touched >= (case != "unrelated-pool")
