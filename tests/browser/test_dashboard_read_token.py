"""The dashboard with a stored `read` token (`omniarb tokens create --scope read`), in a real
browser: it signs in, reads and streams as before; tripping the breaker is refused with the
API's 403, whose detail (the scope needed) the page shows, and the breaker stays closed."""

from __future__ import annotations

from pathlib import Path

import pytest
from _api_values import TOKENS, opportunity, outcome
from _dashboard_helpers import open_page, serving_dashboard
from playwright.async_api import Browser, expect

from omniarb.api import ApiState, LiveHub
from omniarb.risk import CircuitBreaker
from omniarb.store import HistoryStore

pytestmark = pytest.mark.xdist_group("browser")


async def test_a_read_token_reads_and_cannot_trip(
    tmp_path: Path, browser: Browser, dashboard_dir: Path
) -> None:
    store = HistoryStore.open(f"sqlite:///{tmp_path / 'h.sqlite'}")
    for token in TOKENS:
        await store.record(token)
    await store.record(opportunity(0))
    await store.record(outcome(opportunity(0), n=0))
    await store.flush()
    _, read_secret = store.database.api_tokens.create(name="wallboard", scope="read")
    breaker = CircuitBreaker()
    hub = LiveHub()
    state = ApiState(history=store.database, hub=hub, breaker=breaker)
    watched = await open_page(browser)
    page = watched.page
    try:
        # No OMNIARB_API_TOKEN: the stored token alone puts the API in token mode.
        async with serving_dashboard(state, dashboard_dir, token=None) as server:
            await page.goto(server.url + "/")
            await expect(page.get_by_test_id("token-prompt")).to_be_visible()
            await page.get_by_test_id("token-input").fill(read_secret)
            await page.get_by_test_id("token-submit").click()
            await expect(page.get_by_test_id("live-state")).to_have_attribute("data-state", "open")
            assert watched.authorization["/status"] == f"Bearer {read_secret}"

            await page.get_by_test_id("nav-trades").click()
            await expect(page.get_by_test_id("trade-row")).to_have_count(1)

            await page.goto(server.url + "/#/breaker")
            await page.get_by_test_id("breaker-reason").fill("not allowed")
            await page.get_by_test_id("breaker-trip-button").click()
            await expect(page.get_by_text("needs the 'control' scope")).to_be_visible()
            await expect(page.get_by_test_id("breaker-state")).to_have_attribute(
                "data-state", "closed"
            )
            assert not breaker.is_open
        assert watched.errors == []
        assert "403 /breaker/trip" in watched.failed_loads
        # Expected: the 401 that asks for the token, the refused trip, the API gone at the end.
        expected = {"401 /status", "403 /breaker/trip", "net::ERR_CONNECTION_REFUSED /status"}
        assert set(watched.failed_loads) <= expected, watched.failed_loads
        denied = store.database.audit(action="api.breaker.trip")
        assert [(e.outcome, e.actor.endswith(":wallboard")) for e in denied] == [("denied", True)]
    finally:
        await page.context.close()
        await store.close()
