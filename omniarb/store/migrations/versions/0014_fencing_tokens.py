"""The signer lease's fencing token with each submission claim.

Revision ID: 0014_fencing_tokens
Revises: 0013_cross_chain
Create Date: 2026-12-07

A worker of the scaled-out roles claims a submission only after checking its signer lease
(`omniarb.cluster.fence`), and the claim keeps the fencing token it was checked against: the
history shows which lease term sent each transaction, and the largest stored token of a chain is
the floor a new lease's token must exceed when Redis lost its counter. Claims made by a single
process (no lease) leave it NULL.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_fencing_tokens"
down_revision: str | Sequence[str] | None = "0013_cross_chain"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Batch mode, as 0003 does: SQLite can add a column in place but not drop one (downgrade).
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("fencing_token", sa.BigInteger, nullable=True))
    op.create_index(
        "ix_submissions_chain_id_fencing_token", "submissions", ["chain_id", "fencing_token"]
    )


def downgrade() -> None:
    op.drop_index("ix_submissions_chain_id_fencing_token", table_name="submissions")
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("fencing_token")
