"""The API role's feed from EVENTS into a real `LiveHub`: messages pass as the worker's hub sent
them, an unknown type is skipped, and `stats` from several workers reach the dashboard as one
message with every chain's latest figures, a chain whose worker went silent dropped."""

from __future__ import annotations

import json
from typing import Any

from omniarb.api import LiveHub
from omniarb.bus.streams import EVENTS, StreamEntry
from omniarb.cluster.api_feed import EventsToHub


def _entry(type_: str, data: dict[str, Any], producer: str = "worker-a") -> StreamEntry:
    return StreamEntry(stream=EVENTS, id="1-0", type=type_, key="k", data=data, producer=producer)


def _chain(name: str, chain_id: int, block: int) -> dict[str, Any]:
    return {"chain": name, "chain_id": chain_id, "block_number": block}


async def test_messages_pass_as_sent_and_an_unknown_type_is_skipped() -> None:
    hub = LiveHub()
    handle = EventsToHub(hub)
    trade = {"opportunity_id": "op-1", "amount_in": str(2**70)}
    with hub.subscribe({"trade", "alert"}) as subscription:
        await handle(_entry("trade", trade))
        await handle(_entry("from-a-newer-worker", {"x": 1}))
        await handle(_entry("alert", {"id": "a-1"}))
        first = json.loads(await subscription.get())
        second = json.loads(await subscription.get())
        assert subscription.queue.empty()
    assert (first["type"], first["data"]) == ("trade", trade)
    assert (second["type"], second["data"]) == ("alert", {"id": "a-1"})


async def test_stats_of_several_workers_are_merged_by_chain_and_stale_ones_dropped() -> None:
    hub = LiveHub()
    now = [100.0]
    handle = EventsToHub(hub, stale_after_s=30, clock=lambda: now[0])
    with hub.subscribe({"stats"}) as subscription:

        async def stats_after(entry: StreamEntry) -> list[tuple[str, int]]:
            await handle(entry)
            body = json.loads(await subscription.get())["data"]
            return [(c["chain"], c["block_number"]) for c in body["chains"]]

        polygon = {"at": "t1", "chains": [_chain("polygon", 137, 50)]}
        assert await stats_after(_entry("stats", polygon, "worker-polygon")) == [("polygon", 50)]
        ethereum = {"at": "t2", "chains": [_chain("ethereum", 1, 900)]}
        # Both chains, by chain id, though each worker sent only its own.
        assert await stats_after(_entry("stats", ethereum, "worker-ethereum")) == [
            ("ethereum", 900),
            ("polygon", 50),
        ]
        now[0] = 120.0
        # A standby took polygon over: its figures replace the old ones.
        polygon = {"at": "t3", "chains": [_chain("polygon", 137, 61)]}
        assert await stats_after(_entry("stats", polygon, "worker-polygon-b")) == [
            ("ethereum", 900),
            ("polygon", 61),
        ]
        now[0] = 140.0
        # Ethereum's worker last spoke 40 s ago: no longer shown as live.
        assert await stats_after(_entry("stats", polygon, "worker-polygon-b")) == [("polygon", 61)]
