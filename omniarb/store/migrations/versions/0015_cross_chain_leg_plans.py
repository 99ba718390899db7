"""What each cross-chain leg was planned on: the block its prediction priced, its route's pools,
and the fee the detector priced it at.

Revision ID: 0015_cross_chain_leg_plans
Revises: 0014_fencing_tokens
Create Date: 2026-12-07

A leg's realized output equals its prediction exactly when no other transaction moved its pools
after `priced_block`; with the pools and that block in the row, anyone can check so from the
chain's receipts. `planned_fee_wei` and `planned_fee_usd` fix the native coin's USD price the
trade's PnL is valued at (`omniarb.crosschain.prices`), so the realized PnL can be recomputed
from the two receipts. Rows written before this revision leave them NULL.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0015_cross_chain_leg_plans"
down_revision: str | Sequence[str] | None = "0014_fencing_tokens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(JSONB(), "postgresql")
_AMOUNT = sa.String(79).with_variant(sa.Numeric(78, 0), "postgresql")


def upgrade() -> None:
    # Batch mode, as 0003 does: SQLite can add a column in place but not drop one (downgrade).
    with op.batch_alter_table("cross_chain_legs") as batch:
        batch.add_column(sa.Column("priced_block", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("pools", _JSON, nullable=True))
        batch.add_column(sa.Column("planned_fee_wei", _AMOUNT, nullable=True))
        batch.add_column(sa.Column("planned_fee_usd", sa.Float, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cross_chain_legs") as batch:
        for name in ("planned_fee_usd", "planned_fee_wei", "pools", "priced_block"):
            batch.drop_column(name)
