"""Each trade's source, channel and bribe on the dashboard, against a history of real stored
rows, in a real browser: the trades page marks a backrun (with the pending transaction it
followed) apart from a block's trade and shows the bribe each paid, the trade page says the
same, and the overview's per-chain summary of backruns and bribes equals what `/pnl` serves.

Screenshots: `test-artifacts/dashboard-submission.png`, `dashboard-trades-sources.png`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from _api_values import BUNDLE_HASH, TOKENS, TRIGGER_TX, opportunity, sent_via
from _dashboard_helpers import open_page, serving_dashboard, whole_units
from playwright.async_api import Browser, Page, expect

from omniarb.api import ApiState, LiveHub
from omniarb.store import HistoryStore
from omniarb.types import Outcome, SubmitChannel

pytestmark = pytest.mark.xdist_group("browser")

_NATIVE = {"ethereum": "ETH", "bnb": "BNB", "polygon": "POL", "arbitrum": "ETH"}


def _trades() -> list[Outcome]:
    """Two backruns and a block's trade on Ethereum (bundles, with bribes), a public block
    trade on Polygon, a backrun on Arbitrum through the sequencer (no bribe)."""
    return [
        sent_via(
            opportunity(0),
            n=0,
            channel=SubmitChannel.BUNDLE,
            backrun_of=TRIGGER_TX,
            bribe_offered_wei=2 * 10**15,
            bribe_paid_wei=1_234_567_890_123_456,
        ),
        sent_via(
            opportunity(1),
            n=1,
            channel=SubmitChannel.BUNDLE,
            backrun_of="0x" + "c3" * 32,
            bribe_paid_wei=5 * 10**14,
        ),
        sent_via(opportunity(2), n=2, channel=SubmitChannel.BUNDLE, bribe_paid_wei=10**15),
        sent_via(opportunity(3, chain_id=137), n=3, channel=SubmitChannel.PUBLIC),
        sent_via(
            opportunity(4, chain_id=42161),
            n=4,
            channel=SubmitChannel.SEQUENCER,
            backrun_of="0x" + "d4" * 32,
        ),
    ]


async def _seeded_store(url: str) -> HistoryStore:
    store = HistoryStore.open(url)
    for token in TOKENS:
        await store.record(token)
    for settled in _trades():
        await store.record(settled)
    await store.flush()
    return store


async def _check_trades_page(page: Page, served: list[dict[str, Any]]) -> None:
    await page.get_by_test_id("nav-trades").click()
    rows = page.get_by_test_id("trade-row")
    await expect(rows).to_have_count(len(served))
    for trade in served:
        row = page.locator(f"[data-testid=trade-row][data-tx='{trade['tx_hash']}']")
        source = row.get_by_test_id("trade-source")
        await expect(source).to_have_attribute("data-source", trade["source"])
        label = "backrun" if trade["source"] == "mempool" else trade["source"]
        await expect(source.locator(".badge")).to_have_text(label)
        trigger = row.get_by_test_id("trade-trigger")
        if trade["trigger_tx"] is None:
            await expect(trigger).to_have_count(0)
        else:
            await expect(trigger).to_have_attribute("data-tx", trade["trigger_tx"])
            await expect(trigger.locator("code")).to_have_attribute("title", trade["trigger_tx"])
        await expect(row.get_by_test_id("trade-channel")).to_have_text(trade["channel"])
        bribe = row.get_by_test_id("trade-bribe")
        paid = int(trade["bribe_paid_wei"])
        await expect(bribe).to_have_attribute("data-wei", trade["bribe_paid_wei"])
        await expect(bribe).to_have_text(f"{whole_units(paid, 18)} {_NATIVE[trade['chain']]}")


async def _check_trade_page(page: Page, trade: dict[str, Any]) -> None:
    await page.goto(page.url.split("#")[0] + f"#/trade/{trade['opportunity_id']}")
    await expect(page.get_by_test_id("page-trade")).to_be_visible()
    await expect(page.get_by_test_id("trade-source")).to_have_attribute("data-source", "mempool")
    await expect(page.get_by_test_id("trade-trigger")).to_have_attribute("data-tx", TRIGGER_TX)
    channel = page.get_by_test_id("trade-channel")
    await expect(channel).to_contain_text("bundle")
    await expect(channel.locator("code")).to_have_attribute("title", BUNDLE_HASH)
    await expect(page.get_by_test_id("trade-bribe")).to_have_text(
        f"{whole_units(int(trade['bribe_paid_wei']), 18)} ETH"
    )


async def _check_summary(page: Page, pnl: dict[str, Any]) -> None:
    await page.get_by_test_id("nav-overview").click()
    rows = page.get_by_test_id("submission-row")
    await expect(rows).to_have_count(len(pnl["chains"]))
    for chain in pnl["chains"]:
        row = page.locator(f"[data-testid=submission-row][data-chain='{chain['chain']}']")
        await expect(row.get_by_test_id("from-blocks")).to_have_text(
            f"{chain['sources'].get('block', 0):,}"
        )
        await expect(row.get_by_test_id("backruns")).to_have_text(f"{chain['backruns']:,}")
        channels = ", ".join(f"{k} {n}" for k, n in sorted(chain["channels"].items()))
        await expect(row.get_by_test_id("channels")).to_have_text(channels)
        bribes = row.get_by_test_id("bribes-paid")
        await expect(bribes).to_have_attribute("data-wei", chain["bribe_paid_wei"])
        await expect(bribes).to_have_text(
            f"{whole_units(int(chain['bribe_paid_wei']), 18)} {_NATIVE[chain['chain']]}"
        )


async def test_each_trade_shows_its_source_and_bribe_and_each_chain_its_sums(
    tmp_path: Path, browser: Browser, dashboard_dir: Path, artifacts: Path
) -> None:
    store = await _seeded_store(f"sqlite:///{tmp_path / 'h.sqlite'}")
    state = ApiState(history=store.database, hub=LiveHub())
    watched = await open_page(browser)
    page = watched.page
    try:
        async with serving_dashboard(state, dashboard_dir, token=None) as server:
            base = f"http://127.0.0.1:{server.port}"
            async with httpx.AsyncClient(base_url=base) as client:
                served = (await client.get("/trades")).json()
                pnl = (await client.get("/pnl")).json()
            # The figures the page is checked against are the seeded ones, as the API has them.
            assert len(served) == len(_trades())
            ethereum = next(c for c in pnl["chains"] if c["chain"] == "ethereum")
            assert ethereum["backruns"] == 2
            assert ethereum["bribe_paid_wei"] == str(1_234_567_890_123_456 + 5 * 10**14 + 10**15)
            await page.goto(base + "/")
            await _check_summary(page, pnl)
            await page.get_by_test_id("card-submission").screenshot(
                path=artifacts / "dashboard-submission.png"
            )
            await _check_trades_page(page, served)
            await page.get_by_test_id("trades-table").screenshot(
                path=artifacts / "dashboard-trades-sources.png"
            )
            backrun = next(t for t in served if t["trigger_tx"] == TRIGGER_TX)
            await _check_trade_page(page, backrun)
        assert watched.errors == []
    finally:
        await page.context.close()
        await store.close()
