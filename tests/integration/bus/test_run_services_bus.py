"""`omniarb run` with `[redis] enabled`: the services publish the bot's live hub on the bus's
events stream, which an `omniarb api` process consumes; what was published while the run was
stopping is flushed before the services close. Real Redis, own key prefix."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from _bus_setup import cluster_settings, redis_settings, unique_prefix
from _waits import eventually

from omniarb.api import LiveFigures, LiveHub
from omniarb.bus import EVENTS, StreamBus, StreamEntry
from omniarb.config import ApiSettings, Settings
from omniarb.services import running_services
from omniarb.store import HistoryStore


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    async with unique_prefix() as name:
        yield name


async def test_the_runs_hub_reaches_the_events_stream(prefix: str, tmp_path: Path) -> None:
    settings = Settings(api=ApiSettings(enabled=False), redis=redis_settings(prefix))
    store = HistoryStore.open(f"sqlite:///{tmp_path / 'h.sqlite'}")
    trades = [{"tx_hash": f"0x{n:02x}", "chain_id": 137, "amount_in": str(2**70)} for n in range(3)]
    try:
        async with running_services(
            settings, store, live=lambda: LiveFigures(chains=[]), chains=["polygon"]
        ) as services:
            hub: LiveHub = services.telemetry.hub

            async def relayed() -> bool:
                return hub.has_subscribers

            await eventually(relayed, what="the run's hub relayed to the bus")
            for trade in trades:
                hub.publish("trade", trade)
        # The services are closed: the outbox was flushed on the way out.
    finally:
        await store.close()

    seen: list[dict[str, Any]] = []
    reader = await StreamBus.connect(settings.redis, cluster_settings(), producer="api-test")
    stop = asyncio.Event()
    try:

        async def handle(entry: StreamEntry) -> None:
            assert entry.type == "trade"
            assert entry.producer.startswith("run-")
            assert entry.key == f"trade:{entry.data['tx_hash']}"
            seen.append(entry.data)
            if len(seen) == len(trades):
                stop.set()

        consumer = reader.consumer(EVENTS, group="api-test", consumer="c1")
        await asyncio.wait_for(consumer.run(handle, stop=stop), timeout=20)
    finally:
        await reader.close()
    assert seen == trades
    assert json.dumps(seen)  # the big amount travelled as the string it was
