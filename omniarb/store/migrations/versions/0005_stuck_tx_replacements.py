"""Replacements of stuck transactions (re-price, cancel, gap fill); claims name what was sent.

Revision ID: 0005_stuck_tx
Revises: 0004_reorg_books
Create Date: 2026-12-06

Types are spelled out here rather than imported from the models, so this revision keeps
creating the same schema whatever the models become; a test checks that head matches them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_stuck_tx"
down_revision: str | Sequence[str] | None = "0004_reorg_books"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Exact integers up to 2**256: NUMERIC(78,0) on PostgreSQL, the decimal string on SQLite.
_AMOUNT = sa.String(79).with_variant(sa.Numeric(78, 0), "postgresql")
_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "replacements",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("chain", sa.String(32), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("nonce", sa.BigInteger(), nullable=False),
        sa.Column("original_tx_hash", sa.String(66), nullable=True),
        sa.Column("replaced_tx_hash", sa.String(66), nullable=True),
        sa.Column("new_tx_hash", sa.String(66), nullable=False),
        sa.Column("old_max_fee_per_gas_wei", _AMOUNT, nullable=False),
        sa.Column("old_priority_fee_wei", _AMOUNT, nullable=False),
        sa.Column("new_max_fee_per_gas_wei", _AMOUNT, nullable=False),
        sa.Column("new_priority_fee_wei", _AMOUNT, nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("replaced_at", _TIME, nullable=False),
        sa.Column("recorded_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_replacements")),
    )
    op.create_index(op.f("ix_replacements_key"), "replacements", ["key"])
    op.create_index(op.f("ix_replacements_original_tx_hash"), "replacements", ["original_tx_hash"])

    # The claim names the signed transaction (written before the send): a restart finds what a
    # killed run sent even when its execution row was never written.
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("chain_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("tx_hash", sa.String(66), nullable=True))
        batch.add_column(sa.Column("nonce", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        for column in ("nonce", "tx_hash", "chain_id"):
            batch.drop_column(column)
    # Dropping a table drops its indexes.
    op.drop_table("replacements")
