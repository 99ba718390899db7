"""History tables: opportunities, decisions, executions, outcomes, submissions, tokens.

Revision ID: 0001
Revises:
Create Date: 2026-11-27

Types are spelled out here rather than imported from the models, so this revision keeps
creating the same schema whatever the models become; a test checks that head matches them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Exact integers up to 2**256: NUMERIC(78,0) on PostgreSQL, the decimal string on SQLite.
_AMOUNT = sa.String(79).with_variant(sa.Numeric(78, 0), "postgresql")
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_TIME = sa.DateTime(timezone=True)


def _amount(name: str) -> sa.Column[str]:
    return sa.Column(name, _AMOUNT, nullable=False)


def _chain() -> tuple[sa.Column[int], sa.Column[str]]:
    return (
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("chain", sa.String(32), nullable=False),
    )


def _fk(column: str, table: str, owner: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{table}.id"], name=op.f(f"fk_{owner}_{column}_{table}")
    )


def upgrade() -> None:
    op.create_table(
        "opportunities",
        sa.Column("id", sa.Text(), nullable=False),
        *_chain(),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("trigger_tx", sa.String(66), nullable=True),
        sa.Column("route", _JSON, nullable=False),
        sa.Column("profit_token", sa.String(42), nullable=False),
        _amount("amount_in"),
        _amount("amount_out"),
        _amount("predicted_profit"),
        _amount("net_profit"),
        sa.Column("net_profit_usd", sa.Float(), nullable=False),
        sa.Column("gas_estimate", sa.BigInteger(), nullable=False),
        _amount("gas_price_wei"),
        _amount("gas_cost_wei"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("stage", sa.SmallInteger(), nullable=False),
        sa.Column("detected_ns", sa.BigInteger(), nullable=False),
        sa.Column("recorded_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunities")),
    )
    op.create_index(
        op.f("ix_opportunities_chain_id_block_number"),
        "opportunities",
        ["chain_id", "block_number"],
    )

    op.create_table(
        "decisions",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("opportunity_id", sa.Text(), nullable=False),
        *_chain(),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("reasons", _JSON, nullable=False),
        _amount("amount_in"),
        _amount("predicted_profit"),
        _amount("min_profit"),
        sa.Column("gas_estimate", sa.BigInteger(), nullable=False),
        sa.Column("p_success", sa.Float(), nullable=False),
        sa.Column("expected_value_usd", sa.Float(), nullable=False),
        _amount("bribe_wei"),
        sa.Column("flash_source", sa.Text(), nullable=False),
        sa.Column("decided_ns", sa.BigInteger(), nullable=False),
        sa.Column("recorded_at", _TIME, nullable=False),
        _fk("opportunity_id", "opportunities", "decisions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    op.create_index(op.f("ix_decisions_opportunity_id"), "decisions", ["opportunity_id"])

    op.create_table(
        "executions",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("opportunity_id", sa.Text(), nullable=False),
        sa.Column("decision_id", sa.Text(), nullable=False),
        *_chain(),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=True),
        sa.Column("nonce", sa.BigInteger(), nullable=True),
        _amount("amount_in"),
        _amount("predicted_profit"),
        _amount("min_profit"),
        sa.Column("flash_source", sa.Text(), nullable=False),
        sa.Column("gas_estimate", sa.BigInteger(), nullable=False),
        _amount("max_fee_per_gas_wei"),
        _amount("priority_fee_wei"),
        _amount("bribe_wei"),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("submitted_ns", sa.BigInteger(), nullable=False),
        sa.Column("detect_to_submit_ms", sa.Float(), nullable=True),
        sa.Column("recorded_at", _TIME, nullable=False),
        _fk("decision_id", "decisions", "executions"),
        _fk("opportunity_id", "opportunities", "executions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_executions")),
    )
    for column in ("decision_id", "opportunity_id", "recorded_at", "tx_hash"):
        op.create_index(op.f(f"ix_executions_{column}"), "executions", [column])

    op.create_table(
        "outcomes",
        sa.Column("execution_id", sa.Text(), nullable=False),
        sa.Column("opportunity_id", sa.Text(), nullable=False),
        *_chain(),
        sa.Column("block_number", sa.BigInteger(), nullable=True),
        sa.Column("tx_hash", sa.String(66), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("included", sa.Boolean(), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        _amount("amount_in"),
        _amount("predicted_profit"),
        _amount("realized_profit"),
        sa.Column("gas_estimate", sa.BigInteger(), nullable=False),
        sa.Column("gas_used", sa.BigInteger(), nullable=False),
        _amount("effective_gas_price_wei"),
        _amount("gas_cost_wei"),
        sa.Column("net_profit_usd", sa.Float(), nullable=True),
        sa.Column("touched_earlier_in_block", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("confirmed_ns", sa.BigInteger(), nullable=False),
        sa.Column("submit_to_confirm_ms", sa.Float(), nullable=True),
        sa.Column("detect_to_confirm_ms", sa.Float(), nullable=True),
        sa.Column("recorded_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["execution_id"], ["executions.id"], name=op.f("fk_outcomes_execution_id_executions")
        ),
        _fk("opportunity_id", "opportunities", "outcomes"),
        sa.PrimaryKeyConstraint("execution_id", name=op.f("pk_outcomes")),
    )
    op.create_index(op.f("ix_outcomes_opportunity_id"), "outcomes", ["opportunity_id"])

    op.create_table(
        "submissions",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("claimed_at", _TIME, nullable=False),
        sa.Column("claimed_by", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_submissions")),
    )

    op.create_table(
        "tokens",
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("address", sa.String(42), nullable=False),
        sa.Column("chain", sa.String(32), nullable=False),
        sa.Column("symbol", sa.Text(), nullable=False),
        sa.Column("decimals", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("chain_id", "address", name=op.f("pk_tokens")),
    )


def downgrade() -> None:
    # Children before parents; dropping a table drops its indexes.
    for table in ("tokens", "submissions", "outcomes", "executions", "decisions", "opportunities"):
        op.drop_table(table)
