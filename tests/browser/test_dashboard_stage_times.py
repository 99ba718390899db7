"""The live path's stage times on the dashboard, for a real running bot: a devnet chain, the
bot, a planted gap, the trade it sends. The overview draws the chain's stacked bar of p50
segment durations and the trade page the trade's own segments: every segment is named in the
legend, and each segment's width is its share of the figures the API serves (`/latency`,
`/trades`), to a pixel.

Screenshots go to `test-artifacts/` (dashboard-stages.png, dashboard-trade-stages.png).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from _bot_helpers import swap_v2
from _dashboard_helpers import open_page, serving_dashboard
from _waits import eventually
from playwright.async_api import Browser, Page, expect

from omniarb.api import ApiState, LiveFigures, LiveHub
from omniarb.bot import run_bot
from omniarb.chains.rpc import RpcClient
from omniarb.config import Settings
from omniarb.devnet.bot_access import DevnetAccess
from omniarb.engine import Engine
from omniarb.stage_times import SEGMENTS
from omniarb.store import HistoryStore

pytestmark = pytest.mark.xdist_group("browser")

_HALF_SECOND_BLOCKS = 0.5
_WAIT_S = 30.0

# Each segment of a bar as drawn: its name, the figure it was drawn from, its width in px.
_READ_BAR = """(id) => {
  const bar = document.querySelector(`[data-testid="${id}"]`);
  if (!bar) return null;
  return {
    width: bar.getBoundingClientRect().width,
    segments: [...bar.querySelectorAll(".stage-seg")].map((e) => ({
      name: e.dataset.stage, ms: Number(e.dataset.ms), width: e.getBoundingClientRect().width,
    })),
  };
}"""


async def _drawn(page: Page, test_id: str) -> dict[str, Any] | None:
    drawn: dict[str, Any] | None = await page.evaluate(_READ_BAR, test_id)
    return drawn


def _check_proportional(drawn: dict[str, Any], figures: list[tuple[str, float]]) -> None:
    """The bar has every segment, in the path's order, each as wide as its share of the sum."""
    assert [s["name"] for s in drawn["segments"]] == [name for name, _ in figures]
    assert [name for name, _ in figures] == list(SEGMENTS)
    total_ms = sum(ms for _, ms in figures)
    bar_px = drawn["width"]
    assert total_ms > 0
    assert bar_px > 300
    for segment, (name, ms) in zip(drawn["segments"], figures, strict=True):
        assert segment["ms"] == pytest.approx(ms, rel=1e-12), name
        # Layout rounds to a fraction of a pixel: one pixel of slack.
        assert abs(segment["width"] - bar_px * ms / total_ms) <= 1.0, (name, segment, ms)
    assert sum(s["width"] for s in drawn["segments"]) == pytest.approx(bar_px, abs=1.0)


async def _legend_names(page: Page, test_id: str) -> list[str]:
    legend = page.get_by_test_id(test_id).locator("span[data-stage]")
    names: list[str] = await legend.evaluate_all("(spans) => spans.map((s) => s.dataset.stage)")
    texts = await legend.all_inner_texts()
    for name, text in zip(names, (t.strip() for t in texts), strict=True):
        assert text.startswith(name), (name, text)
        assert text.endswith(("µs", "ms", " s")), text
    return names


async def _check_overview(page: Page, client: httpx.AsyncClient) -> None:
    """The chain's bar equals the API's breakdown at one moment (both follow new trades)."""

    async def drawn_as_served() -> tuple[dict[str, Any], dict[str, Any]] | None:
        (served,) = [c for c in (await client.get("/latency")).json() if c["chain"] == "ethereum"]
        drawn = await _drawn(page, "stage-bar-ethereum")
        if served["stages"] is None or drawn is None:
            return None
        figures = [s["p50_ms"] for s in served["stages"]["segments"]]
        if [s["ms"] for s in drawn["segments"]] != figures:
            return None
        return drawn, served["stages"]

    drawn, stages = await eventually(
        drawn_as_served, what="the overview's bar at the API's figures", timeout_s=_WAIT_S
    )
    _check_proportional(drawn, [(s["name"], s["p50_ms"]) for s in stages["segments"]])
    assert await _legend_names(page, "stage-legend-ethereum") == list(SEGMENTS)
    total = page.get_by_test_id("stages-total-ethereum")
    await expect(total).to_contain_text("total p50")
    await expect(total).to_contain_text("p99")
    await expect(total).to_contain_text("trade")


