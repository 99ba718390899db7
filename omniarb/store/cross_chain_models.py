"""The cross-chain tables: trades of two legs on two chains, their legs, the exposure a failed
leg leaves, and bridge transfers (the rebalancer's), as SQLAlchemy models on the history's `Base`.

A cross-chain trade is not atomic: its sell leg and its buy leg are two transactions on two
chains. One `cross_chain_trades` row ties them together with the prediction the detector made
(both legs' outputs, fees, the risk charge) and, once both receipts are in, what they realized in
USD. Each transaction of a trade (the two legs, and any that unwinds an exposure) is a
`cross_chain_legs` row. A leg that fails leaves the other leg's position unhedged: that is an
`exposures` row, open until the risk manager unwinds it.

A `bridge_transfers` row is written before its deposit is sent (with the signed deposit
transaction, which holds no secret), so a restarted rebalancer finds every transfer in flight and
resumes it by re-broadcasting that same signed transaction, never by signing a second one.
Amounts are base units of the token named beside them, exact (`Amount`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from omniarb.store.models import JSON_COLUMN, Amount, Base, UtcDateTime

__all__ = ["BridgeTransferRow", "CrossChainLegRow", "CrossChainTradeRow", "ExposureRow"]


class CrossChainTradeRow(Base):
    """One cross-chain trade (`source` cross-chain): sell `asset` on `sell_chain`, buy it back on
    `buy_chain`, both against `quote_asset` held as inventory on both chains."""

    __tablename__ = "cross_chain_trades"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    asset: Mapped[str] = mapped_column(String(32), index=True)
    quote_asset: Mapped[str] = mapped_column(String(32))
    sell_chain: Mapped[str] = mapped_column(String(32))
    buy_chain: Mapped[str] = mapped_column(String(32))
    # pending (legs sent), done (both legs landed), partial (one leg failed: see exposures),
    # failed (no leg landed), unwound (the partial's exposure was closed).
    status: Mapped[str] = mapped_column(String(16), index=True)
    expected_value_usd: Mapped[float] = mapped_column(Float)
    gross_usd: Mapped[float] = mapped_column(Float)
    fees_usd: Mapped[float] = mapped_column(Float)
    rebalance_cost_usd: Mapped[float] = mapped_column(Float)
    risk_charge_usd: Mapped[float] = mapped_column(Float)
    predicted_pnl_usd: Mapped[float] = mapped_column(Float)
    realized_pnl_usd: Mapped[float | None] = mapped_column(Float)
    # Per chain and token: the signed change of the inventory the trade made, base units as
    # decimal strings ({"ethereum": {"0x…": "-1000"}}).
    inventory_change: Mapped[dict[str, Any]] = mapped_column(JSON_COLUMN)
    detected_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    settled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CrossChainLegRow(Base):
    """One transaction of a cross-chain trade: its `sell` or `buy` leg, or an `unwind`."""

    __tablename__ = "cross_chain_legs"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    trade_id: Mapped[str] = mapped_column(ForeignKey("cross_chain_trades.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    chain: Mapped[str] = mapped_column(String(32))
    token_in: Mapped[str] = mapped_column(String(42))
    token_out: Mapped[str] = mapped_column(String(42))
    amount_in: Mapped[int] = mapped_column(Amount)
    min_out: Mapped[int] = mapped_column(Amount)
    predicted_out: Mapped[int] = mapped_column(Amount)
    realized_out: Mapped[int | None] = mapped_column(Amount)
    tx_hash: Mapped[str | None] = mapped_column(String(66))
    block_number: Mapped[int | None] = mapped_column(BigInteger)
    gas_used: Mapped[int | None] = mapped_column(BigInteger)
    # Execution gas plus an L2's L1 data fee, in the chain's native coin.
    fee_wei: Mapped[int | None] = mapped_column(Amount)
    # pending, landed, reverted, dropped.
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    settled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # What the sell and buy legs were planned on (NULL for unwinds and rows before 0015): the
    # block whose pool states `predicted_out` is exact on, the route's pools in order, and
    # the fee the detector priced (its USD over its wei is the native price PnL is valued at).
    priced_block: Mapped[int | None] = mapped_column(BigInteger)
    pools: Mapped[list[str] | None] = mapped_column(JSON_COLUMN)
    planned_fee_wei: Mapped[int | None] = mapped_column(Amount)
    planned_fee_usd: Mapped[float | None] = mapped_column(Float)


class ExposureRow(Base):
    """A position a failed leg left unhedged: `amount` of `token` on `chain` more (`long`) or
    less (`short`) than the inventory should hold, open until unwound by policy."""

    __tablename__ = "exposures"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    trade_id: Mapped[str] = mapped_column(ForeignKey("cross_chain_trades.id"), index=True)
    chain: Mapped[str] = mapped_column(String(32))
    asset: Mapped[str] = mapped_column(String(32))
    token: Mapped[str] = mapped_column(String(42))
    side: Mapped[str] = mapped_column(String(8))
    amount: Mapped[int] = mapped_column(Amount)
    usd_at_open: Mapped[float] = mapped_column(Float)
    policy: Mapped[str] = mapped_column(String(16))
    # open, unwinding, unwound, abandoned.
    status: Mapped[str] = mapped_column(String(16), index=True)
    unwind_leg_id: Mapped[str | None] = mapped_column(String(80))
    realized_usd: Mapped[float | None] = mapped_column(Float)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class BridgeTransferRow(Base):
    """One bridge transfer of the rebalancer, from planned to arrived (or stuck)."""

    __tablename__ = "bridge_transfers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    bridge: Mapped[str] = mapped_column(String(32))
    src_chain: Mapped[str] = mapped_column(String(32))
    dst_chain: Mapped[str] = mapped_column(String(32))
    asset: Mapped[str] = mapped_column(String(32))
    token_in: Mapped[str] = mapped_column(String(42))
    token_out: Mapped[str] = mapped_column(String(42))
    sender: Mapped[str] = mapped_column(String(42))
    recipient: Mapped[str] = mapped_column(String(42))
    amount_in: Mapped[int] = mapped_column(Amount)
    amount_out_expected: Mapped[int] = mapped_column(Amount)
    amount_received: Mapped[int | None] = mapped_column(Amount)
    fee_usd: Mapped[float] = mapped_column(Float)
    # planned (signed, maybe not broadcast), sent, deposited, arrived, stuck, failed.
    status: Mapped[str] = mapped_column(String(16), index=True)
    # The source-chain transactions, signed before the first broadcast, in order (an exact
    # approval, then the deposit): [{"nonce": n, "hash": "0x…", "raw": "0x…"}].
    src_txs: Mapped[list[dict[str, Any]]] = mapped_column(JSON_COLUMN)
    deposit_tx_hash: Mapped[str | None] = mapped_column(String(66))
    deposit_id: Mapped[str | None] = mapped_column(String(80))
    deposit_block: Mapped[int | None] = mapped_column(BigInteger)
    arrival_tx_hash: Mapped[str | None] = mapped_column(String(66))
    arrival_block: Mapped[int | None] = mapped_column(BigInteger)
    attempts: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    deadline_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    arrived_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
