"""End to end in a real browser: a devnet chain, the real bot with the services `omniarb run`
starts beside it (metrics and alerts, the circuit breaker, the API serving the built dashboard,
the engine publishing into the live hub), a planted gap, and the dashboard — it asks for the
token, shows the trade arriving over the WebSocket with realized profit equal to predicted,
shows the trade's route and exact amounts on its page, and trips and resets the circuit breaker
(checked through the API, and by the alert the trip raises).

Screenshots go to `test-artifacts/`; the overview also to `docs/dashboard.png` for the README
when that file is missing or `OMNIARB_UPDATE_SCREENSHOT=1`.
"""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from _bot_helpers import swap_v2
from _dashboard_helpers import AUTH, TOKEN, open_page, whole_units
from _waits import eventually
from playwright.async_api import Browser, Page, expect

from omniarb.api import LiveFigures
from omniarb.bot import run_bot
from omniarb.chains.rpc import RpcClient
from omniarb.config import ApiSettings, Settings
from omniarb.devnet.bot_access import DevnetAccess
from omniarb.engine import Engine
from omniarb.paths import project_root
from omniarb.risk import BreakerBoard
from omniarb.services import running_services
from omniarb.store import HistoryStore
from omniarb.track import TradeSummary

pytestmark = pytest.mark.xdist_group("browser")

_HALF_SECOND_BLOCKS = 0.5
_WAIT_MS = 30_000
_DOCS_SCREENSHOT = project_root() / "docs" / "dashboard.png"


async def _sign_in(page: Page, url: str) -> None:
    await page.goto(url)
    await expect(page.get_by_test_id("token-prompt")).to_be_visible()
    await page.get_by_test_id("token-input").fill(TOKEN)
    await page.get_by_test_id("token-submit").click()
    await expect(page.get_by_test_id("live-state")).to_have_attribute("data-state", "open")
    assert await page.evaluate("sessionStorage.getItem('omniarb.apiToken')") == TOKEN


async def _check_live_trade(page: Page, trade: TradeSummary, artifacts: Path) -> None:
    row = page.locator(f"[data-testid=live-trade][data-tx='{trade.tx_hash}']")
    await expect(row).to_be_visible()
    await expect(row.get_by_test_id("realized-matches")).to_have_text("= predicted")
    await expect(page.get_by_test_id("live-opportunity").first).to_be_visible()
    await page.screenshot(path=artifacts / "dashboard-live.png")
    await row.get_by_test_id("trade-link").click()


async def _check_trade_page(
    page: Page, trade: TradeSummary, decimals: int, fees_pips: dict[str, int]
) -> None:
    symbols = [trade.route[0]["token_in"], *(hop["token_out"] for hop in trade.route)]
    await expect(page.get_by_test_id("page-trade")).to_be_visible()
    await expect(page.get_by_test_id("trade-status")).to_have_text("succeeded")
    # Ethereum's confirmation depth is 64 blocks: a trade this young is not final yet.
    await expect(page.get_by_test_id("trade-final")).to_have_text(
        "not yet (a reorg may still change it)"
    )
    route = page.get_by_test_id("trade-route-symbols")
    await expect(route.locator(".token")).to_have_text(symbols)
    # Each arrow names the hop's DEX, and its protocol when the DEX is not named after it.
    await expect(route.locator("small")).to_have_text(
        [
            hop["dex"] if hop["dex"] == hop["kind"] else f"{hop['dex']} ({hop['kind']})"
            for hop in trade.route
        ]
    )
    # Each hop with its protocol (pool kind), DEX, fee tier and pool.
    hops = page.get_by_test_id("trade-hops").get_by_test_id("hop")
    await expect(hops).to_have_count(len(trade.route))
    await expect(hops.get_by_test_id("hop-kind")).to_have_text([h["kind"] for h in trade.route])
    await expect(hops.get_by_test_id("hop-dex")).to_have_text([h["dex"] for h in trade.route])
    await expect(hops.get_by_test_id("hop-fee")).to_have_text(
        [f"{fees_pips[h['pool'].lower()] / 10_000:g}%" for h in trade.route]
    )
    await expect(hops.get_by_test_id("hop-pool")).to_have_text([h["pool"] for h in trade.route])
    await expect(page.get_by_test_id("trade-tx")).to_have_text(trade.tx_hash)
    await expect(page.get_by_test_id("trade-gas")).to_have_text(f"{trade.gas_used:,}")
    # Exact base units (BigInt on the page): a Number would round these past 2**53.
    for test_id, amount in (
        ("amount-in", trade.amount_in),
        ("predicted", trade.predicted_profit_wei),
        ("realized", trade.realized_profit_wei),
    ):
        await expect(page.get_by_test_id(f"{test_id}-wei")).to_have_text(f"{amount:,} base units")
        await expect(page.get_by_test_id(f"{test_id}-whole")).to_have_text(
            f"{whole_units(amount, decimals)} {trade.profit_token}"
        )
    await expect(page.get_by_test_id("trade-gap")).to_have_text("0 base units")
    await expect(page.get_by_test_id("realized-matches")).to_be_visible()
    # Both legs of the pipeline were timed: detect → submit and submit → confirm.
    timeline = page.get_by_test_id("trade-timeline")
    await expect(timeline.locator(".timeline-bar .seg")).to_have_count(2)


