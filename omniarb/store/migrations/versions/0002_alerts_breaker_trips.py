"""Alerts and circuit-breaker trips.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28

Types are spelled out here rather than imported from the models, so this revision keeps
creating the same schema whatever the models become; a test checks that head matches them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("rule", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("chain", sa.String(32), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column("suppressed", sa.String(16), nullable=True),
        sa.Column("fired_at", _TIME, nullable=False),
        sa.Column("recorded_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    op.create_index(op.f("ix_alerts_fired_at"), "alerts", ["fired_at"])

    op.create_table(
        "breaker_trips",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("scope", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("loss_usd", sa.Float(), nullable=False),
        sa.Column("tripped_at", _TIME, nullable=False),
        sa.Column("tripped_by", sa.String(64), nullable=False),
        sa.Column("reset_at", _TIME, nullable=True),
        sa.Column("reset_by", sa.String(64), nullable=True),
        sa.Column("recorded_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_breaker_trips")),
    )
    op.create_index(op.f("ix_breaker_trips_tripped_at"), "breaker_trips", ["tripped_at"])


def downgrade() -> None:
    # Dropping a table drops its indexes.
    for table in ("breaker_trips", "alerts"):
        op.drop_table(table)
