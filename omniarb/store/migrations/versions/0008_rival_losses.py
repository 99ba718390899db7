"""Trades lost to a rival: the flag and the rival's transaction.

Revision ID: 0008_rival_losses
Revises: 0007_submission_records
Create Date: 2026-12-06

`outcomes.lost_to_rival` is true when the trade reverted (or, a bundle, never landed) after
another searcher's arbitrage took its gap first (`omniarb.track.rival_loss`), and
`outcomes.rival_tx_hash` that transaction's hash. Rows written before this revision get false
and NULL: nobody looked. Types are spelled out here rather than imported from the models, so
this revision keeps creating the same schema whatever the models become.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_rival_losses"
down_revision: str | Sequence[str] | None = "0007_submission_records"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE, not a batch, as in 0007: the outcomes' foreign keys forbid SQLite's copy.


def upgrade() -> None:
    op.add_column(
        "outcomes",
        sa.Column("lost_to_rival", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("outcomes", sa.Column("rival_tx_hash", sa.String(66), nullable=True))


def downgrade() -> None:
    op.drop_column("outcomes", "rival_tx_hash")
    op.drop_column("outcomes", "lost_to_rival")
