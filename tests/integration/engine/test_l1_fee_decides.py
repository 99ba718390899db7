"""The L1 data fee decides a trade on the devnet's Optimism: the same planted gap is traded
when the L1 price is low, declined by the profit check when the quote already shows a high L1
price, and refused before sending when the L1 price jumps after the detector priced it (the
exact L1 fee of the real calldata, read from the GasPriceOracle's L1 prices at that moment).
Each phase starts from one snapshot of the chain, so the gap is the same to the wei."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from _bot_helpers import bot_on, swap_v2_tx
from _receipts import mined_receipt

from omniarb.chains.fee_models.optimism import read_op_l1_prices
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import L1_BLOCK, chain_by_name
from omniarb.config import MonitorSettings, Secrets
from omniarb.devnet.anvil import wait_pool_drained
from omniarb.devnet.deploy import l1_price_call
from omniarb.monitor import Monitor
from omniarb.telemetry import Telemetry

pytestmark = pytest.mark.integration

_ONE_BLOCK_S = 0.5
GWEI = 10**9
# 5 WETH sold into SushiSwap's WETH/USDC opens a gap worth about 7.5 USDC. At an L1 base fee
# of 0.01 gwei its trade's L1 fee is about 2e11 wei (mostly the blob part); at 10^7 gwei, about
# 0.2 ETH, far more than the gap.
LOW_L1_WEI = GWEI // 100
HIGH_L1_WEI = 10_000_000 * GWEI
SWAP_WETH = 5 * 10**18
# anvil's gas estimate for the L1 setter falls short on some steps (it writes several slots),
# and an update that runs out of gas leaves the old price: give it a limit of its own.
_L1_PRICE_GAS = 200_000


def _set_l1_price(sender: str, wei: int) -> dict[str, str]:
    call = l1_price_call(chain_by_name("optimism"), wei)
    assert call is not None
    to, data = call
    return {"from": sender, "to": to, "data": data, "gas": hex(_L1_PRICE_GAS)}


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchall()


async def test_l1_fee_decides_the_same_gap(devnet_factory, tmp_path: Path) -> None:
    async with devnet_factory({"optimism": _ONE_BLOCK_S}) as net:
        chain = net.manifest.chain("optimism")
        plant = swap_v2_tx(chain, dex="sushiswap", path=["WETH", "USDC"], amount_in=SWAP_WETH)
        sender = plant["from"]
        async with RpcClient(chain.rpc_http) as rpc:
            # A first bot deploys the executor: the snapshot holds it.
            async with bot_on(net, tmp_path / "warm.sqlite"):
                pass
            snapshot = await rpc.call("evm_snapshot")

            # Low L1 price: the gap is traded and pays its gas and its L1 fee.
            low = _set_l1_price(sender, LOW_L1_WEI)
            await mined_receipt(rpc, await rpc.call("eth_sendTransaction", low))
            monitor = Monitor.from_settings(MonitorSettings(), Secrets(), chains=["optimism"])
            telemetry = Telemetry(monitor=monitor)
            async with bot_on(net, tmp_path / "low.sqlite", telemetry=telemetry) as bot:
                await mined_receipt(rpc, await rpc.call("eth_sendTransaction", plant))
                await bot.wait_for(lambda stats: stats[0].succeeded >= 1, timeout_s=30)
                trade = bot.stats[0].trades[0]
            # The engine's fee task refreshed the quote per block and reported it; the L1 fee
            # paid is counted.
            registry = monitor.metrics.registry
            labels = {"chain": "optimism"}
            l1_gwei = registry.get_sample_value("omniarb_l1_base_fee_gwei", labels)
            assert l1_gwei == LOW_L1_WEI / GWEI
            assert registry.get_sample_value("omniarb_tip_gwei", labels) is not None
            paid = registry.get_sample_value("omniarb_l1_fee_wei_total", labels)
            assert paid == trade.l1_fee_wei
            assert trade.status == "success"
            assert trade.realized_profit_wei == trade.predicted_profit_wei > 0
            assert trade.l1_fee_wei > 0
            # The fee recorded is the Fjord fee of the transaction as mined, at the L1 prices
            # of its block; and the history holds it.
            raw = await rpc.call("eth_getRawTransactionByHash", trade.tx_hash)
            prices = await read_op_l1_prices(rpc, L1_BLOCK, block=trade.block_number or 0)
            assert prices.l1_base_fee_wei == LOW_L1_WEI
            assert trade.l1_fee_wei == prices.l1_fee_of_signed(bytes.fromhex(raw[2:]))
            stored = _rows(tmp_path / "low.sqlite", "SELECT l1_fee_wei FROM outcomes")
            assert [int(str(fee)) for (fee,) in stored] == [trade.l1_fee_wei]
            # Sent to Optimism's node, the sequencer, as a trade found in a block.
            sent = _rows(tmp_path / "low.sqlite", "SELECT channel FROM executions")
            assert sent == [("sequencer",)]
            by_channel = {**labels, "source": "block", "channel": "sequencer"}
            assert registry.get_sample_value("omniarb_trades_sent_total", by_channel) == 1
            await wait_pool_drained(rpc)  # a mined trade left in the pool would be mined again
            assert await rpc.call("evm_revert", snapshot)
            snapshot = await rpc.call("evm_snapshot")

            # High L1 price in the quote: declined by the profit check, naming the L1 fee.
            high = _set_l1_price(sender, HIGH_L1_WEI)
            await mined_receipt(rpc, await rpc.call("eth_sendTransaction", high))
            db = tmp_path / "high.sqlite"
            async with bot_on(net, db) as bot:
                await mined_receipt(rpc, await rpc.call("eth_sendTransaction", plant))
                await bot.wait_for(lambda stats: stats[0].opportunities >= 1, timeout_s=30)
                first = bot.stats[0].block_number
                await bot.wait_for(lambda stats: stats[0].block_number >= first + 2, timeout_s=30)
                assert bot.stats[0].submitted == 0
            reasons = [json.loads(r)[0] for (r,) in _rows(db, "SELECT reasons FROM decisions")]
            assert reasons
            assert all("L1 fee" in reason for reason in reasons)
            await wait_pool_drained(rpc)
            assert await rpc.call("evm_revert", snapshot)

            # Low in the quote, high when sent: the exact L1 fee refuses the trade.
            await mined_receipt(rpc, await rpc.call("eth_sendTransaction", low))
            db = tmp_path / "jump.sqlite"
            async with bot_on(net, db) as bot:
                # Both in one block: the detector prices it on the quote of the block before.
                # Mining stops first, and the bot's quote must be of the head by then: a quote
                # refresh still under way would otherwise read the new block's high price. One
                # block is mined by hand after the stop, so the head is one the bot hears of
                # even when it had just started (a block mined before its subscription is only
                # backfilled at the next head).
                await rpc.call("evm_setIntervalMining", 0)
                await rpc.call("evm_mine")
                head = int(await rpc.call("eth_blockNumber"), 16)
                fees = bot.engine[0].pipelines[0].fees
                assert fees is not None
                await bot.wait_for(lambda _: fees.quote.block_number == head, timeout_s=30)
                await rpc.call("eth_sendTransaction", high)
                plant_hash = await rpc.call("eth_sendTransaction", plant)
                await rpc.call("evm_mine")
                await rpc.call("evm_setIntervalMining", 1)
                await mined_receipt(rpc, plant_hash)
                await bot.wait_for(lambda stats: stats[0].rejected >= 1, timeout_s=30)
                assert bot.stats[0].submitted == 0
            errors = _rows(db, "SELECT status, error FROM executions")
            assert errors
            assert all(status == "rejected" and "L1 fee" in str(error) for status, error in errors)