async def _trip_and_reset(page: Page, client: httpx.AsyncClient, breaker: BreakerBoard) -> None:
    await page.get_by_test_id("nav-breaker").click()
    state = page.get_by_test_id("breaker-state")
    await expect(state).to_have_attribute("data-state", "closed")
    await page.get_by_test_id("breaker-reason").fill("operator pause from the dashboard")
    await page.get_by_test_id("breaker-trip-button").click()
    await expect(state).to_have_attribute("data-state", "open")
    await expect(page.get_by_test_id("breaker-detail")).to_have_text(
        "operator pause from the dashboard"
    )
    await expect(page.get_by_test_id("breaker-banner")).to_be_visible()
    await expect(page.get_by_test_id("header-breaker")).to_have_text("breaker open")
    heard = (await client.get("/breaker")).json()
    assert heard["state"] == "open"
    assert heard["trip"]["detail"] == "operator pause from the dashboard"
    assert heard["trip"]["tripped_by"] == "api"
    assert breaker.is_open

    await page.get_by_test_id("breaker-reset-button").click()
    await expect(state).to_have_attribute("data-state", "closed")
    await expect(page.get_by_test_id("breaker-banner")).to_have_count(0)
    assert (await client.get("/breaker")).json()["state"] == "closed"
    assert not breaker.is_open
    # The trip raised an alert, delivered to the page over the WebSocket.
    await page.get_by_test_id("nav-alerts").click()
    await expect(page.get_by_test_id("alert-row").first).to_contain_text("breaker_trip")


async def _check_overview(page: Page, artifacts: Path, trades: int) -> None:
    await page.get_by_test_id("nav-overview").click()
    await expect(page.get_by_test_id("chain-row-ethereum")).to_be_visible()
    # The chain's health: its node answers, the pipeline's lag behind it, its RPC endpoint.
    await expect(page.get_by_test_id("chain-node-ethereum")).to_have_text("up", timeout=_WAIT_MS)
    await expect(page.get_by_test_id("chain-lag-ethereum")).to_have_text(re.compile(r"^\d+$"))
    await expect(page.get_by_test_id("chain-rpc-ethereum")).to_contain_text("ms")
    await expect(page.get_by_test_id("chain-endpoints-ethereum")).to_contain_text("up 127.0.0.1:")
    # Every trade succeeded, at least the ones seen so far: the bot may still be closing the
    # second gap in further trades while the page is read.
    success = page.get_by_test_id("kpi-success")

    async def all_seen_succeeded() -> bool:
        shown = re.search(r"succeeded: (\d+) of (\d+)", await success.inner_text())
        return shown is not None and int(shown[1]) == int(shown[2]) >= trades

    await eventually(
        all_seen_succeeded,
        what=f"{trades} or more trades, all succeeded",
        timeout_s=_WAIT_MS / 1000,
    )
    await expect(page.get_by_test_id("kpi-success-value")).to_have_text("100.0%")
    await expect(page.get_by_test_id("kpi-pnl-value")).not_to_have_text("$0.00")
    await expect(page.get_by_test_id("pnl-curve").locator("path.line")).to_be_visible()
    await expect(page.get_by_test_id("pnl-bars").locator("rect.bar")).to_have_count(1)
    # Fees per chain: Ethereum's trades paid L2 gas and no L1 data fee.
    fees_row = page.get_by_test_id("fees-table").locator("tr[data-chain=ethereum]")
    await expect(fees_row).to_be_visible()
    await expect(fees_row.get_by_test_id("l1-fee")).to_have_text("0 ETH")
    # Let the opportunities-per-second series gather a few stats ticks for the picture.
    await page.wait_for_timeout(1500)
    await page.screenshot(path=artifacts / "dashboard-overview.png")
    if not _DOCS_SCREENSHOT.exists() or os.environ.get("OMNIARB_UPDATE_SCREENSHOT"):
        _DOCS_SCREENSHOT.parent.mkdir(exist_ok=True)
        await page.screenshot(path=_DOCS_SCREENSHOT)


