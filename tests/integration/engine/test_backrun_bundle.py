"""The issue's backrun, end to end on the devnet: a large pending swap sits in Ethereum's mempool,
the bot decodes it from the pending stream, finds the gap it opens, and sends a bundle (the
pending swap, then its trade) to the devnet relay that builds the chain's blocks; the next block
holds both, at its top and in that order; the trade realizes exactly what was predicted, net of
the bribe the executor paid the block's coinbase, which is exactly the one predicted. And when the
pending swap is replaced before its block, the relay drops the bundle: our transaction is never
mined, nothing is paid, and its nonce is handed out again."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from _bot_helpers import RunningBot, bot_on, swap_v2_tx
from _receipts import mined_receipt
from _relay_miner import mine_what_is_sent
from _waits import eventually

from omniarb.chains.rpc import RpcClient
from omniarb.devnet.accounts import BOT_INDEX, dev_account
from omniarb.devnet.relay import RelayServer
from omniarb.network import ChainManifest
from omniarb.score.features import FEATURE_VERSION, FEATURES

pytestmark = pytest.mark.integration

WETH = 10**18


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchall()


@contextlib.asynccontextmanager
async def _bot_behind_relay(
    devnet_factory: Any, db: Path
) -> AsyncIterator[tuple[RpcClient, RelayServer, ChainManifest, RunningBot]]:
    """Ethereum with the relay building its blocks, and the bot running on it. No block time:
    the relay builds a block only when told, so nothing is mined before the bundle is in."""
    async with devnet_factory({"ethereum": None}, relays=("ethereum",)) as net:
        relay = net.relays["ethereum"]
        (chain,) = net.manifest.chains
        assert chain.relay_url == relay.url
        async with RpcClient(chain.rpc_http) as rpc:
            # While the bot starts (it deploys its executor), its transactions get blocks; the
            # miner is stopped between two blocks, never in the middle of one.
            started = asyncio.Event()
            miner = asyncio.create_task(mine_what_is_sent(rpc, relay, until=started))
            try:
                async with bot_on(net, db) as bot:
                    started.set()
                    await miner
                    yield rpc, relay, chain, bot
            finally:
                started.set()
                await miner


async def test_a_pending_swap_is_backrun_in_a_bundle_right_behind_it(
    devnet_factory, tmp_path: Path
) -> None:
    db = tmp_path / "history.sqlite"
    async with _bot_behind_relay(devnet_factory, db) as (rpc, relay, chain, bot):
        await _backrun(rpc, relay, chain, bot, db)

    # What the history says: sent as a bundle, and the bribe paid exactly as decided.
    ((channel, bundle_hash, bribe_offered, bribe_paid),) = _rows(
        db,
        "SELECT e.channel, e.bundle_hash, e.bribe_wei, o.bribe_wei FROM executions e "
        "JOIN outcomes o ON o.tx_hash = e.tx_hash",
    )
    assert channel == "bundle"
    assert bundle_hash
    assert int(str(bribe_paid)) == int(str(bribe_offered)) > 0

    # What the score stage saw of the sent backrun: the pending swap through its route's pool,
    # the tip the execute stage then bid, and the depth of the pools it was priced on.
    ((features_json, version, tip_wei),) = _rows(
        db,
        "SELECT d.features, d.feature_version, e.priority_fee_wei FROM executions e "
        "JOIN decisions d ON d.id = e.decision_id",
    )
    assert version == FEATURE_VERSION
    seen = dict(zip(FEATURES, json.loads(str(features_json)), strict=True))
    assert seen["source_mempool"] == 1
    assert seen["log_pending_route_swaps"] >= math.log1p(1)
    assert seen["log_pending_swaps"] >= seen["log_pending_route_swaps"]
    assert seen["log_tip_gwei"] == pytest.approx(math.log1p(int(str(tip_wei)) / 10**9))
    assert seen["log_min_depth_usd"] > math.log1p(1_000)
    assert 0 < seen["depth_share"] < 1


async def test_a_replaced_pending_swap_takes_the_backrun_down_unpaid(
    devnet_factory, tmp_path: Path
) -> None:
    db = tmp_path / "history.sqlite"
    async with _bot_behind_relay(devnet_factory, db) as (rpc, relay, chain, bot):
        bot_address = dev_account(BOT_INDEX).address
        nonce = int(await rpc.call("eth_getTransactionCount", bot_address, "latest"), 16)
        coinbase = await rpc.call("eth_coinbase")
        swap = swap_v2_tx(chain, dex="sushiswap", path=["WETH", "USDC"], amount_in=600 * WETH)
        victim_nonce = int(await rpc.call("eth_getTransactionCount", swap["from"], "pending"), 16)
        fee = int(await rpc.call("eth_gasPrice"), 16)
        victim = await rpc.call(
            "eth_sendTransaction", {**swap, "nonce": hex(victim_nonce), "gasPrice": hex(fee)}
        )

        async def bundle_sent() -> bool:
            return relay.stats().bundles_received >= 1

        await eventually(bundle_sent, what="the bot's bundle at the relay", timeout_s=30)
        # The swap's sender changes its mind: the same nonce, a plain transfer, twice the fee.
        replacement = await rpc.call(
            "eth_sendTransaction",
            {
                "from": swap["from"],
                "to": swap["from"],
                "value": "0x0",
                "nonce": hex(victim_nonce),
                "gasPrice": hex(2 * fee),
            },
        )
        before = int(await rpc.call("eth_getBalance", coinbase, "latest"), 16)
        # The bundle's target blocks, one by one: each drops it.
        first = await relay.build_block()
        second = await relay.build_block()
        assert first.included == second.included == ()
        await bot.wait_for(lambda stats: stats[0].dropped >= 1, timeout_s=30)

        assert await rpc.call("eth_getTransactionReceipt", victim) is None
        assert (await mined_receipt(rpc, replacement))["status"] == "0x1"
        (trade,) = bot.stats[0].trades
        assert (trade.status, trade.source, trade.channel) == ("dropped", "mempool", "bundle")
        assert trade.trigger_tx is not None
        assert trade.trigger_tx.lower() == victim.lower()
        assert await rpc.call("eth_getTransactionReceipt", trade.tx_hash) is None
        # Nothing of ours was mined: the coinbase earned only the replacement's priority fee,
        # and our nonce is where it was.
        assert int(await rpc.call("eth_getTransactionCount", bot_address, "latest"), 16) == nonce
        gained = int(await rpc.call("eth_getBalance", coinbase, "latest"), 16) - before
        replaced = await mined_receipt(rpc, replacement)
        block = await rpc.call("eth_getBlockByNumber", replaced["blockNumber"], False)
        tip = int(replaced["effectiveGasPrice"], 16) - int(block["baseFeePerGas"], 16)
        assert gained == int(replaced["gasUsed"], 16) * tip
        assert relay.stats().dropped_by_reason.get("replaced", 0) >= 1


async def _backrun(
    rpc: RpcClient, relay: RelayServer, chain: ChainManifest, bot: RunningBot, db: Path
) -> None:
    (pipeline,) = bot.engine[0].pipelines
    assert pipeline.backruns is not None  # Ethereum's trades go in bundles
    victim = await rpc.call(
        "eth_sendTransaction",
        swap_v2_tx(chain, dex="sushiswap", path=["WETH", "USDC"], amount_in=600 * WETH),
    )

    async def bundle_sent() -> bool:
        return relay.stats().bundles_received >= 1

    await eventually(bundle_sent, what="the bot's bundle at the relay", timeout_s=30)
    built = await relay.build_block()
    assert built.included, built.dropped
    await bot.wait_for(lambda stats: len(stats[0].trades) >= 1, timeout_s=30)

    (trade,) = bot.stats[0].trades
    assert trade.status == "success", trade
    # The top of the block: the pending swap, then ours.
    assert built.tx_hashes[:2] == (victim.lower(), trade.tx_hash.lower())
    victim_receipt = await mined_receipt(rpc, victim)
    assert int(victim_receipt["transactionIndex"], 16) == 0
    assert trade.block_number == built.number
    assert trade.realized_profit_wei == trade.predicted_profit_wei > 0
    await bot.store.flush()
    triggers = _rows(db, "SELECT trigger_tx FROM opportunities WHERE source = 'mempool'")
    assert {str(t).lower() for (t,) in triggers} == {victim.lower()}
