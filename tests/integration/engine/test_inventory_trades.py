"""The bot trades from the executor's own inventory when that keeps more than any loan, and an
inventory trade realizes exactly its prediction.

On a fresh devnet chain with the bot running (as `test_mixed_cycle_lenders`: every pool
seasoned first), the executor is given WETH (a dev account wraps its coin and sends it), then a
whale plants the V3 ↔ V3 gap: cycles from WETH through the WETH/USDC 0.3% and 0.05% pools,
which no pool of the route can lend for. Without inventory the cheapest loan is the V4
PoolManager's (no fee, 29,000 gas); the inventory has no fee either and costs less gas, so the
allocator takes it. Checked from the chain, not from the bot: every trade succeeds with
realized = predicted to the wei, at least one is funded from inventory, and in every block
the executor's WETH balance grew by exactly the realized profit of the WETH trades that landed
in it. After the gap is traded out nothing stays reserved, and the executor's balances the
allocator chose from (memory, kept from the token logs) equal the chain's.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _bot_helpers import LOCAL_ONLY, audits_agree, bot_on, trade_gas_estimates
from _lender_helpers import balance_of, fill_wrapped_native
from test_mixed_cycle_lenders import _plant, _quiet, _season

from omniarb.chains.rpc import RpcClient
from omniarb.types import FlashLoan

pytestmark = pytest.mark.integration

CHAIN = "ethereum"
BLOCK_S = 0.5
WETH = 10**18
INVENTORY_WETH = 2_000 * WETH  # more than any trade of the gap needs


async def test_the_bot_trades_from_inventory_and_realizes_the_prediction(
    devnet_factory, tmp_path: Path
) -> None:
    db = tmp_path / "h.sqlite"
    async with devnet_factory({CHAIN: BLOCK_S}) as net:
        chain = net.manifest.chain(CHAIN)
        weth = chain.token("WETH").address
        async with RpcClient(chain.rpc_http) as rpc:
            await _season(rpc, chain)
        async with RpcClient(chain.rpc_http) as rpc, bot_on(net, db, LOCAL_ONLY) as bot:
            await _quiet(bot, rpc)
            (pipeline,) = bot.engine[0].pipelines
            inventory = pipeline.allocate.inventory
            assert inventory is not None
            executor = inventory.executor
            await fill_wrapped_native(rpc, chain, executor, INVENTORY_WETH)
            before = len(bot.stats[0].trades)
            trades = await _plant(bot, rpc, chain, "v3-v3")
            assert len(bot.stats[0].trades) > before
            estimates = trade_gas_estimates(db)
            for trade in trades:
                assert trade.status == "success", trade
                assert trade.realized_profit_wei == trade.predicted_profit_wei > 0, trade
                # The gas model never understates a trade's gas, inventory's included.
                assert trade.gas_used <= estimates[trade.tx_hash], trade
            funded = [t for t in trades if t.flash_source == FlashLoan.INVENTORY]
            assert funded, [t.flash_source for t in trades]
            for trade in funded:
                assert trade.flash_fee_wei == 0
                assert trade.profit_token_address.lower() == weth.lower()
            # The executor's WETH grows by exactly what its WETH trades realized, block by block.
            blocks = sorted({t.block_number for t in funded if t.block_number is not None})
            for block in blocks:
                grown = await balance_of(rpc, weth, executor, hex(block)) - await balance_of(
                    rpc, weth, executor, hex(block - 1)
                )
                realized = sum(
                    t.realized_profit_wei
                    for t in trades
                    if t.block_number == block and t.profit_token_address.lower() == weth.lower()
                )
                assert grown == realized, (block, grown, realized)
            # Settled: no inventory stays reserved; the balances it chose from were the chain's.
            assert inventory.trades_in_flight == 0
            assert inventory.reserved(weth) == 0
            lenders = pipeline.sync.lenders
            assert lenders is not None
            assert lenders.head is not None
            at = {"blockHash": lenders.head.hash}
            held = inventory.held(weth)
            assert held is not None
            assert held == await balance_of(rpc, weth, executor, at)
            assert held >= INVENTORY_WETH
            await audits_agree(bot)
