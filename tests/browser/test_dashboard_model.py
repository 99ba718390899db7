"""The overview's profit-predictor panel in a real browser: the baseline decides while the
model store is empty, and the panel follows a model saved while the page is open (its id,
held-out metrics and age), as `GET /model` serves them.

Screenshot: `test-artifacts/dashboard-model.png`.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from _dashboard_helpers import open_page, serving_dashboard
from playwright.async_api import Browser, expect

from omniarb.api import ApiState, LiveHub
from omniarb.score.store import ModelStore
from omniarb.store import HistoryStore

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "score"))
from _nets import meta, random_net

pytestmark = pytest.mark.xdist_group("browser")


async def test_the_panel_shows_the_baseline_then_the_trained_model(
    tmp_path: Path,
    browser: Browser,
    dashboard_dir: Path,
    artifacts: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OMNIARB_HOME", str(tmp_path))  # the default store: $OMNIARB_HOME/models
    store = HistoryStore.open(f"sqlite:///{tmp_path / 'h.sqlite'}")
    state = ApiState(history=store.database, hub=LiveHub())
    watched = await open_page(browser)
    page = watched.page
    try:
        async with serving_dashboard(state, dashboard_dir, token=None) as server:
            await page.goto(f"http://127.0.0.1:{server.port}/")
            panel = page.get_by_test_id("card-model")
            await expect(panel.get_by_test_id("model-mode")).to_have_text("baseline")
            await expect(panel.get_by_test_id("model-reason")).to_have_text(
                "no trained model: baseline"
            )
            await expect(panel.get_by_test_id("model-id")).to_have_text("none")

            ModelStore(str(tmp_path / "models")).save(
                random_net(seed=4), meta(id="m-panel", created_at=datetime.now(UTC))
            )
            # The panel re-reads /model every 5 s.
            await expect(panel.get_by_test_id("model-id")).to_have_text("m-panel", timeout=15_000)
            await expect(panel.get_by_test_id("model-mode")).to_have_text("model")
            await expect(panel.get_by_test_id("model-reason")).to_have_text("model in use")
            await expect(panel.get_by_test_id("model-metric-auc")).to_have_text("0.900")
            await expect(panel.get_by_test_id("model-metric-brier")).to_have_text("0.100")
            await expect(panel.get_by_test_id("model-age")).to_contain_text(" s")
            await panel.screenshot(path=str(artifacts / "dashboard-model.png"))
        assert watched.errors == []
    finally:
        await page.context.close()
        await store.close()