async def _check_trade_page(page: Page, client: httpx.AsyncClient) -> None:
    async def stored_trade() -> dict[str, Any] | None:
        listed = (await client.get("/trades", params={"chain": "ethereum"})).json()
        return next((t for t in listed if t["segments"]), None)

    trade = await eventually(stored_trade, what="a stored trade with segments", timeout_s=_WAIT_S)
    await page.goto(page.url.split("#")[0] + f"#/trade/{trade['opportunity_id']}")
    await expect(page.get_by_test_id("trade-stage-bar")).to_be_visible()
    drawn = await _drawn(page, "trade-stage-bar")
    assert drawn is not None
    _check_proportional(drawn, [(s["name"], s["ms"]) for s in trade["segments"]])
    assert await _legend_names(page, "trade-stage-legend") == list(SEGMENTS)
    # The trade's own figures: notification → acknowledgment is the last stamp's offset.
    acked_ms = trade["stage_offsets_ns"]["acked"] / 1e6
    assert sum(s["ms"] for s in trade["segments"]) == pytest.approx(acked_ms)


async def test_the_dashboard_draws_the_live_path_of_a_running_bot(
    devnet_factory, tmp_path: Path, browser: Browser, dashboard_dir: Path, artifacts: Path
) -> None:
    store = HistoryStore.open(f"sqlite:///{tmp_path / 'h.sqlite'}")
    engines: list[Engine] = []
    stop = asyncio.Event()

    def figures() -> LiveFigures:
        return LiveFigures(chains=engines[0].stats if engines else [])

    state = ApiState(history=store.database, hub=LiveHub(), live=figures)
    watched = await open_page(browser)
    page = watched.page
    try:
        async with (
            devnet_factory({"ethereum": _HALF_SECOND_BLOCKS}) as net,
            serving_dashboard(state, dashboard_dir, token=None) as server,
        ):
            chain = net.manifest.chain("ethereum")
            bot = asyncio.create_task(
                run_bot(
                    net.manifest,
                    Settings(),
                    access=DevnetAccess(net.manifest_path),
                    store=store,
                    dry_run=False,
                    stop_when=lambda _: stop.is_set(),
                    on_start=engines.append,
                )
            )
            try:
                await page.goto(f"http://127.0.0.1:{server.port}/")
                await expect(page.get_by_test_id("card-stages")).to_contain_text("No trade sent")

                async def started() -> bool:
                    return bool(engines and engines[0].stats[0].first_block is not None)

                await eventually(started, what="the bot's first block", timeout_s=60)
                async with (
                    RpcClient(chain.rpc_http) as rpc,
                    httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client,
                ):
                    # Sell 600 WETH into sushiswap's WETH/USDC pair: WETH gets cheap there.
                    await swap_v2(
                        rpc, chain, dex="sushiswap", path=["WETH", "USDC"], amount_in=600 * 10**18
                    )
                    await _check_overview(page, client)
                    await page.get_by_test_id("card-stages").screenshot(
                        path=artifacts / "dashboard-stages.png"
                    )
                    await _check_trade_page(page, client)
                    await page.get_by_test_id("trade-latency").screenshot(
                        path=artifacts / "dashboard-trade-stages.png"
                    )
                assert not bot.done()
            finally:
                stop.set()
                await bot
        assert watched.errors == []
    finally:
        await page.context.close()
        await store.close()
