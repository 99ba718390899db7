"""Cross-chain trades, their legs, open exposures and bridge transfers.

Revision ID: 0013_cross_chain
Revises: 0012_api_tokens
Create Date: 2026-12-06

`cross_chain_trades` ties a trade's two legs (on two chains) to the detector's prediction and to
the USD PnL both receipts realized; `cross_chain_legs` is one row per transaction (sell, buy,
unwind); `exposures` is what a failed leg left unhedged until it is unwound; `bridge_transfers`
is the rebalancer's record of each transfer, written with its signed transactions before the
first broadcast (`omniarb.store.cross_chain_models`).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0013_cross_chain"
down_revision: str | Sequence[str] | None = "0012_api_tokens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIME = sa.DateTime(timezone=True)
_JSON = sa.JSON().with_variant(JSONB(), "postgresql")
_AMOUNT = sa.String(79).with_variant(sa.Numeric(78, 0), "postgresql")


def _amount(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, _AMOUNT, nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "cross_chain_trades",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("asset", sa.String(32), nullable=False),
        sa.Column("quote_asset", sa.String(32), nullable=False),
        sa.Column("sell_chain", sa.String(32), nullable=False),
        sa.Column("buy_chain", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("expected_value_usd", sa.Float, nullable=False),
        sa.Column("gross_usd", sa.Float, nullable=False),
        sa.Column("fees_usd", sa.Float, nullable=False),
        sa.Column("rebalance_cost_usd", sa.Float, nullable=False),
        sa.Column("risk_charge_usd", sa.Float, nullable=False),
        sa.Column("predicted_pnl_usd", sa.Float, nullable=False),
        sa.Column("realized_pnl_usd", sa.Float, nullable=True),
        sa.Column("inventory_change", _JSON, nullable=False),
        sa.Column("detected_at", _TIME, nullable=False),
        sa.Column("settled_at", _TIME, nullable=True),
        sa.Column("recorded_at", _TIME, nullable=False),
    )
    op.create_index("ix_cross_chain_trades_asset", "cross_chain_trades", ["asset"])
    op.create_index("ix_cross_chain_trades_status", "cross_chain_trades", ["status"])
    op.create_index("ix_cross_chain_trades_detected_at", "cross_chain_trades", ["detected_at"])
    op.create_table(
        "cross_chain_legs",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column(
            "trade_id",
            sa.String(64),
            sa.ForeignKey(
                "cross_chain_trades.id", name="fk_cross_chain_legs_trade_id_cross_chain_trades"
            ),
            nullable=False,
        ),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("chain", sa.String(32), nullable=False),
        sa.Column("token_in", sa.String(42), nullable=False),
        sa.Column("token_out", sa.String(42), nullable=False),
        _amount("amount_in"),
        _amount("min_out"),
        _amount("predicted_out"),
        _amount("realized_out", nullable=True),
        sa.Column("tx_hash", sa.String(66), nullable=True),
        sa.Column("block_number", sa.BigInteger, nullable=True),
        sa.Column("gas_used", sa.BigInteger, nullable=True),
        _amount("fee_wei", nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("sent_at", _TIME, nullable=True),
        sa.Column("settled_at", _TIME, nullable=True),
    )
    op.create_index("ix_cross_chain_legs_trade_id", "cross_chain_legs", ["trade_id"])
    op.create_table(
        "exposures",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column(
            "trade_id",
            sa.String(64),
            sa.ForeignKey("cross_chain_trades.id", name="fk_exposures_trade_id_cross_chain_trades"),
            nullable=False,
        ),
        sa.Column("chain", sa.String(32), nullable=False),
        sa.Column("asset", sa.String(32), nullable=False),
        sa.Column("token", sa.String(42), nullable=False),
        sa.Column("side", sa.String(8), nullable=False),
        _amount("amount"),
        sa.Column("usd_at_open", sa.Float, nullable=False),
        sa.Column("policy", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("unwind_leg_id", sa.String(80), nullable=True),
        sa.Column("realized_usd", sa.Float, nullable=True),
        sa.Column("opened_at", _TIME, nullable=False),
        sa.Column("closed_at", _TIME, nullable=True),
    )
    op.create_index("ix_exposures_trade_id", "exposures", ["trade_id"])
    op.create_index("ix_exposures_status", "exposures", ["status"])
    op.create_table(
        "bridge_transfers",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("bridge", sa.String(32), nullable=False),
        sa.Column("src_chain", sa.String(32), nullable=False),
        sa.Column("dst_chain", sa.String(32), nullable=False),
        sa.Column("asset", sa.String(32), nullable=False),
        sa.Column("token_in", sa.String(42), nullable=False),
        sa.Column("token_out", sa.String(42), nullable=False),
        sa.Column("sender", sa.String(42), nullable=False),
        sa.Column("recipient", sa.String(42), nullable=False),
        _amount("amount_in"),
        _amount("amount_out_expected"),
        _amount("amount_received", nullable=True),
        sa.Column("fee_usd", sa.Float, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("src_txs", _JSON, nullable=False),
        sa.Column("deposit_tx_hash", sa.String(66), nullable=True),
        sa.Column("deposit_id", sa.String(80), nullable=True),
        sa.Column("deposit_block", sa.BigInteger, nullable=True),
        sa.Column("arrival_tx_hash", sa.String(66), nullable=True),
        sa.Column("arrival_block", sa.BigInteger, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("deadline_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.Column("arrived_at", _TIME, nullable=True),
    )
    op.create_index("ix_bridge_transfers_status", "bridge_transfers", ["status"])
    op.create_index("ix_bridge_transfers_created_at", "bridge_transfers", ["created_at"])


def downgrade() -> None:
    op.drop_table("bridge_transfers")
    op.drop_table("exposures")
    op.drop_table("cross_chain_legs")
    op.drop_table("cross_chain_trades")
