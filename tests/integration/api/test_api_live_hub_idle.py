"""The hub on the hot path: an opportunity or a trade nobody subscribed to is neither built nor
encoded, and one a client subscribed to is published as before."""

from __future__ import annotations

import json

from _api_values import opportunity, outcome

from omniarb.api import LiveHub


async def test_nothing_is_built_for_a_kind_without_subscribers() -> None:
    hub = LiveHub()
    assert hub.publish_opportunity(opportunity(1)) is None
    assert hub.publish_trade(outcome(opportunity(2), n=2)) is None
    assert hub.figures.published == 0
    with hub.subscribe({"alert"}):
        assert hub.publish_opportunity(opportunity(3)) is None
    with hub.subscribe({"trade"}) as trades:
        assert hub.publish_opportunity(opportunity(4)) is None
        assert hub.publish_trade(outcome(opportunity(5), n=5)) == 1
        message = json.loads(await trades.get())
        assert (message["type"], message["seq"]) == ("trade", 1)
    with hub.subscribe({"opportunity"}) as opportunities:
        assert hub.publish_opportunity(opportunity(6)) == 2
        assert json.loads(await opportunities.get())["type"] == "opportunity"
    assert hub.figures.published == 2
