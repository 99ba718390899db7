"""The signing address with each submission claim.

Revision ID: 0016_claim_senders
Revises: 0015_cross_chain_leg_plans
Create Date: 2026-12-07

A claim names the signed transaction about to be sent (hash and nonce); a worker that settles a
claim its predecessor left, and finds the transaction unknown to the node, spends the claim's
nonce with a cancel (`omniarb.reconcile`) so that a predecessor resumed mid-send cannot land it
later. That needs the key the nonce belongs to: a chain's pool may hold several. Claims made
before this revision leave it NULL (read as the chain's primary key).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_claim_senders"
down_revision: str | Sequence[str] | None = "0015_cross_chain_leg_plans"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Batch mode, as 0014 does: SQLite can add a column in place but not drop one (downgrade).
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("sender", sa.String(42), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("sender")
