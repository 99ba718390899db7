"""`/ws`: auth at the handshake, every published event delivered in order, type filters, the
stats ticker, slow clients dropped without slowing the publisher, and a clean server stop."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import websockets
from _api_server import TOKEN, serving, ws_url
from _api_values import USDC, WETH, opportunity, outcome
from websockets.exceptions import ConnectionClosed, InvalidStatus

from omniarb.api import ApiState, LiveFigures, LiveHub
from omniarb.api.schemas import AlertItem, OpportunityItem, StatsBody, TradeItem
from omniarb.config import Settings
from omniarb.store import HistoryStore
from omniarb.track import ChainBotStats

_BODIES = {"opportunity": OpportunityItem, "trade": TradeItem, "alert": AlertItem}


@dataclass(frozen=True, slots=True)
class _Alert:
    id: str
    rule: str = "market_move"
    severity: str = "warning"
    key: str = "market_move:ethereum"
    summary: str = "WETH/USDC moved 5 sigma"
    fired_at: datetime = datetime(2026, 1, 1, tzinfo=UTC)
    chain: str | None = "ethereum"
    value: float | None = 5.0
    threshold: float | None = 4.0
    suppressed: str | None = None


def _names() -> ChainBotStats:
    return ChainBotStats(
        chain="ethereum",
        chain_id=1,
        symbols={WETH.lower(): "WETH", USDC.lower(): "USDC"},
        decimals={WETH.lower(): 18, USDC.lower(): 6},
    )


@pytest.fixture
async def store(sqlite_url: str) -> HistoryStore:
    opened = HistoryStore.open(sqlite_url)
    yield opened
    await opened.close()


async def test_the_handshake_needs_the_token(store: HistoryStore) -> None:
    state = ApiState(history=store.database, hub=LiveHub())
    async with serving(state) as server:
        for query in ("", "token=wrong"):
            with pytest.raises(InvalidStatus) as refused:
                async with websockets.connect(ws_url(server, query)):
                    pass
            assert refused.value.response.status_code == 401
        with pytest.raises(InvalidStatus) as refused:
            async with websockets.connect(ws_url(server, f"token={TOKEN}&types=trade,gossip")):
                pass
        assert refused.value.response.status_code == 400
        header = {"Authorization": f"Bearer {TOKEN}"}
        async with websockets.connect(ws_url(server), additional_headers=header) as ws:
            state.hub.publish_alert(_Alert(id="by-header"))
            assert json.loads(await ws.recv())["data"]["id"] == "by-header"
        await _until(lambda: state.hub.figures.clients == 0)


async def test_published_events_arrive_in_order_with_their_bodies(store: HistoryStore) -> None:
    hub = LiveHub()
    state = ApiState(history=store.database, hub=hub)
    names = _names()
    async with (
        serving(state) as server,
        websockets.connect(ws_url(server, f"token={TOKEN}")) as everything,
        websockets.connect(ws_url(server, f"token={TOKEN}&types=trade")) as trades_only,
    ):
        await _until(lambda: hub.figures.clients == 2)
        published = []
        for n in range(30):
            opp = opportunity(n)
            if n % 3 == 0:
                published.append(("opportunity", hub.publish_opportunity(opp, names)))
            elif n % 3 == 1:
                published.append(("trade", hub.publish_trade(outcome(opp, n=n), names)))
            else:
                published.append(("alert", hub.publish_alert(_Alert(id=f"alert-{n}"))))
            if n % 7 == 0:
                await asyncio.sleep(0)  # let the senders run between some of them
        received = [json.loads(await everything.recv()) for _ in published]
        assert [(m["type"], m["seq"]) for m in received] == published
        for message in received:
            _BODIES[message["type"]].model_validate(message["data"])
        first_trade = TradeItem.model_validate(received[1]["data"])
        assert first_trade.route == ["WETH", "USDC", "WETH"]
        assert first_trade.profit_symbol == "WETH"
        assert first_trade.status == "succeeded"
        assert first_trade.amount_in == received[1]["data"]["amount_in"]
        assert int(first_trade.realized_profit_wei or 0) > 2**53

        trades = [json.loads(await trades_only.recv()) for _ in range(10)]
        assert [m["seq"] for m in trades] == [seq for kind, seq in published if kind == "trade"]


async def test_stats_arrive_on_connect_and_every_interval(store: HistoryStore) -> None:
    hub = LiveHub()
    stats = _names()
    stats.on_block(42, pools=18, cycles=66)
    state = ApiState(history=store.database, hub=hub, live=lambda: LiveFigures(chains=[stats]))
    fast = Settings.model_validate({"api": {"stats_interval_s": 0.05}})
    async with (
        serving(state, fast) as server,
        websockets.connect(ws_url(server, f"token={TOKEN}&types=stats")) as ws,
    ):
        first = StatsBody.model_validate(json.loads(await ws.recv())["data"])
        assert [(c.chain, c.block_number, c.pools) for c in first.chains] == [("ethereum", 42, 18)]
        stats.on_block(43, pools=19, cycles=70)
        later = first
        while later.chains[0].block_number != 43:
            later = StatsBody.model_validate(json.loads(await ws.recv())["data"])
        assert later.chains[0].pools == 19
        # A new client gets the last figures at once, not an interval later.
        async with websockets.connect(ws_url(server, f"token={TOKEN}&types=stats")) as late:
            message = json.loads(await asyncio.wait_for(late.recv(), 0.04))
            assert message["type"] == "stats"


async def test_a_slow_client_is_dropped_and_the_others_go_on(store: HistoryStore) -> None:
    hub = LiveHub(queue_size=16)
    state = ApiState(history=store.database, hub=hub)
    async with (
        serving(state) as server,
        websockets.connect(ws_url(server, f"token={TOKEN}&types=opportunity")) as slow,
        websockets.connect(ws_url(server, f"token={TOKEN}&types=alert")) as other,
    ):
        await _until(lambda: hub.figures.clients == 2)
        opp = opportunity(0)
        # A burst with no await in between: the slow client's queue overflows at message 17.
        started = time.perf_counter()
        for _ in range(2_000):
            hub.publish_opportunity(opp)
        burst_s = time.perf_counter() - started
        hub.publish_alert(_Alert(id="still-here"))
        assert hub.figures.dropped_clients == 1
        assert json.loads(await other.recv())["data"]["id"] == "still-here"
        got, code = await _read_until_closed(slow)
        assert code == 1013
        assert got <= 16
        await _until(lambda: hub.figures.clients == 1)
    # Publishing never waited for the client: 2,000 encodes, far below a send each.
    print(f"burst of 2000 publishes: {burst_s * 1e3:.1f} ms")


async def test_stopping_the_server_closes_clients_cleanly(store: HistoryStore) -> None:
    state = ApiState(history=store.database, hub=LiveHub())
    async with serving(state) as server:
        ws = await websockets.connect(ws_url(server, f"token={TOKEN}"))
        await _until(lambda: state.hub.figures.clients == 1)
    assert await _read_until_closed(ws) == (0, 1012)  # service restart: come back later
    assert state.hub.figures.clients == 0


async def _read_until_closed(ws: websockets.ClientConnection) -> tuple[int, int | None]:
    """How many messages arrive before the server closes, and its close code."""
    got = 0
    try:
        while True:
            await ws.recv()
            got += 1
    except ConnectionClosed as closed:
        return got, None if closed.rcvd is None else closed.rcvd.code


async def _until(condition: object, timeout_s: float = 5.0) -> None:
    assert callable(condition)
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)
