"""The dashboard on an API without a token (loopback mode, the demo's default): no prompt, the
live stream connects, and the breaker trips and resets from the page — the API's loopback
guard accepts the page's own requests (loopback `Host` and `Origin`), by IP and by name."""

from __future__ import annotations

from pathlib import Path

import pytest
from _dashboard_helpers import open_page, serving_dashboard
from playwright.async_api import Browser, expect

from omniarb.api import ApiState, LiveHub
from omniarb.risk import BreakerBoard, CircuitBreaker
from omniarb.store import HistoryStore

pytestmark = pytest.mark.xdist_group("browser")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_loopback_mode_needs_no_token(
    tmp_path: Path, browser: Browser, dashboard_dir: Path, host: str
) -> None:
    store = HistoryStore.open(f"sqlite:///{tmp_path / 'h.sqlite'}")
    breaker = CircuitBreaker()
    state = ApiState(history=store.database, hub=LiveHub(), breaker=breaker)
    watched = await open_page(browser)
    page = watched.page
    try:
        async with serving_dashboard(state, dashboard_dir, token=None) as server:
            await page.goto(f"http://{host}:{server.port}/#/breaker")
            await expect(page.get_by_test_id("live-state")).to_have_attribute("data-state", "open")
            await expect(page.get_by_test_id("token-prompt")).to_have_count(0)
            assert watched.authorization["/status"] is None

            state_box = page.get_by_test_id("breaker-state")
            await page.get_by_test_id("breaker-reason").fill("maintenance")
            await page.get_by_test_id("breaker-trip-button").click()
            await expect(state_box).to_have_attribute("data-state", "open")
            assert breaker.is_open
            await page.get_by_test_id("breaker-reset-button").click()
            await expect(state_box).to_have_attribute("data-state", "closed")
            assert not breaker.is_open
            assert watched.errors == []
            assert watched.failed_loads == []
    finally:
        await page.context.close()
        await store.close()


async def test_each_chains_breaker_is_shown_and_reset_on_its_own(
    tmp_path: Path, browser: Browser, dashboard_dir: Path
) -> None:
    board = BreakerBoard(
        global_breaker=CircuitBreaker(),
        chains={name: CircuitBreaker(scope=name) for name in ("base", "ethereum")},
    )
    board.scope_breaker("base").trip("base reorgs", by="api")
    store = HistoryStore.open(f"sqlite:///{tmp_path / 'h.sqlite'}")
    state = ApiState(history=store.database, hub=LiveHub(), breaker=board)
    watched = await open_page(browser)
    page = watched.page
    try:
        async with serving_dashboard(state, dashboard_dir, token=None) as server:
            await page.goto(f"http://127.0.0.1:{server.port}/#/breaker")
            await expect(page.get_by_test_id("breaker-state")).to_have_attribute(
                "data-state", "closed"
            )
            base = page.get_by_test_id("breaker-scope-base")
            await expect(base).to_contain_text("manual: base reorgs")
            await expect(base.locator("td[data-state]")).to_have_attribute("data-state", "open")
            ethereum = page.get_by_test_id("breaker-scope-ethereum")
            await expect(ethereum.locator("td[data-state]")).to_have_attribute(
                "data-state", "closed"
            )
            await expect(page.get_by_test_id("breaker-scope-reset-ethereum")).to_be_disabled()

            await page.get_by_test_id("breaker-scope-reset-base").click()
            await expect(base.locator("td[data-state]")).to_have_attribute("data-state", "closed")
            assert not board.scope_breaker("base").is_open
            assert not board.is_open
            assert watched.errors == []
            assert watched.failed_loads == []
    finally:
        await page.context.close()
        await store.close()
