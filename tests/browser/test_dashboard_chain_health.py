"""The dashboard says which chain is down: the bot on two devnet chains, one node killed; the
chain table shows that chain's node down and its endpoint down, the other up with its lag, RPC
round trip and endpoint."""

from __future__ import annotations

import asyncio
import os
import re
import signal
from pathlib import Path

import pytest
from _dashboard_helpers import open_page, serving_dashboard
from playwright.async_api import Browser, expect

from omniarb.api import ApiState, LiveFigures, LiveHub
from omniarb.bot import run_bot
from omniarb.config import Settings
from omniarb.devnet.bot_access import DevnetAccess
from omniarb.engine import Engine
from omniarb.store import HistoryStore

pytestmark = pytest.mark.xdist_group("browser")

_HALF_SECOND_BLOCKS = 0.5
_WAIT_MS = 30_000
_LIVE, _DEAD = "ethereum", "arbitrum"


async def test_the_chain_table_shows_a_dead_node(
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
            devnet_factory(dict.fromkeys((_LIVE, _DEAD), _HALF_SECOND_BLOCKS)) as net,
            serving_dashboard(state, dashboard_dir, token=None) as server,
        ):
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
                async with asyncio.timeout(_WAIT_MS / 1000):
                    while not (engines and all(s.blocks_seen >= 2 for s in engines[0].stats)):
                        await asyncio.sleep(0.05)
                await page.goto(f"http://127.0.0.1:{server.port}/")
                for name in (_LIVE, _DEAD):
                    await expect(page.get_by_test_id(f"chain-node-{name}")).to_have_text(
                        "up", timeout=_WAIT_MS
                    )
                os.kill(net.nodes[_DEAD].pid, signal.SIGKILL)
                await expect(page.get_by_test_id(f"chain-node-{_DEAD}")).to_have_text(
                    "down", timeout=_WAIT_MS
                )
                await expect(page.get_by_test_id(f"chain-endpoints-{_DEAD}")).to_contain_text(
                    "down 127.0.0.1:", timeout=_WAIT_MS
                )
                await expect(page.get_by_test_id(f"chain-rpc-{_DEAD}")).to_have_text("—")
                await expect(page.get_by_test_id(f"chain-lag-{_DEAD}")).to_have_text("—")
                # The other chain is untouched: up, following its node, its endpoint healthy.
                await expect(page.get_by_test_id(f"chain-node-{_LIVE}")).to_have_text("up")
                await expect(page.get_by_test_id(f"chain-lag-{_LIVE}")).to_have_text(
                    re.compile(r"^\d+$")
                )
                await expect(page.get_by_test_id(f"chain-rpc-{_LIVE}")).to_contain_text("ms")
                await expect(page.get_by_test_id(f"chain-endpoints-{_LIVE}")).to_contain_text(
                    "up 127.0.0.1:"
                )
                await page.screenshot(path=artifacts / "dashboard-chain-down.png", full_page=True)
                assert not bot.done()
            finally:
                stop.set()
                await bot
        assert watched.errors == []
    finally:
        await page.context.close()
        await store.close()
