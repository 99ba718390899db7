"""API tokens with scopes, stored hashed.

Revision ID: 0012_api_tokens
Revises: 0011_audit_log
Create Date: 2026-12-06

One row per token (`omniarb tokens create`): its public id, name, scope (read, control, admin),
the SHA-256 of the token (never the token), and when it was created, last used and revoked.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_api_tokens"
down_revision: str | Sequence[str] | None = "0011_audit_log"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("revoked_at", _TIME, nullable=True),
        sa.Column("last_used_at", _TIME, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("api_tokens")
