"""Outcomes carry the block hash their receipt was read from and whether they are final.

Revision ID: 0004_reorg_books
Revises: 0003_l2_fees
Create Date: 2026-12-06

A reorg can rewrite an outcome until its block is the chain's confirmation depth deep
(`omniarb.track.finality`); `final` says it no longer can. Rows written before this revision
read as not final (nothing checked them).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_reorg_books"
down_revision: str | Sequence[str] | None = "0003_l2_fees"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outcomes") as batch:
        batch.add_column(sa.Column("block_hash", sa.String(66), nullable=True))
        batch.add_column(
            sa.Column("final", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("outcomes") as batch:
        batch.drop_column("final")
        batch.drop_column("block_hash")
