"""The live hub: fan-out by type, sequence numbers, the last stats for newcomers, slow
subscribers dropped (never waited for), recent alerts newest first."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from omniarb.api import HubAlertSink, LiveFigures, LiveHub
from omniarb.track import ChainBotStats


@dataclass(frozen=True, slots=True)
class _Alert:
    id: str
    rule: str = "system_error"
    severity: str = "critical"
    key: str = "system_error:store"
    summary: str = "store unreachable"
    fired_at: datetime = datetime(2026, 1, 1, tzinfo=UTC)
    chain: str | None = None
    value: float | None = None
    threshold: float | None = None
    suppressed: str | None = None


async def test_messages_go_to_subscribers_of_their_type_in_order() -> None:
    hub = LiveHub()
    with hub.subscribe() as everything, hub.subscribe({"alert"}) as alerts:
        first = hub.publish("trade", {"tx_hash": "0x01", "amount_in": str(2**70)})
        second = hub.publish_alert(_Alert(id="a1"))
        assert (first, second) == (1, 2)
        got = [json.loads(await everything.get()) for _ in range(2)]
        assert [(m["type"], m["seq"]) for m in got] == [("trade", 1), ("alert", 2)]
        assert got[0]["data"]["amount_in"] == str(2**70)
        only = json.loads(await alerts.get())
        assert only["data"]["id"] == "a1"
        assert alerts.queue.empty()
    assert hub.figures.clients == 0
    assert hub.figures.published == 2


def test_unknown_types_are_refused() -> None:
    hub = LiveHub()
    with pytest.raises(ValueError, match="unknown message type"):
        hub.publish("gossip", {})
    with pytest.raises(ValueError, match="gossip"), hub.subscribe({"trade", "gossip"}):
        pass


async def test_a_full_subscriber_is_dropped_and_the_others_still_receive() -> None:
    hub = LiveHub(queue_size=4)
    with hub.subscribe({"trade"}) as slow, hub.subscribe({"alert"}) as other:
        for n in range(10):
            hub.publish("trade", {"n": n})
        hub.publish_alert(_Alert(id="after"))
        assert slow.dropped.is_set()
        assert slow.queue.qsize() == 4
        assert hub.figures.dropped_clients == 1
        assert hub.figures.clients == 1
        assert json.loads(await other.get())["data"]["id"] == "after"


async def test_a_newcomer_gets_the_last_stats_first() -> None:
    hub = LiveHub()
    hub.publish_stats(LiveFigures(chains=[ChainBotStats(chain="bnb", chain_id=56)]))
    with hub.subscribe({"stats"}) as late:
        message = json.loads(await late.get())
    assert message["type"] == "stats"
    assert message["data"]["chains"][0]["chain"] == "bnb"
    with hub.subscribe({"trade"}) as trades_only:
        assert trades_only.queue.empty()


def test_recent_alerts_newest_first_and_bounded() -> None:
    hub = LiveHub(recent_alerts=3)
    for n in range(5):
        hub.publish_alert(_Alert(id=f"a{n}"))
    assert [a.id for a in hub.recent(10)] == ["a4", "a3", "a2"]
    assert [a.id for a in hub.recent(1)] == ["a4"]


async def test_the_hub_alert_sink_publishes_what_it_is_sent() -> None:
    hub = LiveHub()
    sink = HubAlertSink(hub)
    assert sink.name == "live"
    with hub.subscribe({"alert"}) as alerts:
        await sink.send(_Alert(id="delivered"))
        assert json.loads(await alerts.get())["data"]["id"] == "delivered"
    assert [a.id for a in hub.recent(5)] == ["delivered"]
    await sink.close()
