"""The optimizer's parameter changes, with their measured effects.

Revision ID: 0010_param_changes
Revises: 0009_decision_features
Create Date: 2026-12-06

One row per change of one tuned parameter of one chain (`omniarb.optimize`): old and new
value as decimal text, the reason, the baseline reward before it, and once measured its effect
and whether it was reverted. Types are spelled out here rather than imported from the models,
so this revision keeps creating the same schema whatever the models become.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_param_changes"
down_revision: str | Sequence[str] | None = "0009_decision_features"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "param_changes",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("chain", sa.String(32), nullable=False),
        sa.Column("param", sa.String(32), nullable=False),
        sa.Column("old_value", sa.String(80), nullable=False),
        sa.Column("new_value", sa.String(80), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("baseline_reward_usd", sa.Float(), nullable=False),
        sa.Column("baseline_samples", sa.Integer(), nullable=False),
        sa.Column("changed_at", _TIME, nullable=False),
        sa.Column("effect_reward_usd", sa.Float(), nullable=True),
        sa.Column("effect_samples", sa.Integer(), nullable=False),
        sa.Column("evaluated_at", _TIME, nullable=True),
        sa.Column("reverted", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", _TIME, nullable=False),
    )
    op.create_index("ix_param_changes_chain", "param_changes", ["chain"])
    op.create_index("ix_param_changes_changed_at", "param_changes", ["changed_at"])


def downgrade() -> None:
    op.drop_index("ix_param_changes_changed_at", table_name="param_changes")
    op.drop_index("ix_param_changes_chain", table_name="param_changes")
    op.drop_table("param_changes")
