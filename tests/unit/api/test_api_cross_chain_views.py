"""The cross-chain wire shapes: an inventory holding's band (what is on its way counts as there),
the inventory body's sums and exact amounts, a newcomer to the hub getting the last inventory
(and the last stats) first, and the cross-chain message types a client may ask for."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from omniarb.api import (
    MESSAGE_TYPES,
    AssetHolding,
    ChainInventory,
    InventorySnapshot,
    LiveFigures,
    LiveHub,
)
from omniarb.api.cross_chain_views import band_of, inventory_body
from omniarb.track import ChainBotStats

_BAND = {"low": 10, "target": 20, "high": 30}


def _holding(amount: int, **extra: int | None) -> AssetHolding:
    return AssetHolding(
        asset="WETH", token="0xW", decimals=18, amount=amount, usd=None, **{**_BAND, **extra}
    )


@pytest.mark.parametrize(
    ("holding", "band"),
    [
        (_holding(9), "low"),
        (_holding(10), "ok"),
        (_holding(30), "ok"),
        (_holding(31), "high"),
        (_holding(9, in_flight_in=1), "ok"),  # arriving counts as there
        (_holding(10, in_flight_out=1), "low"),  # leaving counts as gone
        (_holding(31, low=None, target=None, high=None), None),
        (_holding(0, high=None), "low"),
        (_holding(10**30, low=None), "high"),
    ],
)
def test_band_against_low_and_high(holding: AssetHolding, band: str | None) -> None:
    assert band_of(holding) == band


def _snapshot(amount: int) -> InventorySnapshot:
    big = 2**64 + 1
    return InventorySnapshot(
        taken_at=datetime(2026, 12, 6, tzinfo=UTC),
        chains=(
            ChainInventory(
                chain="ethereum",
                account="0xA",
                assets=(
                    AssetHolding(asset="WETH", token="0xW", decimals=18, amount=big, usd=100.5),
                    AssetHolding(asset="X", token="0xX", decimals=0, amount=amount, usd=None),
                ),
            ),
            ChainInventory(chain="base", account=None, assets=()),
        ),
    )


def test_the_inventory_body_sums_priced_assets_and_keeps_amounts_exact() -> None:
    body = inventory_body(_snapshot(3))
    assert body.usd == 100.5
    assert [c.usd for c in body.chains] == [100.5, 0.0]
    weth = body.chains[0].assets[0]
    assert (weth.amount, weth.low, weth.band, weth.in_flight_in) == (
        str(2**64 + 1),
        None,
        None,
        "0",
    )


async def test_a_newcomer_gets_the_last_inventory_and_stats_first() -> None:
    hub = LiveHub()
    hub.publish_inventory(_snapshot(1))
    hub.publish_inventory(_snapshot(2))
    hub.publish_stats(LiveFigures(chains=[ChainBotStats(chain="bnb", chain_id=56)]))
    with hub.subscribe({"inventory", "stats"}) as late:
        first = json.loads(await late.get())
        second = json.loads(await late.get())
    assert first["type"] == "inventory"
    assert first["data"]["chains"][0]["assets"][1]["amount"] == "2"
    assert second["type"] == "stats"
    with hub.subscribe({"bridge_transfer"}) as transfers_only:
        assert transfers_only.queue.empty()
        assert hub.wants("bridge_transfer")
        assert not hub.wants("cross_chain_trade")


def test_the_cross_chain_message_types_can_be_asked_for() -> None:
    assert {"cross_chain_trade", "bridge_transfer", "inventory"} <= MESSAGE_TYPES
