"""`/cross-chain/*`: the cross-chain trades, the bridge transfers, the open exposures (from the
history, read in a worker thread) and the inventory per chain (from the running bot).

    GET /cross-chain/trades?limit=50            newest first, each with its legs
    GET /cross-chain/transfers?state=in_flight  or state=all (the newest `limit`)
    GET /cross-chain/exposures                  open or unwinding, oldest first
    GET /cross-chain/inventory                  503 when no bot's inventory is attached

All behind the `read` scope (the router they are added to carries it).
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from omniarb.api.cross_chain_schemas import (
    BridgeTransferItem,
    CrossChainTradeItem,
    ExposureItem,
    InventoryBody,
)
from omniarb.api.cross_chain_views import (
    bridge_transfer_item,
    cross_chain_trade_item,
    exposure_item,
    inventory_body,
)
from omniarb.api.inventory import inventory_snapshot
from omniarb.api.state import ApiState
from omniarb.store.cross_chain_reads import (
    load_bridge_transfers,
    load_cross_chain_trades,
    load_open_exposures,
)

__all__ = ["register_cross_chain"]

_Limit = Annotated[int, Query(ge=1, le=1000, description="at most this many, newest first")]
_UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {"description": "the history is not reachable"}
}
_NO_INVENTORY: dict[int | str, dict[str, Any]] = {
    503: {"description": "no running bot's inventory is attached to this API"}
}


def register_cross_chain(routes: APIRouter, state: ApiState) -> None:
    """Add the `/cross-chain/*` routes to `routes`."""
    history = state.history

    @routes.get("/cross-chain/trades", responses=_UNAVAILABLE)
    async def cross_chain_trades(limit: _Limit = 50) -> list[CrossChainTradeItem]:
        """Recorded cross-chain trades, newest first, each with its legs and their tx hashes."""
        records = await asyncio.to_thread(load_cross_chain_trades, history, limit=limit)
        return [cross_chain_trade_item(r.trade, r.legs) for r in records]

    @routes.get("/cross-chain/transfers", responses=_UNAVAILABLE)
    async def bridge_transfers(
        which: Annotated[
            Literal["in_flight", "all"],
            Query(
                alias="state",
                description="in_flight: not arrived nor failed; all: the newest `limit`",
            ),
        ] = "in_flight",
        limit: _Limit = 100,
    ) -> list[BridgeTransferItem]:
        """The rebalancer's bridge transfers, newest first; stuck ones are `overdue`."""
        rows = await asyncio.to_thread(
            load_bridge_transfers, history, in_flight=which == "in_flight", limit=limit
        )
        return [bridge_transfer_item(row) for row in rows]

    @routes.get("/cross-chain/exposures", responses=_UNAVAILABLE)
    async def exposures() -> list[ExposureItem]:
        """The positions failed legs left unhedged and not yet unwound, oldest first."""
        rows = await asyncio.to_thread(load_open_exposures, history)
        return [exposure_item(row) for row in rows]

    @routes.get("/cross-chain/inventory", responses=_NO_INVENTORY)
    async def inventory() -> InventoryBody:
        """The inventory account's balances per chain and asset, in USD, against the
        rebalancer's bands, with what bridges are moving in and out."""
        return inventory_body(inventory_snapshot(state.inventory))
