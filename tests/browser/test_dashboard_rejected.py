"""The dashboard's rejected view: opportunities that went no further, read from the history,
each with why — a declined decision's reasons (a token-safety verdict, a risk limit) and an
execution the pre-check refused — and filterable by the rule a reason names."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from _api_values import TOKENS, decision, execution, opportunity, outcome
from _dashboard_helpers import open_page, serving_dashboard
from playwright.async_api import Browser, expect

from omniarb.api import ApiState, LiveHub
from omniarb.risk import CircuitBreaker
from omniarb.store import HistoryStore
from omniarb.types import ExecutionStatus

pytestmark = pytest.mark.xdist_group("browser")

_TAX = "token safety: 0x5fbdb2315678afecb367f032d93f642f64180aa3: transfer_tax"
_SIZE = "trade size: 120000 USD over the 100000 USD limit"
_REFUSED = "pre-check: execution reverted: profit below minimum"


async def test_each_rejected_opportunity_shows_why(
    tmp_path: Path, browser: Browser, dashboard_dir: Path
) -> None:
    store = HistoryStore.open(f"sqlite:///{tmp_path / 'h.sqlite'}")
    for token in TOKENS:
        await store.record(token)
    for n, why in ((0, (_TAX,)), (1, (_SIZE,))):
        await store.record(opportunity(n))
        await store.record(replace(decision(opportunity(n), approved=False), reasons=why))
    await store.record(opportunity(2))
    await store.record(
        replace(
            execution(opportunity(2), n=2),
            status=ExecutionStatus.REJECTED,
            tx_hash=None,
            nonce=None,
            error=_REFUSED,
        )
    )
    await store.record(opportunity(3))
    await store.record(outcome(opportunity(3), n=3))
    await store.flush()
    state = ApiState(history=store.database, hub=LiveHub(), breaker=CircuitBreaker())
    watched = await open_page(browser)
    page = watched.page
    try:
        async with serving_dashboard(state, dashboard_dir, token=None) as server:
            await page.goto(f"http://127.0.0.1:{server.port}/#/rejected")
            rows = page.get_by_test_id("rejected-row")
            await expect(rows).to_have_count(3)  # the settled trade is not among them
            reasons = page.get_by_test_id("rejected-reasons")
            for text in (_TAX, _SIZE, _REFUSED):
                await expect(reasons.filter(has_text=text)).to_have_count(1)

            await page.get_by_label("rule").select_option("token safety")
            await expect(rows).to_have_count(1)
            await expect(rows.first).to_contain_text("transfer_tax")
            await expect(rows.first).to_contain_text("declined")
            await page.get_by_label("rule").select_option("pre-check")
            await expect(rows).to_have_count(1)
            await expect(rows.first).to_contain_text("rejected")
            assert watched.errors == []
            assert watched.failed_loads == []
    finally:
        await page.context.close()
        await store.close()
