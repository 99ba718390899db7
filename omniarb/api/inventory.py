"""The inventory the running bot holds for cross-chain trades, as the API reads it: per chain,
per asset, the balance, its USD value, the rebalancer's band, and what bridges are moving.

The figures live in the bot (the coordinator keeps the balances, the rebalancer the bands and
the transfers in flight), not in the database: the API holds an `InventoryView` and calls
`snapshot()` on the event loop at each `/cross-chain/inventory` request and each `inventory`
tick, so it must be cheap (a copy of what is held, no I/O). Without one attached, or when it
raises `InventoryUnavailableError`, the route answers 503.

    state = ApiState(history=..., hub=hub, inventory=rebalancer)   # any object with snapshot()

The bot starts its API before its cross-chain coordinator exists: `running_services` attaches
an `InventorySlot`, and the coordinator fills it (`services.inventory.attach(coordinator)`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from omniarb.errors import OmniarbError

__all__ = [
    "AssetHolding",
    "ChainInventory",
    "InventorySlot",
    "InventorySnapshot",
    "InventoryUnavailableError",
    "InventoryView",
    "inventory_snapshot",
]

_NO_BOT = "no inventory: this API is not attached to a running bot with cross-chain trading enabled"


class InventoryUnavailableError(OmniarbError):
    """No running bot's inventory is attached: the API answers 503."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AssetHolding:
    """`amount` base units of `asset` (the token `token`, `decimals` places) held on a chain.

    `low`/`target`/`high` are the rebalancer's band in base units (None: no band configured);
    `in_flight_in` is on its way here by bridge, `in_flight_out` has left for another chain.
    `usd` is None when the asset has no price.
    """

    asset: str
    token: str
    decimals: int
    amount: int
    usd: float | None
    low: int | None = None
    target: int | None = None
    high: int | None = None
    in_flight_in: int = 0
    in_flight_out: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainInventory:
    """What the inventory account holds on one chain."""

    chain: str
    account: str | None
    assets: tuple[AssetHolding, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class InventorySnapshot:
    """The inventory on every chain at `taken_at` (UTC)."""

    taken_at: datetime
    chains: tuple[ChainInventory, ...]


class InventoryView(Protocol):
    """Where the API reads the live inventory: the bot's cross-chain coordinator or its
    rebalancer. Called on the event loop: must not block."""

    def snapshot(self) -> InventorySnapshot: ...


class InventorySlot:
    """An `InventoryView` filled in later: `snapshot()` raises `InventoryUnavailableError`
    until `attach(view)`, then answers with `view`'s."""

    def __init__(self) -> None:
        self._view: InventoryView | None = None

    @property
    def attached(self) -> bool:
        return self._view is not None

    def attach(self, view: InventoryView | None) -> None:
        """Serve `view`'s inventory from now on (None: none again, e.g. at shutdown)."""
        self._view = view

    def snapshot(self) -> InventorySnapshot:
        if self._view is None:
            raise InventoryUnavailableError(_NO_BOT)
        return self._view.snapshot()


def inventory_snapshot(view: InventoryView | None) -> InventorySnapshot:
    """`view`'s snapshot; `InventoryUnavailableError` without a view."""
    if view is None:
        raise InventoryUnavailableError(_NO_BOT)
    return view.snapshot()
