"""The coordinator on two devnet chains: a tapped block reaches the detector (here one that
hands back a trade planted on the real pools, as the real detector's entry point would), the
trade is executed, the inventory book follows the legs' receipts, and the trade reaches the
live feed and the metrics. A full tap queue drops updates and counts them."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from _legs_setup import BUY, SELL, PlantedDetector, cross_chain_net
from prometheus_client import CollectorRegistry

from omniarb._config_cross_exec import CrossChainExecutionSettings
from omniarb.api.live import LiveHub
from omniarb.chains.spec import chain_by_id
from omniarb.crosschain.coordinator import CrossChainCoordinator
from omniarb.crosschain.inventory import InventoryBook
from omniarb.crosschain.prices import trade_prices
from omniarb.monitor.cross_chain_metrics import CrossChainMetrics
from omniarb.types import PoolUpdate

pytestmark = pytest.mark.integration


def _update(chain_id: int, block: int) -> PoolUpdate:
    return PoolUpdate(
        chain_id=chain_id, block_number=block, block_hash="0x" + "00" * 32, base_fee_wei=7,
        pools=(),
    )  # fmt: skip


async def test_a_tapped_block_becomes_a_settled_trade_in_the_feed(
    devnet_factory: Any, tmp_path: Path
) -> None:
    settings = CrossChainExecutionSettings()
    async with (
        devnet_factory({SELL: None, BUY: None}) as devnet,
        cross_chain_net(devnet, tmp_path / "history.sqlite", settings) as net,
    ):
        await net.trader_swap(SELL, "uniswap-v2", "USDC", 2_000_000 * 10**6)
        opportunity = await net.opportunity(10**18)
        book = InventoryBook()
        for name, chain in net.chains.items():
            await book.load(
                chain=name,
                rpc=net.rpcs[name],
                account=str(chain.inventory_account),
                tokens=[t.address for t in chain.tokens],
            )
        weth = {name: net.chains[name].token("WETH").address for name in (SELL, BUY)}
        before = {name: book.balance(name, weth[name]) for name in (SELL, BUY)}
        assert before[SELL] > 10**18
        detector = PlantedDetector(opportunity)
        hub = LiveHub()
        registry = CollectorRegistry()
        coordinator = CrossChainCoordinator(
            detector=detector,
            trader=net.trader,
            inventory=book,
            prices=lambda o: trade_prices(
                o, lambda c, t: net.chains[c].token_by_address(t).decimals
            ),
            chains=(SELL, BUY),
            metrics=CrossChainMetrics(registry),
            publish=hub.publish,
            fee_models={n: chain_by_id(net.chains[n].chain_id).fee_model for n in (SELL, BUY)},
            tip_wei=10**9,
        )
        with hub.subscribe(["cross_chain_trade"]) as feed:
            async with asyncio.TaskGroup() as tasks:
                running = tasks.create_task(coordinator.run())
                coordinator.tap(SELL, _update(net.chains[SELL].chain_id, 5))
                message = json.loads(await asyncio.wait_for(feed.get(), timeout=30))
                running.cancel()
        assert detector.calls[0]["chain"] == SELL
        # One leg's cost on the chain whose block came: its base fee (7 wei) plus the tip.
        (fee,) = detector.calls[0]["fees"].values()
        assert list(detector.calls[0]["fees"]) == [SELL]
        assert (fee.gas_price_wei, fee.native_usd) == (7 + 10**9, 3000.0)
        assert detector.calls[0]["inventory"][(SELL, weth[SELL].lower())] == before[SELL]
        assert message["type"] == "cross_chain_trade"
        data = message["data"]
        assert data["id"] == opportunity.id
        assert data["status"] == "done"
        assert [leg["status"] for leg in data["legs"]] == ["landed", "landed"]
        assert data["legs"][1]["realized_out"] == str(opportunity.buy.predicted_out)
        # The book follows the receipts, and agrees with the chain.
        assert book.balance(SELL, weth[SELL]) == before[SELL] - 10**18
        assert book.balance(BUY, weth[BUY]) == before[BUY] + opportunity.buy.predicted_out
        check = InventoryBook()
        for name in (SELL, BUY):
            await check.load(chain=name, rpc=net.rpcs[name],
                             account=str(net.chains[name].inventory_account),
                             tokens=[weth[name]])  # fmt: skip
            assert check.balance(name, weth[name]) == book.balance(name, weth[name])
        assert (
            registry.get_sample_value(
                "omniarb_cross_chain_trades_total",
                {"status": "done", "sell_chain": SELL, "buy_chain": BUY},
            )
            == 1.0
        )
        assert registry.get_sample_value("omniarb_cross_chain_realized_pnl_net_usd") == (
            pytest.approx(data["realized_pnl_usd"])
        )


async def test_a_full_tap_drops_and_counts(devnet_factory: Any, tmp_path: Path) -> None:
    settings = CrossChainExecutionSettings()
    async with (
        devnet_factory({SELL: None, BUY: None}) as devnet,
        cross_chain_net(devnet, tmp_path / "history.sqlite", settings) as net,
    ):
        registry = CollectorRegistry()
        coordinator = CrossChainCoordinator(
            detector=PlantedDetector(await net.opportunity(10**17)),
            trader=net.trader,
            inventory=InventoryBook(),
            prices=lambda o: trade_prices(o, lambda c, t: 18),
            chains=(SELL, BUY),
            metrics=CrossChainMetrics(registry),
            queue_size=2,
        )
        for block in range(5):  # nobody is draining the queue
            coordinator.tap(BUY, _update(net.chains[BUY].chain_id, block))
        assert coordinator.dropped == {BUY: 3}
        assert (
            registry.get_sample_value("omniarb_cross_chain_dropped_updates_total", {"chain": BUY})
            == 3.0
        )
