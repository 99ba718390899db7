"""The cross-chain routes against the served API, on SQLite and PostgreSQL: trades with their legs
in order and amounts exact past 2**53, transfers in flight (stuck ones overdue) or all, only open
exposures, the inventory from the bot's `InventoryView` (503 without one), each behind `read`; and
the `cross_chain_trade`, `bridge_transfer` and `inventory` messages on `/ws`, published through
the hub and the telemetry the bot uses."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import websockets
from _api_server import AUTH, TOKEN, serving, ws_url
from _cross_chain_rows import (
    ACCOUNT,
    BIG,
    HeldInventory,
    leg_rows,
    seed_cross_chain,
    trade_row,
    transfer_row,
    write_rows,
)
from _waits import eventually

from omniarb.api import ApiState, InventorySlot, LiveHub
from omniarb.api.cross_chain_views import bridge_transfer_item, cross_chain_trade_item
from omniarb.config import ApiSettings, Settings
from omniarb.store import HistoryStore
from omniarb.telemetry import Telemetry


@pytest.fixture
async def store(db_url: str) -> AsyncIterator[HistoryStore]:
    opened = HistoryStore.open(db_url)
    try:
        seed_cross_chain(opened.database, now=datetime.now(UTC))
        yield opened
    finally:
        await opened.close()


async def test_trades_come_newest_first_with_their_legs_in_order(store: HistoryStore) -> None:
    async with (
        serving(ApiState(history=store.database, hub=LiveHub())) as server,
        httpx.AsyncClient(base_url=server.url, headers=AUTH) as client,
    ):
        response = await client.get("/cross-chain/trades")
        assert response.status_code == 200, response.text
        trades = response.json()
        assert [t["id"] for t in trades] == ["xc-1", "xc-0"]
        partial, done = trades
        assert partial["status"] == "partial"
        assert partial["realized_pnl_usd"] is None
        assert done["realized_pnl_usd"] == 41.5
        assert done["predicted_pnl_usd"] == 42.25
        assert (done["sell_chain"], done["buy_chain"]) == ("ethereum", "arbitrum")
        assert [leg["role"] for leg in done["legs"]] == ["sell", "buy"]
        sell = done["legs"][0]
        assert sell["amount_in"] == str(BIG)  # exact: a JSON number would round it
        assert sell["realized_out"] == str(BIG + 7)
        assert sell["fee_wei"] == "5000000000000001"
        assert sell["tx_hash"].startswith("0xss")
        assert partial["legs"][1]["status"] == "reverted"
        assert partial["legs"][1]["realized_out"] is None
        assert done["inventory_change"]["ethereum"] == {
            "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2": str(-BIG),
            "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48": "30000000000",
        }
        limited = await client.get("/cross-chain/trades", params={"limit": 1})
        assert [t["id"] for t in limited.json()] == ["xc-1"]
        assert (await client.get("/cross-chain/trades?limit=0")).status_code == 422


async def test_transfers_in_flight_or_all_and_the_stuck_one_overdue(store: HistoryStore) -> None:
    async with (
        serving(ApiState(history=store.database, hub=LiveHub())) as server,
        httpx.AsyncClient(base_url=server.url, headers=AUTH) as client,
    ):
        in_flight = (await client.get("/cross-chain/transfers")).json()
        assert [t["id"] for t in in_flight] == ["bt-sent", "bt-stuck"]
        sent, stuck = in_flight
        assert (sent["overdue"], stuck["overdue"]) == (False, True)
        assert sent["amount_in"] == str(BIG)
        assert sent["src_tx_hashes"] == [f"0x{'a' * 63}7", f"0x{'a' * 63}8"]
        assert "raw" not in json.dumps(in_flight)  # the signed transactions stay stored
        everything = (await client.get("/cross-chain/transfers?state=all")).json()
        assert [t["id"] for t in everything] == [
            "bt-sent",
            "bt-stuck",
            "bt-arrived",
            "bt-failed",
        ]
        arrived = everything[2]
        assert (arrived["in_flight"], arrived["overdue"]) == (False, False)
        assert arrived["amount_received"] == str(BIG - 10**15)
        assert (await client.get("/cross-chain/transfers?state=all&limit=2")).json()[1][
            "id"
        ] == "bt-stuck"
        refused = await client.get("/cross-chain/transfers?state=lost")
        assert refused.status_code == 422


async def test_only_open_exposures_are_listed(store: HistoryStore) -> None:
    async with (
        serving(ApiState(history=store.database, hub=LiveHub())) as server,
        httpx.AsyncClient(base_url=server.url, headers=AUTH) as client,
    ):
        exposures = (await client.get("/cross-chain/exposures")).json()
    assert [(e["id"], e["status"], e["amount"]) for e in exposures] == [
        ("ex-open", "open", str(BIG))
    ]
    assert exposures[0]["trade_id"] == "xc-1"


async def test_inventory_comes_from_the_bot_and_is_503_without_one(sqlite_url: str) -> None:
    store = HistoryStore.open(sqlite_url)
    try:
        async with (
            serving(ApiState(history=store.database, hub=LiveHub())) as bare,
            httpx.AsyncClient(base_url=bare.url, headers=AUTH) as client,
        ):
            refused = await client.get("/cross-chain/inventory")
            assert refused.status_code == 503
            assert "not attached to a running bot" in refused.json()["detail"]
        state = ApiState(history=store.database, hub=LiveHub(), inventory=HeldInventory())
        async with (
            serving(state) as server,
            httpx.AsyncClient(base_url=server.url, headers=AUTH) as client,
        ):
            response = await client.get("/cross-chain/inventory")
            assert response.status_code == 200, response.text
            body = response.json()
    finally:
        await store.close()
    ethereum, arbitrum = body["chains"]
    assert ethereum["account"] == ACCOUNT
    weth, usdc = ethereum["assets"]
    assert (weth["amount"], weth["low"], weth["target"], weth["high"]) == (
        str(BIG),
        str(5 * 10**18),
        str(10 * 10**18),
        str(20 * 10**18),
    )
    # 12.35 WETH held, 1 leaving: 11.35 within [5, 20].
    assert (weth["band"], weth["in_flight_out"]) == ("ok", str(10**18))
    assert (usdc["band"], usdc["low"]) == (None, None)
    # 2 WETH held and 1 arriving: still under the low of 5.
    assert arbitrum["assets"][0]["band"] == "low"
    assert ethereum["usd"] == pytest.approx(88_271.6)
    assert body["usd"] == pytest.approx(88_271.6 + 6_200.0)


async def test_cross_chain_routes_need_a_read_token(store: HistoryStore) -> None:
    read_token = store.database.api_tokens.create(name="viewer", scope="read")[1]
    state = ApiState(history=store.database, hub=LiveHub(), inventory=HeldInventory())
    paths = (
        "/cross-chain/trades",
        "/cross-chain/transfers",
        "/cross-chain/exposures",
        "/cross-chain/inventory",
    )
    async with serving(state) as server, httpx.AsyncClient(base_url=server.url) as client:
        for path in paths:
            assert (await client.get(path)).status_code == 401, path
            bad = await client.get(path, headers={"Authorization": "Bearer not-a-token"})
            assert bad.status_code == 401, path
            good = await client.get(path, headers={"Authorization": f"Bearer {read_token}"})
            assert good.status_code == 200, (path, good.text)
        spec = (await client.get("/openapi.json", headers=AUTH)).json()
    for path in paths:
        assert path in spec["paths"]


async def test_live_messages_reach_websocket_clients(store: HistoryStore) -> None:
    hub = LiveHub()
    telemetry = Telemetry(hub=hub)
    inventory = HeldInventory()
    state = ApiState(history=store.database, hub=hub, inventory=inventory)
    settings = Settings(api=ApiSettings(stats_interval_s=0.05))
    query = f"token={TOKEN}&types=cross_chain_trade,bridge_transfer,inventory"
    async with serving(state, settings) as server, websockets.connect(ws_url(server, query)) as ws:

        async def subscribed() -> bool:
            return hub.wants("bridge_transfer")

        await eventually(subscribed, what="the client subscribed")

        async def next_of(kind: str) -> dict[str, Any]:
            # The inventory ticks meanwhile: skip to the next message of `kind`.
            async with asyncio.timeout(5):
                while True:
                    message = json.loads(await ws.recv())
                    if message["type"] == kind:
                        data: dict[str, Any] = message["data"]
                        return data

        def arbitrum_weth(body: dict[str, Any]) -> str:
            amount: str = body["chains"][1]["assets"][0]["amount"]
            return amount

        # The server's ticker sends the inventory while a client listens; a change shows
        # (a tick taken before the change may come first).
        assert arbitrum_weth(await next_of("inventory")) == str(2 * 10**18)
        inventory.weth_on_arbitrum = 7 * 10**18
        while (amount := arbitrum_weth(await next_of("inventory"))) != str(7 * 10**18):
            assert amount == str(2 * 10**18)

        now = datetime.now(UTC)
        transfer = transfer_row("live", "deposited", created=now, deadline_s=600)
        hub.publish_bridge_transfer(bridge_transfer_item(transfer))
        sent = await next_of("bridge_transfer")
        assert (sent["id"], sent["status"], sent["amount_in"]) == ("bt-live", "deposited", str(BIG))

        trade = trade_row(9)
        telemetry.cross_chain_trade(cross_chain_trade_item(trade, leg_rows(9)))
        traded = await next_of("cross_chain_trade")
        assert traded["id"] == "xc-9"
        assert [leg["role"] for leg in traded["legs"]] == ["sell", "buy"]

    # A message is what the route serves for the same row.
    write_rows(store.database, trade_row(9), *leg_rows(9))
    async with (
        serving(state) as server,
        httpx.AsyncClient(base_url=server.url, headers=AUTH) as client,
    ):
        listed = (await client.get("/cross-chain/trades", params={"limit": 1})).json()
    assert listed[0] == traded


async def test_the_bots_slot_answers_503_until_the_coordinator_attaches(sqlite_url: str) -> None:
    """As `running_services` wires it: the API starts with an empty slot, the ticker skips it
    (no crash), and once the coordinator attaches, the route and the ticker serve it."""
    store = HistoryStore.open(sqlite_url)
    slot = InventorySlot()
    hub = LiveHub()
    state = ApiState(history=store.database, hub=hub, inventory=slot)
    settings = Settings(api=ApiSettings(stats_interval_s=0.05))
    try:
        async with (
            serving(state, settings) as server,
            httpx.AsyncClient(base_url=server.url, headers=AUTH) as client,
            websockets.connect(ws_url(server, f"token={TOKEN}&types=inventory")) as ws,
        ):
            refused = await client.get("/cross-chain/inventory")
            assert refused.status_code == 503
            assert "not attached to a running bot" in refused.json()["detail"]

            async def subscribed() -> bool:
                return hub.wants("inventory")

            await eventually(subscribed, what="the client subscribed")
            published = hub.figures.published
            slot.attach(HeldInventory())
            async with asyncio.timeout(5):
                message = json.loads(await ws.recv())
            assert message["type"] == "inventory"
            # Nothing was published for the empty slot: this is the first message since.
            assert message["seq"] == published + 1
            assert (await client.get("/cross-chain/inventory")).status_code == 200
    finally:
        await store.close()
