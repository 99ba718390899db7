"""A sent trade's live-path stamps: each stamp in ns since its block's notification.

Revision ID: 0006_stage_times
Revises: 0005_stuck_tx
Create Date: 2026-12-06

A JSON object per execution (`StageTimes.offsets_ns()`: stamp name → ns, null where not
stamped); rows written before this revision hold NULL, read as no stage times. Types are
spelled out here rather than imported from the models, so this revision keeps creating the same
schema whatever the models become; a test checks that head matches them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006_stage_times"
down_revision: str | Sequence[str] | None = "0005_stuck_tx"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


# Plain ALTER TABLE, not a batch: a batch copies the table on SQLite, which its outcomes'
# foreign keys forbid once trades are stored (SQLite drops a column in place since 3.35).


def upgrade() -> None:
    op.add_column("executions", sa.Column("stage_offsets_ns", _JSON, nullable=True))


def downgrade() -> None:
    op.drop_column("executions", "stage_offsets_ns")
