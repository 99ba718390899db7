"""Trades lost to rivals on the dashboard, against a history of real stored rows, in a real
browser: the overview counts them (as `/pnl` does), the trades page marks each lost trade and
no other, and a lost trade's page names the rival's transaction.

Screenshot: `test-artifacts/dashboard-lost-to-rivals.png`.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from _api_values import TOKENS, opportunity, outcome
from _dashboard_helpers import open_page, serving_dashboard
from playwright.async_api import Browser, expect

from omniarb.api import ApiState, LiveHub
from omniarb.store import HistoryStore
from omniarb.types import Outcome

pytestmark = pytest.mark.xdist_group("browser")

RIVAL_TXS = ("0x" + "e1" * 32, "0x" + "e2" * 32)


def _trades() -> list[Outcome]:
    """Two trades lost to rivals (one on Ethereum, one on Polygon), one reverted for another
    reason, two that succeeded."""
    lost = [
        replace(
            outcome(opportunity(i, chain_id=chain_id), n=i, success=False),
            touched_earlier_in_block=True,
            lost_to_rival=True,
            rival_tx_hash=rival,
        )
        for i, (chain_id, rival) in enumerate(zip((1, 137), RIVAL_TXS, strict=True))
    ]
    other = replace(outcome(opportunity(2), n=2, success=False), touched_earlier_in_block=True)
    return [*lost, other, outcome(opportunity(3), n=3), outcome(opportunity(4), n=4)]


async def test_trades_lost_to_rivals_are_counted_and_marked(
    tmp_path: Path, browser: Browser, dashboard_dir: Path, artifacts: Path
) -> None:
    store = HistoryStore.open(f"sqlite:///{tmp_path / 'h.sqlite'}")
    for token in TOKENS:
        await store.record(token)
    for settled in _trades():
        await store.record(settled)
    await store.flush()
    state = ApiState(history=store.database, hub=LiveHub())
    watched = await open_page(browser)
    page = watched.page
    try:
        async with serving_dashboard(state, dashboard_dir, token=None) as server:
            base = f"http://127.0.0.1:{server.port}"
            async with httpx.AsyncClient(base_url=base) as client:
                served = (await client.get("/trades")).json()
                pnl = (await client.get("/pnl")).json()
            lost = [t for t in served if t["lost_to_rival"]]
            assert sorted(t["rival_tx_hash"] for t in lost) == sorted(RIVAL_TXS)
            assert sum(c["lost_to_rival"] for c in pnl["chains"]) == 2

            await page.goto(base + "/")
            kpi = page.get_by_test_id("kpi-lost-to-rivals")
            await expect(page.get_by_test_id("kpi-lost-to-rivals-value")).to_have_text("2")
            await kpi.screenshot(path=artifacts / "dashboard-lost-to-rivals.png")

            await page.get_by_test_id("nav-trades").click()
            await expect(page.get_by_test_id("trade-row")).to_have_count(len(served))
            for trade in served:
                row = page.locator(f"[data-testid=trade-row][data-tx='{trade['tx_hash']}']")
                badge = row.get_by_test_id("trade-lost-to-rival")
                if trade["lost_to_rival"]:
                    await expect(badge).to_have_text("lost to rival")
                    await expect(badge).to_have_attribute(
                        "title", f"rival transaction {trade['rival_tx_hash']}"
                    )
                else:
                    await expect(badge).to_have_count(0)

            first = lost[0]
            await page.goto(base + f"/#/trade/{first['opportunity_id']}")
            rival = page.get_by_test_id("trade-rival-tx")
            await expect(rival.locator("code")).to_have_attribute("title", first["rival_tx_hash"])
            await expect(page.get_by_test_id("trade-lost-to-rival")).to_be_visible()
        assert watched.errors == []
    finally:
        await page.context.close()
        await store.close()
