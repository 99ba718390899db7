"""The dashboard against a seeded history, in a real browser: the token prompt (a wrong token is
refused, the right one kept in sessionStorage and sent as a bearer header and `?token=`),
amounts past 2**53 shown to the wei, and the WebSocket reconnecting after the API restarts."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from _api_values import AMOUNT_IN, GROSS_PROFIT, TOKENS, opportunity, outcome
from _dashboard_helpers import TOKEN, open_page, serving_dashboard
from playwright.async_api import Browser, Page, expect

from omniarb.api import ApiState, HubAlertSink, LiveHub
from omniarb.monitor import Alert, Severity
from omniarb.store import HistoryStore

pytestmark = pytest.mark.xdist_group("browser")


async def _seeded_store(url: str) -> HistoryStore:
    """Two settled trades on ethereum (amounts past 2**53) through the real batching writer."""
    store = HistoryStore.open(url)
    for token in TOKENS:
        await store.record(token)
    for n in range(2):
        await store.record(opportunity(n))
        await store.record(outcome(opportunity(n), n=n))
    await store.flush()
    return store


async def _sign_in(page: Page, url: str) -> None:
    await page.goto(url)
    await expect(page.get_by_test_id("token-prompt")).to_be_visible()
    await page.get_by_test_id("token-input").fill("not-the-token")
    await page.get_by_test_id("token-submit").click()
    await expect(page.get_by_test_id("token-prompt")).to_contain_text("refused that token")
    assert await page.evaluate("sessionStorage.getItem('omniarb.apiToken')") is None
    await page.get_by_test_id("token-input").fill(TOKEN)
    await page.get_by_test_id("token-submit").click()
    await expect(page.get_by_test_id("live-state")).to_have_attribute("data-state", "open")
    # Kept for this tab: a reload goes straight back in.
    await page.reload()
    await expect(page.get_by_test_id("live-state")).to_have_attribute("data-state", "open")
    await expect(page.get_by_test_id("token-prompt")).to_have_count(0)


async def test_token_prompt_exact_amounts_and_reconnect(
    tmp_path: Path, browser: Browser, dashboard_dir: Path
) -> None:
    store = await _seeded_store(f"sqlite:///{tmp_path / 'h.sqlite'}")
    hub = LiveHub()
    state = ApiState(history=store.database, hub=hub, alerts=hub)
    watched = await open_page(browser)
    page = watched.page
    try:
        async with serving_dashboard(state, dashboard_dir) as server:
            port = server.port
            await _sign_in(page, server.url + "/")
            assert watched.authorization["/status"] == f"Bearer {TOKEN}"
            assert watched.authorization["/trades"] == f"Bearer {TOKEN}"
            (ws_url,) = {u for u in watched.requests if u.startswith("ws://")}
            assert parse_qs(urlsplit(ws_url).query)["token"] == [TOKEN]

            # Amounts past 2**53 to the wei: BigInt, not Number (which would end in ...000).
            await page.get_by_test_id("nav-trades").click()
            rows = page.get_by_test_id("trade-row")
            await expect(rows).to_have_count(2)
            await rows.last.get_by_role("link").click()
            await expect(page.get_by_test_id("amount-in-wei")).to_have_text(
                f"{AMOUNT_IN:,} base units"
            )
            await expect(page.get_by_test_id("predicted-wei")).to_have_text(
                f"{GROSS_PROFIT:,} base units"
            )
            await expect(page.get_by_test_id("amount-in-whole")).to_have_text("12.3456789 WETH")
            await expect(page.get_by_test_id("trade-gap")).to_have_text("0 base units")
            await page.get_by_test_id("nav-live").click()

        # The API is gone: the page says so and keeps trying, with backoff: a retry made while
        # the API is down fails too (the header counts the failures).
        await expect(page.get_by_test_id("live-state")).to_have_attribute(
            "data-state", "reconnecting"
        )
        await expect(page.get_by_test_id("live-state")).to_have_text(
            re.compile(r"reconnecting \(([2-9]|\d{2,})\)"), timeout=15_000
        )
        async with serving_dashboard(state, dashboard_dir, port=port):
            await expect(page.get_by_test_id("live-state")).to_have_attribute(
                "data-state", "open", timeout=15_000
            )
            # The stream works again: a trade and an alert published now reach the page.
            hub.publish_trade(outcome(opportunity(7), n=7))
            await expect(page.get_by_test_id("live-trade")).to_have_count(3)
            await expect(
                page.locator(f"[data-testid=live-trade][data-tx='0x{7:064x}']")
            ).to_be_visible()
            await HubAlertSink(hub).send(
                Alert.new(
                    rule="success_rate",
                    severity=Severity.WARNING,
                    key="ethereum",
                    summary="success rate 80% over 10 min (threshold 95%)",
                    chain="ethereum",
                    value=0.8,
                    threshold=0.95,
                )
            )
            await page.get_by_test_id("nav-alerts").click()
            alert = page.get_by_test_id("alert-row").first
            await expect(alert).to_contain_text("success rate 80% over 10 min")
            await expect(alert).to_contain_text("warning")
        assert watched.errors == []
        # Expected: the 401 that asks for the token, no breaker attached (503), the API down.
        expected = {"401 /status", "503 /breaker", "net::ERR_CONNECTION_REFUSED /status"}
        assert set(watched.failed_loads) <= expected, watched.failed_loads
    finally:
        await page.context.close()
        await store.close()
