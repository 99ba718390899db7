"""Each trade's submission channel, its bundle's hash, and the bribe it paid.

Revision ID: 0007_submission_records
Revises: 0006_stage_times
Create Date: 2026-12-06

`executions.channel` is `public`, `bundle` or `sequencer`; `executions.bundle_hash` the relay's
hash of the bundle a trade went in (NULL otherwise). Rows written before this revision hold
NULL for both: how they were sent was not recorded. `outcomes.bribe_wei` is the bribe paid to
the block's builder (native coin); earlier rows get 0, as no trade paid one before. Types are
spelled out here rather than imported from the models, so this revision keeps creating the same
schema whatever the models become; a test checks that head matches them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_submission_records"
down_revision: str | Sequence[str] | None = "0006_stage_times"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AMOUNT = sa.String(79).with_variant(sa.Numeric(78, 0), "postgresql")


# Plain ALTER TABLE, not a batch: a batch copies the table on SQLite, which the outcomes'
# foreign keys forbid once trades are stored (SQLite drops a column in place since 3.35).


def upgrade() -> None:
    op.add_column("executions", sa.Column("channel", sa.String(16), nullable=True))
    op.add_column("executions", sa.Column("bundle_hash", sa.String(66), nullable=True))
    op.add_column("outcomes", sa.Column("bribe_wei", _AMOUNT, nullable=False, server_default="0"))


def downgrade() -> None:
    op.drop_column("outcomes", "bribe_wei")
    op.drop_column("executions", "bundle_hash")
    op.drop_column("executions", "channel")
