"""The optimizer's card on the dashboard, in a real browser, over a real stored history: each
chain's current parameters as the engine's stages read them (the bribe share the tuner moved
to), the change it is measuring, and every stored change with its effect and whether it was
kept or reverted, as `/params` serves them.

Screenshot: `test-artifacts/dashboard-params.png`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from _dashboard_helpers import open_page, serving_dashboard
from playwright.async_api import Browser, expect

from omniarb.api import ApiState, LiveHub
from omniarb.api.state import LiveFigures
from omniarb.config import OptimizeSettings, ParamBounds
from omniarb.optimize import Params, Sample
from omniarb.optimize.setup import chain_optimizer
from omniarb.store import HistoryStore

pytestmark = pytest.mark.xdist_group("browser")


async def test_the_card_shows_the_live_parameters_and_the_changes(
    tmp_path: Path, browser: Browser, dashboard_dir: Path, artifacts: Path
) -> None:
    settings = OptimizeSettings(
        online=True,
        min_samples=1,
        bounds={"bribe_share_bps": ParamBounds(min=1000, max=5000, step=2000)},
    )
    ethereum = chain_optimizer("ethereum", Params(bribe_share_bps=1_000), settings, bundles=True)
    polygon = chain_optimizer("polygon", Params(min_net_profit_usd=0.01), settings, bundles=False)
    tuner = ethereum.tuner
    assert tuner is not None
    # Two trades: 1,000 → 3,000 (made), then measured better and kept, 3,000 → 5,000 made.
    changes = []
    for reward in (0.0, 2.0):
        changes += tuner.observe_sample(Sample(params=ethereum.live.current, reward_usd=reward))
    kept, measuring = changes[1], changes[2]
    assert (kept.measured, kept.reverted, measuring.new_value) == (True, False, 5_000)
    earlier = replace(
        kept,
        id="earlier",
        changed_at=kept.changed_at - timedelta(hours=1),
        evaluated_at=datetime(2026, 12, 6, 12, tzinfo=UTC),
        effect_reward_usd=-0.75,
        reverted=True,
    )
    store = HistoryStore.open(f"sqlite:///{tmp_path / 'h.sqlite'}")
    for change in (*changes, earlier):
        await store.record(change)
    await store.flush()
    state = ApiState(
        history=store.database,
        hub=LiveHub(),
        live=lambda: LiveFigures(chains=[], params=[ethereum, polygon]),
    )
    watched = await open_page(browser)
    page = watched.page
    try:
        async with serving_dashboard(state, dashboard_dir, token=None) as server:
            base = f"http://127.0.0.1:{server.port}"
            async with httpx.AsyncClient(base_url=base) as client:
                served = (await client.get("/params")).json()
            await page.goto(base + "/")
            card = page.get_by_test_id("card-params")
            rows = card.get_by_test_id("params-row")
            await expect(rows).to_have_count(2)
            eth = card.locator("[data-testid=params-row][data-chain=ethereum]")
            await expect(eth.get_by_test_id("params-bribe")).to_have_attribute("data-bps", "5000")
            await expect(eth.get_by_test_id("params-bribe")).to_have_text("50.00%")
            await expect(eth).to_contain_text("online: bribe_share_bps")
            await expect(eth).to_contain_text("bribe_share_bps 3000 → 5000")
            await expect(
                card.locator("[data-testid=params-row][data-chain=polygon]")
            ).to_contain_text("off")
            history = card.get_by_test_id("param-change")
            await expect(history).to_have_count(len(served["history"]))
            outcomes = [
                "measuring"
                if c["evaluated_at"] is None
                else ("reverted" if c["reverted"] else "kept")
                for c in served["history"]
            ]
            for i, outcome in enumerate(outcomes):
                await expect(history.nth(i)).to_have_attribute("data-outcome", outcome)
            assert sorted(outcomes) == ["kept", "measuring", "reverted"]
            await expect(card.locator("[data-outcome=kept]")).to_contain_text("1000 → 3000")
            await expect(card.locator("[data-outcome=reverted]")).to_contain_text("-$0.75")
            await card.screenshot(path=artifacts / "dashboard-params.png")
        assert watched.errors == []
    finally:
        await page.context.close()
        await store.close()
