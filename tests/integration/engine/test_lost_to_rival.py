"""The bot loses a race to a fast rival, and says so: its trade reverted because the rival's
arbitrage through the same pools ran first in the block.

Mining is in the test's hands (`evm_setAutomine false`, `evm_mine`). A whale's swap opens a gap
and is mined; the bot and a rival (no latency, a tip far above the bot's) both price it on that
block and send; the next block orders them by tip, so the rival trades first and the bot's
trade, finding the gap closed, reverts. The trade must be classified lost to that rival (the
outcome, the live figures, the history database and the API's bodies), with the rival's hash.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from _bot_helpers import bot_on, swap_v2_tx
from _receipts import mined_receipt
from _waits import eventually

from omniarb.api.history import load_pnl
from omniarb.api.views import chain_status, trade_item
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.accounts import BOT_INDEX, dev_account
from omniarb.devnet.rivals import RivalPolicy, RivalRecord, Rivals, RivalsParams
from omniarb.store import HistoryStore

pytestmark = pytest.mark.integration

CHAIN = "ethereum"
GWEI = 10**9
WETH = 10**18
BOT = dev_account(BOT_INDEX).address
FAST = RivalPolicy(name="fast", latency_ms=0, tip_wei=100 * GWEI)


async def _mine(rpc: RpcClient) -> int:
    await rpc.call("evm_mine")
    return int(await rpc.call("eth_blockNumber"), 16)


async def _bot_pending(rpc: RpcClient) -> dict[str, Any]:
    async def pending() -> dict[str, Any] | None:
        content = await rpc.call("txpool_content")
        by_sender = {k.lower(): v for k, v in content["pending"].items()}
        waiting = list(by_sender.get(BOT.lower(), {}).values())
        return waiting[0] if waiting else None

    return dict(await eventually(pending, what="the bot's trade in the pool", timeout_s=30.0))


async def test_the_bot_loses_a_race_to_a_fast_rival_and_records_it(
    devnet_factory, tmp_path: Path
) -> None:
    async with devnet_factory({CHAIN: 0.5}) as net:
        chain = net.manifest.chain(CHAIN)
        params = RivalsParams(policies=(FAST,))
        async with (
            RpcClient(chain.rpc_http) as rpc,
            Rivals(net.manifest, params, chains=[CHAIN]) as rivals,
            bot_on(net, tmp_path / "history.sqlite") as bot,
        ):
            await rpc.call("evm_setIntervalMining", 0)
            await rpc.call("evm_setAutomine", False)
            race = asyncio.create_task(rivals.run())
            try:
                whale = swap_v2_tx(
                    chain, dex="sushiswap", path=["WETH", "USDC"], amount_in=600 * WETH
                )
                whale_hash = await rpc.call("eth_sendTransaction", whale)
                await _mine(rpc)
                await mined_receipt(rpc, whale_hash)
                ours = await _bot_pending(rpc)

                async def rival_sent() -> tuple[RivalRecord, ...]:
                    return rivals.records(CHAIN)

                (record,) = await eventually(rival_sent, what="the rival's send", timeout_s=20)
                landed = await _mine(rpc)
            finally:
                await rpc.call("evm_setAutomine", True)
                race.cancel()
                await asyncio.gather(race, return_exceptions=True)
            rival_receipt = await mined_receipt(rpc, record.sent.tx_hash)
            our_receipt = await mined_receipt(rpc, ours["hash"], succeeded=False)
            assert int(rival_receipt["blockNumber"], 16) == int(our_receipt["blockNumber"], 16)
            assert int(our_receipt["blockNumber"], 16) == landed
            assert int(rival_receipt["transactionIndex"], 16) < int(
                our_receipt["transactionIndex"], 16
            )

            await bot.wait_for(
                lambda s: any(t.tx_hash == ours["hash"] for t in s[0].trades), timeout_s=30
            )
            stats = bot.stats[0]
            trade = next(t for t in stats.trades if t.tx_hash == ours["hash"])
            assert trade.status == "reverted"
            assert trade.lost_to_rival
            assert trade.rival_tx_hash == record.sent.tx_hash
            # Counted once per lost trade (the bot may trade what the gap left, later).
            assert stats.lost_to_rival == sum(t.lost_to_rival for t in stats.trades) >= 1
            assert stats.counts()["lost_to_rival"] == stats.lost_to_rival
            assert chain_status(stats).lost_to_rival == stats.lost_to_rival

        # Stored, and served as the API serves history.
        store = await asyncio.to_thread(
            HistoryStore.open, f"sqlite:///{tmp_path / 'history.sqlite'}"
        )
        try:
            trades = store.trades(chain=CHAIN)
            (stored,) = [t for t in trades if t.tx_hash == ours["hash"]]
            assert stored.lost_to_rival is True
            assert stored.rival_tx_hash == record.sent.tx_hash
            item = trade_item(stored)
            assert item.lost_to_rival is True
            assert item.rival_tx_hash == record.sent.tx_hash
            (pnl,) = [c for c in load_pnl(store.database).chains if c.chain == CHAIN]
            assert pnl.lost_to_rival == sum(bool(t.lost_to_rival) for t in trades) >= 1
        finally:
            await store.close()
