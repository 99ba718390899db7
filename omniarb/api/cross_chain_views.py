"""The cross-chain rows and the live inventory → the API's bodies, in one place, so a REST item
and the live message of the same thing have one shape (`/cross-chain/trades` and
`cross_chain_trade`, `/cross-chain/transfers` and `bridge_transfer`, `/cross-chain/inventory`
and `inventory`). Amounts become decimal strings here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from omniarb.api.cross_chain_schemas import (
    BridgeTransferItem,
    CrossChainLegItem,
    CrossChainTradeItem,
    ExposureItem,
    InventoryAssetItem,
    InventoryBody,
    InventoryChainItem,
)
from omniarb.api.inventory import AssetHolding, InventorySnapshot
from omniarb.store.bridge_transfers import BridgeTransfer
from omniarb.store.cross_chain_models import (
    BridgeTransferRow,
    CrossChainLegRow,
    CrossChainTradeRow,
    ExposureRow,
)
from omniarb.store.cross_chain_reads import FINAL_TRANSFER_STATUSES, leg_order

__all__ = [
    "band_of",
    "bridge_transfer_item",
    "cross_chain_trade_item",
    "exposure_item",
    "inventory_body",
]


def _text(amount: int | None) -> str | None:
    return None if amount is None else str(amount)


def _leg_item(leg: CrossChainLegRow) -> CrossChainLegItem:
    return CrossChainLegItem(
        id=leg.id,
        role=leg.role,
        chain=leg.chain,
        token_in=leg.token_in,
        token_out=leg.token_out,
        amount_in=str(leg.amount_in),
        min_out=str(leg.min_out),
        predicted_out=str(leg.predicted_out),
        realized_out=_text(leg.realized_out),
        tx_hash=leg.tx_hash,
        block_number=leg.block_number,
        gas_used=leg.gas_used,
        fee_wei=_text(leg.fee_wei),
        status=leg.status,
        error=leg.error,
        sent_at=leg.sent_at,
        settled_at=leg.settled_at,
    )


def _inventory_change(change: dict[str, Any]) -> dict[str, dict[str, str]]:
    # Stored as decimal strings already; str() also accepts a writer that stored ints.
    return {
        chain: {token: str(amount) for token, amount in tokens.items()}
        for chain, tokens in change.items()
    }


def cross_chain_trade_item(
    trade: CrossChainTradeRow, legs: Iterable[CrossChainLegRow] = ()
) -> CrossChainTradeItem:
    """A trade row and its leg rows as `/cross-chain/trades` lists them (and the
    `cross_chain_trade` message carries them: `hub.publish_cross_chain_trade`), the legs in
    the trade's order (sell, buy, unwinds) whatever order they come in."""
    return CrossChainTradeItem(
        id=trade.id,
        asset=trade.asset,
        quote_asset=trade.quote_asset,
        sell_chain=trade.sell_chain,
        buy_chain=trade.buy_chain,
        status=trade.status,
        expected_value_usd=trade.expected_value_usd,
        gross_usd=trade.gross_usd,
        fees_usd=trade.fees_usd,
        rebalance_cost_usd=trade.rebalance_cost_usd,
        risk_charge_usd=trade.risk_charge_usd,
        predicted_pnl_usd=trade.predicted_pnl_usd,
        realized_pnl_usd=trade.realized_pnl_usd,
        inventory_change=_inventory_change(trade.inventory_change or {}),
        detected_at=trade.detected_at,
        settled_at=trade.settled_at,
        legs=[_leg_item(leg) for leg in sorted(legs, key=leg_order)],
    )


def bridge_transfer_item(
    row: BridgeTransferRow | BridgeTransfer, now: datetime | None = None
) -> BridgeTransferItem:
    """A transfer (its row, or the rebalancer's value of it) as `/cross-chain/transfers` lists
    it and `bridge_transfer` carries it; `now` (default: the clock) decides whether it is
    overdue."""
    now = datetime.now(UTC) if now is None else now
    if isinstance(row, BridgeTransfer):
        hashes = [tx.tx_hash for tx in row.src_txs]
    else:
        hashes = [str(tx["hash"]) for tx in row.src_txs or () if "hash" in tx]
    in_flight = row.status not in FINAL_TRANSFER_STATUSES
    return BridgeTransferItem(
        id=row.id,
        bridge=row.bridge,
        src_chain=row.src_chain,
        dst_chain=row.dst_chain,
        asset=row.asset,
        token_in=row.token_in,
        token_out=row.token_out,
        sender=row.sender,
        recipient=row.recipient,
        amount_in=str(row.amount_in),
        amount_out_expected=str(row.amount_out_expected),
        amount_received=_text(row.amount_received),
        fee_usd=row.fee_usd,
        status=row.status,
        in_flight=in_flight,
        overdue=in_flight and (row.status == "stuck" or now > row.deadline_at),
        src_tx_hashes=hashes,
        deposit_tx_hash=row.deposit_tx_hash,
        deposit_id=row.deposit_id,
        deposit_block=row.deposit_block,
        arrival_tx_hash=row.arrival_tx_hash,
        arrival_block=row.arrival_block,
        attempts=row.attempts,
        error=row.error,
        created_at=row.created_at,
        deadline_at=row.deadline_at,
        updated_at=row.updated_at,
        arrived_at=row.arrived_at,
    )


def exposure_item(row: ExposureRow) -> ExposureItem:
    """An exposure row as `/cross-chain/exposures` lists it."""
    return ExposureItem(
        id=row.id,
        trade_id=row.trade_id,
        chain=row.chain,
        asset=row.asset,
        token=row.token,
        side=row.side,
        amount=str(row.amount),
        usd_at_open=row.usd_at_open,
        policy=row.policy,
        status=row.status,
        unwind_leg_id=row.unwind_leg_id,
        opened_at=row.opened_at,
    )


def band_of(holding: AssetHolding) -> str | None:
    """Where the holding stands against its band, counting what is on its way as there (as
    the rebalancer plans): "low" under `low`, "high" over `high`, else "ok"; None without
    a band."""
    if holding.low is None and holding.high is None:
        return None
    expected = holding.amount + holding.in_flight_in - holding.in_flight_out
    if holding.low is not None and expected < holding.low:
        return "low"
    if holding.high is not None and expected > holding.high:
        return "high"
    return "ok"


def _asset_item(holding: AssetHolding) -> InventoryAssetItem:
    return InventoryAssetItem(
        asset=holding.asset,
        token=holding.token,
        decimals=holding.decimals,
        amount=str(holding.amount),
        usd=holding.usd,
        low=_text(holding.low),
        target=_text(holding.target),
        high=_text(holding.high),
        band=band_of(holding),
        in_flight_in=str(holding.in_flight_in),
        in_flight_out=str(holding.in_flight_out),
    )


def inventory_body(snapshot: InventorySnapshot) -> InventoryBody:
    """The bot's inventory as `/cross-chain/inventory` serves it (and `inventory` carries it)."""
    chains = [
        InventoryChainItem(
            chain=chain.chain,
            account=chain.account,
            usd=sum(h.usd for h in chain.assets if h.usd is not None),
            assets=[_asset_item(h) for h in chain.assets],
        )
        for chain in snapshot.chains
    ]
    return InventoryBody(taken_at=snapshot.taken_at, usd=sum(c.usd for c in chains), chains=chains)
