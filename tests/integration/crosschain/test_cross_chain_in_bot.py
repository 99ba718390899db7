"""`run_bot` with `[cross_chain] enabled` on two devnet chains: the coordinator runs
beside the pipelines, taps their blocks, signs with the devnet's inventory account and records
the trade in the bot's history."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from _legs_setup import BUY, SELL, PlantedDetector, cross_chain_net
from _plans import roomy_deadline
from _waits import eventually

from omniarb.bot import run_bot
from omniarb.chains.rpc import RpcClient
from omniarb.config import Settings
from omniarb.crosschain.leg_result import LegStatus
from omniarb.devnet.bot_access import DevnetAccess
from omniarb.store import HistoryStore
from omniarb.store.cross_chain import CrossChainStore

pytestmark = pytest.mark.integration


async def test_the_bot_runs_the_coordinator_on_its_blocks(
    devnet_factory: Any, tmp_path: Path
) -> None:
    settings = roomy_deadline(
        Settings.model_validate(
            {
                "execute": {"remote_precheck": "never"},
                "cross_chain": {"enabled": True},
            }
        )
    )
    async with devnet_factory({SELL: None, BUY: None}) as devnet:
        async with cross_chain_net(
            devnet, tmp_path / "planning.sqlite", settings.cross_chain.execution
        ) as net:
            await net.trader_swap(SELL, "uniswap-v2", "USDC", 2_000_000 * 10**6)
            planted = await net.opportunity(10**18)
        # The bot's own atomic trades may move the pools first: any output will do here (the
        # exact outputs are the legs test's).
        opportunity = replace(
            planted,
            sell=replace(planted.sell, min_out=0),
            buy=replace(planted.buy, min_out=0),
        )
        # Offered on every block: the bot's own atomic trade on the swapped pool may be in
        # flight at first (no leg goes through a pool it moves), and the coordinator must
        # trade the opportunity once however often it is offered.
        detector = PlantedDetector(opportunity, every_block=True)
        store = await asyncio.to_thread(HistoryStore.open, f"sqlite:///{tmp_path / 'bot.sqlite'}")
        stop = asyncio.Event()
        cross_store = CrossChainStore(store.database.engine)
        try:
            async with asyncio.TaskGroup() as tasks:
                bot = tasks.create_task(
                    run_bot(
                        devnet.manifest,
                        settings,
                        access=DevnetAccess(devnet.manifest_path),
                        store=store,
                        dry_run=False,
                        stop_when=lambda _: stop.is_set(),
                        cross_chain_detector=detector,
                    )
                )

                async def settled() -> bool:
                    row = await cross_store.trade(opportunity.id)
                    return row is not None and row["status"] == "done"

                try:
                    await eventually(settled, what="the cross-chain trade settled", timeout_s=60)
                finally:
                    stop.set()
                await bot
        finally:
            await store.close()
        assert detector.calls
        legs = await cross_store.legs(opportunity.id)
        assert sorted(leg["status"] for leg in legs) == [LegStatus.LANDED] * 2
        # Signed by the inventory account, not the bot's key.
        sell_chain = devnet.manifest.chain(SELL)
        sell_hash = next(leg["tx_hash"] for leg in legs if leg["role"] == "sell")
        async with RpcClient(sell_chain.rpc_http) as rpc:
            sent = await rpc.call("eth_getTransactionByHash", sell_hash)
        assert sent["from"].lower() == str(sell_chain.inventory_account).lower()
