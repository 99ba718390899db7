"""The L1 data fee each trade paid on an L2.

Revision ID: 0003_l2_fees
Revises: 0002
Create Date: 2026-12-06

Existing rows were recorded before the L1 fee was read: they get 0 (what was known of it).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_l2_fees"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AMOUNT = sa.String(79).with_variant(sa.Numeric(78, 0), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("outcomes") as batch:
        batch.add_column(sa.Column("l1_fee_wei", _AMOUNT, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("outcomes") as batch:
        batch.drop_column("l1_fee_wei")