async def test_the_dashboard_shows_a_live_trade_and_steers_the_breaker(
    devnet_factory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    browser: Browser,
    dashboard_dir: Path,
    artifacts: Path,
) -> None:
    monkeypatch.setenv("OMNIARB_API_TOKEN", TOKEN)
    settings = Settings(api=ApiSettings(stats_interval_s=0.5))
    store = HistoryStore.open(f"sqlite:///{tmp_path / 'h.sqlite'}")
    engines: list[Engine] = []
    stop = asyncio.Event()

    def figures() -> LiveFigures:
        return LiveFigures(chains=engines[0].stats if engines else [])

    try:
        async with (
            devnet_factory({"ethereum": _HALF_SECOND_BLOCKS}) as net,
            running_services(settings, store, live=figures, chains=["ethereum"]) as services,
        ):
            assert services.api_url is not None
            breaker = services.telemetry.breaker
            assert breaker is not None
            chain = net.manifest.chain("ethereum")
            async with (
                httpx.AsyncClient(base_url=services.api_url, headers=AUTH) as client,
                RpcClient(chain.rpc_http) as rpc,
            ):
                bot = asyncio.create_task(
                    run_bot(
                        net.manifest,
                        settings,
                        access=DevnetAccess(net.manifest_path),
                        store=store,
                        dry_run=False,
                        stop_when=lambda _: stop.is_set(),
                        on_start=engines.append,
                        telemetry=services.telemetry,
                    )
                )
                watched = await open_page(browser)
                page = watched.page
                try:
                    await _sign_in(page, services.api_url + "/")
                    await page.get_by_test_id("nav-live").click()
                    async with asyncio.timeout(60):
                        while not (engines and engines[0].stats[0].first_block is not None):
                            await asyncio.sleep(0.05)
                    # Sell 600 WETH into sushiswap's WETH/USDC pair: WETH gets cheap there.
                    await swap_v2(
                        rpc, chain, dex="sushiswap", path=["WETH", "USDC"], amount_in=600 * 10**18
                    )
                    await expect(page.get_by_test_id("live-trade").first).to_be_visible(
                        timeout=_WAIT_MS
                    )
                    # The planted gap's trade (the bot may find a smaller one right after it).
                    (trade,) = engines[0].stats[0].trades[:1]
                    assert trade.status == "success"
                    assert trade.realized_profit_wei == trade.predicted_profit_wei > 0
                    await _check_live_trade(page, trade, artifacts)
                    decimals = chain.token(trade.profit_token).decimals
                    fees_pips = {p.address.lower(): p.fee for p in chain.pools}
                    await _check_trade_page(page, trade, decimals, fees_pips)
                    await page.screenshot(path=artifacts / "dashboard-trade.png", full_page=True)
                    await _trip_and_reset(page, client, breaker)

                    # Reset, the bot trades again: a second gap, a second trade on the page.
                    before = len(engines[0].stats[0].trades)
                    await swap_v2(
                        rpc, chain, dex="uniswap-v2", path=["WETH", "DAI"], amount_in=400 * 10**18
                    )
                    async with asyncio.timeout(_WAIT_MS / 1000):
                        while len(engines[0].stats[0].trades) == before:
                            await asyncio.sleep(0.05)
                    trades = engines[0].stats[0].trades
                    assert all(t.status == "success" for t in trades)
                    await _check_overview(page, artifacts, len(trades))

                    assert watched.errors == []
                    assert set(watched.failed_loads) == {"401 /status"}  # the token prompt
                    origin = urlsplit(services.api_url).netloc
                    assert watched.foreign_requests(origin) == []
                    assert any(url.startswith("ws://") for url in watched.requests)
                finally:
                    stop.set()
                    await bot
                    await page.context.close()
    finally:
        await store.close()
