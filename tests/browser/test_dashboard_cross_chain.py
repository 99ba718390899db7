"""The dashboard's Cross-chain page: the inventory per chain against its bands, the bridge transfers
in flight with the stuck one highlighted, the cross-chain trades with both legs' hashes and the
open exposures, read from the history; then live, without a reload: a `bridge_transfer` and a
`cross_chain_trade` published through the real hub appear, an arrived transfer leaves the
in-flight table, and the inventory follows the bot's balances through the server's ticker."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from _cross_chain_rows import (
    BIG,
    HeldInventory,
    leg_rows,
    seed_cross_chain,
    trade_row,
    transfer_row,
)
from _dashboard_helpers import open_page, serving_dashboard, whole_units
from _waits import eventually
from playwright.async_api import Browser, expect

from omniarb.api import ApiState, LiveHub
from omniarb.api.cross_chain_views import bridge_transfer_item, cross_chain_trade_item
from omniarb.risk import CircuitBreaker
from omniarb.store import HistoryStore
from omniarb.telemetry import Telemetry

pytestmark = pytest.mark.xdist_group("browser")


async def test_the_cross_chain_page_shows_the_history_then_follows_live_events(
    tmp_path: Path, browser: Browser, dashboard_dir: Path, artifacts: Path
) -> None:
    store = HistoryStore.open(f"sqlite:///{tmp_path / 'h.sqlite'}")
    seed_cross_chain(store.database, now=datetime.now(UTC))
    hub = LiveHub()
    telemetry = Telemetry(hub=hub)
    inventory = HeldInventory()
    # The breaker is attached as in a running bot: the frame reads it on every page.
    state = ApiState(history=store.database, hub=hub, inventory=inventory, breaker=CircuitBreaker())
    watched = await open_page(browser)
    page = watched.page
    try:
        async with serving_dashboard(state, dashboard_dir, token=None) as server:
            await page.goto(f"http://127.0.0.1:{server.port}/#/crosschain")
            await expect(page.get_by_test_id("live-state")).to_have_attribute("data-state", "open")
            # A mark a reload would wipe: checked at the end.
            await page.evaluate("window.__notReloaded = true")

            # The history: two trades, the two transfers in flight, the one open exposure.
            trades = page.get_by_test_id("xc-trade-row")
            await expect(trades).to_have_count(2)
            await expect(trades.first).to_have_attribute("data-id", "xc-1")
            await expect(trades.first).to_contain_text("ethereum → arbitrum")
            await expect(trades.first).to_contain_text("partial")
            sell_hash = leg_rows(0)[1].tx_hash
            await expect(trades.nth(1).locator(f'[title="{sell_hash}"]')).to_have_count(1)
            transfers = page.get_by_test_id("transfer-row")
            await expect(transfers).to_have_count(2)
            stuck = page.locator('[data-testid="transfer-row"][data-id="bt-stuck"]')
            await expect(stuck).to_have_attribute("data-overdue", "true")
            await expect(stuck).to_have_class("stuck-row")
            await expect(transfers.first).to_have_attribute("data-overdue", "false")
            await expect(transfers.first).to_contain_text(f"{whole_units(BIG, 18, 4)} WETH")
            await expect(page.get_by_test_id("exposure-row")).to_have_count(1)

            # The inventory: three cells, arbitrum's WETH under its band.
            cells = page.get_by_test_id("inventory-cell")
            await expect(cells).to_have_count(3)
            arbitrum_weth = page.locator(
                '[data-testid="inventory-cell"][data-chain="arbitrum"][data-asset="WETH"]'
            )
            await expect(arbitrum_weth).to_have_attribute("data-band", "low")
            await expect(arbitrum_weth.get_by_test_id("inventory-amount")).to_have_text("2")
            ethereum_weth = page.locator(
                '[data-testid="inventory-cell"][data-chain="ethereum"][data-asset="WETH"]'
            )
            await expect(ethereum_weth.get_by_test_id("inventory-amount")).to_have_text(
                whole_units(BIG, 18, 4)
            )

            async def subscribed() -> bool:
                return hub.wants("bridge_transfer") and hub.wants("cross_chain_trade")

            await eventually(subscribed, what="the page subscribed to the live stream")

            # Live: a transfer the page never read from the history.
            now = datetime.now(UTC)
            live = transfer_row("live", "deposited", created=now, deadline_s=600)
            hub.publish_bridge_transfer(bridge_transfer_item(live))
            await expect(transfers).to_have_count(3)
            await expect(transfers.first).to_have_attribute("data-id", "bt-live")
            await expect(transfers.first).to_contain_text("deposited")
            live.status, live.arrived_at = "arrived", now
            hub.publish_bridge_transfer(bridge_transfer_item(live))
            await expect(transfers).to_have_count(2)  # arrived: no longer in flight

            # Live: a cross-chain trade.
            telemetry.cross_chain_trade(cross_chain_trade_item(trade_row(9), leg_rows(9)))
            await expect(trades).to_have_count(3)
            await expect(trades.first).to_have_attribute("data-id", "xc-9")
            buy_hash = leg_rows(9)[0].tx_hash
            await expect(trades.first.locator(f'[title="{buy_hash}"]')).to_have_count(1)
            # The legs in the trade's order, whatever order the publisher gave them in.
            await expect(trades.first.get_by_test_id("xc-leg").first).to_contain_text("sell")

            # Live: the bot's balance moves; the ticker's `inventory` message carries it.
            inventory.weth_on_arbitrum = 12 * 10**18
            await expect(arbitrum_weth.get_by_test_id("inventory-amount")).to_have_text("12")
            await expect(arbitrum_weth).to_have_attribute("data-band", "ok")

            assert await page.evaluate("window.__notReloaded === true")
            await page.screenshot(path=str(artifacts / "dashboard-cross-chain.png"), full_page=True)
            assert watched.errors == []
            assert watched.failed_loads == []
    finally:
        await page.context.close()
        await store.close()


async def test_the_inventory_panel_says_why_without_a_bot(
    tmp_path: Path, browser: Browser, dashboard_dir: Path
) -> None:
    store = HistoryStore.open(f"sqlite:///{tmp_path / 'h.sqlite'}")
    state = ApiState(history=store.database, hub=LiveHub(), breaker=CircuitBreaker())
    watched = await open_page(browser)
    page = watched.page
    try:
        async with serving_dashboard(state, dashboard_dir, token=None) as server:
            await page.goto(f"http://127.0.0.1:{server.port}/#/crosschain")
            panel = page.get_by_test_id("inventory-panel")
            await expect(panel).to_contain_text("not attached to a running bot")
            await expect(page.get_by_test_id("transfers-panel")).to_contain_text(
                "No bridge transfer in flight"
            )
            await expect(page.get_by_test_id("xc-trades-panel")).to_contain_text(
                "No cross-chain trade yet"
            )
            assert watched.errors == []
            assert watched.failed_loads == ["503 /cross-chain/inventory"]
    finally:
        await page.context.close()
        await store.close()
