"""The cross-chain bodies: `/cross-chain/trades` items and `cross_chain_trade` messages,
`/cross-chain/transfers` items and `bridge_transfer` messages, `/cross-chain/exposures` items,
and the `/cross-chain/inventory` body, also sent as `inventory` messages.

As everywhere in the API, amounts in base units are decimal strings (they pass 2**53), USD
figures are floats and times ISO 8601 in UTC. A transfer's signed raw transactions stay in the
database: only their hashes are served.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from omniarb.api._schema_base import BODY, Amount

__all__ = [
    "BridgeTransferItem",
    "CrossChainLegItem",
    "CrossChainTradeItem",
    "ExposureItem",
    "InventoryAssetItem",
    "InventoryBody",
    "InventoryChainItem",
]


class CrossChainLegItem(BaseModel):
    """One transaction of a cross-chain trade: its sell or buy leg, or an unwind."""

    model_config = BODY

    id: str
    role: str = Field(description="sell, buy or unwind")
    chain: str
    token_in: str
    token_out: str
    amount_in: Amount
    min_out: Amount
    predicted_out: Amount
    realized_out: Amount | None
    tx_hash: str | None
    block_number: int | None
    gas_used: int | None
    fee_wei: Amount | None = Field(description="gas plus an L2's L1 data fee, native coin")
    status: str = Field(description="pending, landed, reverted or dropped")
    error: str | None
    sent_at: datetime | None
    settled_at: datetime | None


class CrossChainTradeItem(BaseModel):
    """A cross-chain trade: sell `asset` on `sell_chain`, buy it back on `buy_chain`, with the
    prediction it was sent on and, once settled, its realized PnL."""

    model_config = BODY

    id: str
    asset: str
    quote_asset: str
    sell_chain: str
    buy_chain: str
    status: str = Field(description="pending, done, partial, failed or unwound")
    expected_value_usd: float
    gross_usd: float
    fees_usd: float
    rebalance_cost_usd: float
    risk_charge_usd: float
    predicted_pnl_usd: float
    realized_pnl_usd: float | None
    inventory_change: dict[str, dict[str, Amount]] = Field(
        description="per chain and token: the signed change in base units"
    )
    detected_at: datetime
    settled_at: datetime | None
    legs: list[CrossChainLegItem]


class BridgeTransferItem(BaseModel):
    """A bridge transfer of the rebalancer, from planned to arrived (or stuck, or failed)."""

    model_config = BODY

    id: str
    bridge: str
    src_chain: str
    dst_chain: str
    asset: str
    token_in: str
    token_out: str
    sender: str
    recipient: str
    amount_in: Amount
    amount_out_expected: Amount
    amount_received: Amount | None
    fee_usd: float
    status: str = Field(description="planned, sent, deposited, arrived, stuck or failed")
    in_flight: bool = Field(description="neither arrived nor failed")
    overdue: bool = Field(description="in flight past its deadline (stuck, or about to be)")
    src_tx_hashes: list[str] = Field(description="the source-chain transactions, in order")
    deposit_tx_hash: str | None
    deposit_id: str | None
    deposit_block: int | None
    arrival_tx_hash: str | None
    arrival_block: int | None
    attempts: int
    error: str | None
    created_at: datetime
    deadline_at: datetime
    updated_at: datetime
    arrived_at: datetime | None


class ExposureItem(BaseModel):
    """A position a failed leg left unhedged, until the risk manager unwinds it."""

    model_config = BODY

    id: str
    trade_id: str
    chain: str
    asset: str
    token: str
    side: str = Field(description="long or short")
    amount: Amount
    usd_at_open: float
    policy: str
    status: str = Field(description="open or unwinding")
    unwind_leg_id: str | None
    opened_at: datetime


class InventoryAssetItem(BaseModel):
    """One asset held on one chain, with the rebalancer's band (null: none configured)."""

    model_config = BODY

    asset: str
    token: str
    decimals: int
    amount: Amount
    usd: float | None
    low: Amount | None
    target: Amount | None
    high: Amount | None
    band: str | None = Field(description="low, ok or high against the band; null without one")
    in_flight_in: Amount = Field(description="on its way here by bridge")
    in_flight_out: Amount = Field(description="left for another chain by bridge")


class InventoryChainItem(BaseModel):
    """What the inventory account holds on one chain."""

    model_config = BODY

    chain: str
    account: str | None
    usd: float = Field(description="the sum of the priced assets")
    assets: list[InventoryAssetItem]


class InventoryBody(BaseModel):
    """The inventory on every chain, from the running bot."""

    model_config = BODY

    taken_at: datetime
    usd: float
    chains: list[InventoryChainItem]
