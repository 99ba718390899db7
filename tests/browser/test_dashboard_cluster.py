"""The dashboard's Cluster page, served by the real API role (`running_api_role`, as `omniarb api`
runs it) over a real Redis registry filled by `announce` calls: every process in a row, the
active/standby pair of each chain told apart, the fencing token, head block and trades; then, with
no reload, a failover (the standby announces itself active with the next token, the old active
withdraws) shows within the page's one-second poll."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from _bus_setup import REDIS_URL, unique_prefix
from _dashboard_helpers import open_page
from playwright.async_api import Browser, expect

from omniarb._config_cluster import ClusterSettings
from omniarb.cluster.api_role import ApiRoleOptions, running_api_role
from omniarb.cluster.registry import WorkerEntry, WorkerRegistry
from omniarb.config import RedisSettings, Settings

pytestmark = pytest.mark.xdist_group("browser")


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    async with unique_prefix() as name:
        yield name


def _entry(worker_id: str, chain: str | None, state: str, **changes: object) -> WorkerEntry:
    values: dict[str, object] = {
        "id": worker_id,
        "role": "worker",
        "chain": chain,
        "state": state,
        "pid": 1000 + len(worker_id),
        "host": "node-a",
        "started_at": 1_700_000_000.0,
    }
    values.update(changes)
    return WorkerEntry(**values)  # type: ignore[arg-type]


async def test_the_cluster_page_shows_every_process_and_follows_a_failover(
    tmp_path: Path,
    browser: Browser,
    dashboard_dir: Path,
    artifacts: Path,
    prefix: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OMNIARB_DB_URL", f"sqlite:///{tmp_path / 'history.sqlite'}")
    monkeypatch.delenv("OMNIARB_API_TOKEN", raising=False)
    redis = RedisSettings(enabled=True, url=REDIS_URL, key_prefix=prefix)
    # Long heartbeats: the entries this test announces once must outlive the test.
    cluster = ClusterSettings(heartbeat_s=30)
    registry = await WorkerRegistry.connect(redis, cluster)
    eth_a = _entry("worker-ethereum-a", "ethereum", "active", fencing_token=5, head_block=1200)
    eth_b = _entry("worker-ethereum-b", "ethereum", "standby")
    for entry in (
        eth_a,
        eth_b,
        _entry("worker-polygon-a", "polygon", "active", fencing_token=2, trades=7),
        _entry("worker-polygon-b", "polygon", "standby"),
        _entry("coordinator-a", None, "active", role="coordinator", fencing_token=1),
    ):
        await registry.announce(entry)
    watched = await open_page(browser)
    page = watched.page
    settings = Settings(redis=redis, cluster=cluster)
    try:
        async with running_api_role(settings, ApiRoleOptions(port=0), feed=None) as role:
            await page.goto(f"{role.api_url}/#/cluster")
            await page.evaluate("window.__notReloaded = true")
            rows = page.get_by_test_id("cluster-row")
            # The five announced and the API role itself.
            await expect(rows).to_have_count(6)
            await expect(rows.last).to_have_attribute("data-id", role.worker_id)
            await expect(rows.last).to_have_attribute("data-role", "api")

            active = page.locator('[data-testid="cluster-row"][data-id="worker-ethereum-a"]')
            standby = page.locator('[data-testid="cluster-row"][data-id="worker-ethereum-b"]')
            await expect(active).to_have_attribute("data-state", "active")
            await expect(active).to_have_class("cluster-row active")
            await expect(active.get_by_test_id("cluster-state")).to_have_text("● active")
            await expect(active.get_by_test_id("cluster-token")).to_have_text("5")
            await expect(active.get_by_test_id("cluster-head")).to_have_text("1,200")
            await expect(standby).to_have_attribute("data-state", "standby")
            await expect(standby).to_have_class("cluster-row standby")
            await expect(standby.get_by_test_id("cluster-state")).to_have_text("○ standby")
            await expect(standby.get_by_test_id("cluster-token")).to_have_text("—")
            polygon = page.locator('[data-testid="cluster-row"][data-id="worker-polygon-a"]')
            await expect(polygon.get_by_test_id("cluster-trades")).to_have_text("7")
            chain = page.locator('[data-testid="cluster-chain"][data-chain="ethereum"]')
            await expect(chain).to_have_attribute("data-active", "1")
            await expect(chain).to_have_attribute("data-standby", "1")
            await page.screenshot(path=str(artifacts / "dashboard-cluster.png"), full_page=True)

            # Failover: the standby takes the lease (token 6), the old active withdraws.
            await registry.announce(
                _entry("worker-ethereum-b", "ethereum", "active", fencing_token=6, head_block=1201)
            )
            await registry.withdraw("worker-ethereum-a")
            await expect(rows).to_have_count(5)
            await expect(standby).to_have_attribute("data-state", "active")
            await expect(standby.get_by_test_id("cluster-token")).to_have_text("6")
            await expect(standby.get_by_test_id("cluster-head")).to_have_text("1,201")
            await expect(chain).to_have_attribute("data-standby", "0")
            await expect(chain).to_have_attribute("data-active", "1")

            assert await page.evaluate("window.__notReloaded === true")
            assert watched.errors == []
            # The API role runs no breaker (each worker has its own): the frame's /breaker
            # read answers 503, which the dashboard shows as no breaker; nothing else failed.
            assert set(watched.failed_loads) <= {"503 /breaker"}
    finally:
        await page.context.close()
        await registry.close()
