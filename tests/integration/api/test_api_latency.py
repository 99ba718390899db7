"""The live path's stage times through the API (history on SQLite and PostgreSQL): a stored
trade's segments in `/trades`, each chain's p50/p99 breakdown in `/latency` and `/chains`, and
the live `trade` message's segments; a trade stored without stamps has none."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest
from _api_server import AUTH, serving
from _api_values import opportunity, outcome

from omniarb.api import ApiState, LiveFigures, LiveHub
from omniarb.api.latency import ChainLatency
from omniarb.api.schemas import ChainStatus, TradeItem
from omniarb.api.views import trade_from_outcome
from omniarb.stage_times import SEGMENTS, STAMPS, StageTimes
from omniarb.store import HistoryStore
from omniarb.track import ChainBotStats
from omniarb.types import Outcome

# ns of each segment of the stamped trades: trade k takes (k + 1) times these.
_STEPS_NS = (2_000_000, 100_000, 300_000, 1_000_000, 4_000_000, 500_000, 200_000, 9_000_000,
             150_000, 7_000_000, 30_000_000)  # fmt: skip


def _stamped(settled: Outcome, scale: int) -> Outcome:
    stamps, at = {"notified_ns": 10**12}, 10**12
    for name, step_ns in zip(STAMPS[1:], _STEPS_NS, strict=True):
        at += step_ns * scale
        stamps[f"{name}_ns"] = at
    execution = replace(settled.execution, times=StageTimes(**stamps))
    return replace(settled, execution=execution)


async def test_a_stored_trade_carries_its_segments(db_url: str) -> None:
    timed = _stamped(outcome(opportunity(1), n=1), 1)
    untimed = outcome(opportunity(2), n=2)
    async with HistoryStore.open(db_url) as store:
        await store.record(timed)
        await store.record(untimed)
        await store.flush()
        state = ApiState(history=store.database, hub=LiveHub())
        async with (
            serving(state) as server,
            httpx.AsyncClient(base_url=server.url, headers=AUTH) as client,
        ):
            listed = (await client.get("/trades")).json()
    items = {t["tx_hash"]: TradeItem.model_validate(t) for t in listed}
    item = items[timed.execution.tx_hash]
    assert item.segments is not None
    assert [(s.name, s.ms) for s in item.segments] == [
        (name, step_ns / 1e6) for name, step_ns in zip(SEGMENTS, _STEPS_NS, strict=True)
    ]
    assert item.stage_offsets_ns == timed.execution.times.offsets_ns()
    assert items[untimed.execution.tx_hash].segments is None
    assert items[untimed.execution.tx_hash].stage_offsets_ns is None
    # The live message of the same trade has the same segments.
    assert trade_from_outcome(timed).segments == item.segments


async def test_latency_and_chains_serve_each_chain_s_breakdown(sqlite_url: str) -> None:
    stats = ChainBotStats(chain="ethereum", chain_id=1)
    quiet = ChainBotStats(chain="base", chain_id=8453)
    for k in range(3):  # 1x, 2x and 3x the steps: p50 is 2x, p99 3x
        stats.on_execution(_stamped(outcome(opportunity(k), n=k), k + 1).execution)
    store = HistoryStore.open(sqlite_url)
    state = ApiState(
        history=store.database, hub=LiveHub(), live=lambda: LiveFigures(chains=[stats, quiet])
    )
    try:
        async with (
            serving(state) as server,
            httpx.AsyncClient(base_url=server.url, headers=AUTH) as client,
        ):
            latency = [
                ChainLatency.model_validate(c) for c in (await client.get("/latency")).json()
            ]
            chains = [ChainStatus.model_validate(c) for c in (await client.get("/chains")).json()]
    finally:
        await store.close()
    assert [(c.chain, c.chain_id) for c in latency] == [("ethereum", 1), ("base", 8453)]
    assert latency[1].stages is None
    stages = latency[0].stages
    assert stages is not None
    assert stages.trades == 3
    assert [s.name for s in stages.segments] == list(SEGMENTS)
    for figure, step_ns in zip(stages.segments, _STEPS_NS, strict=True):
        assert figure.p50_ms == pytest.approx(2 * step_ns / 1e6), figure.name
        assert figure.p99_ms == pytest.approx(3 * step_ns / 1e6), figure.name
    assert stages.total.name == "total"
    assert stages.total.p50_ms == pytest.approx(2 * sum(_STEPS_NS) / 1e6)
    assert chains[0].stages == stages
    assert chains[1].stages is None
