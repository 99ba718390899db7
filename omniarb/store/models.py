"""The history tables as SQLAlchemy 2.0 declarative models (one class per table).

Every pipeline record (opportunity, decision, execution, outcome) has its own table so each stage
can be queried alone; each row repeats the chain (id and name), block, amount in, predicted profit,
gas and status, so a question about one stage needs no join. The route, which does not change
along the pipeline, lives once on the opportunity. Row ids are deterministic strings derived from
the detector's opportunity id, which makes every write idempotent: a record written twice (a
retried batch, a restarted bot) is one row.

Amounts are integers up to 2**256 stored exactly: `NUMERIC(78,0)` on PostgreSQL and a decimal
string on SQLite (whose numbers are 64-bit or floating point). The migrations in
`omniarb/store/migrations/versions` create the same schema; a test compares the two.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Text,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = [
    "AMOUNT_DIGITS",
    "JSON_COLUMN",
    "AlertRow",
    "Amount",
    "Base",
    "BreakerTripRow",
    "DecisionRow",
    "ExecutionRow",
    "OpportunityRow",
    "OutcomeRow",
    "ParamChangeRow",
    "ReplacementRow",
    "SubmissionRow",
    "TokenRow",
    "UtcDateTime",
]

# 2**256 - 1 has 78 decimal digits; a sign makes 79 characters on SQLite.
AMOUNT_DIGITS = 78

# Constraint names are explicit so later migrations can drop or alter them on both backends.
_NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Amount(TypeDecorator[int]):
    """A Python int of up to 78 decimal digits, stored exactly on every backend.

    PostgreSQL gets `NUMERIC(78,0)` (so SQL can sum it); SQLite gets the decimal string, because
    its INTEGER is 64-bit and its NUMERIC falls back to a lossy float past that.
    """

    impl = String(AMOUNT_DIGITS + 1)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(AMOUNT_DIGITS, 0))
        return dialect.type_descriptor(String(AMOUNT_DIGITS + 1))

    def process_bind_param(self, value: int | None, dialect: Dialect) -> str | Decimal | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"an amount must be an int, not {type(value).__name__}")
        # Decimal(int) is exact whatever the decimal context's precision.
        return Decimal(value) if dialect.name == "postgresql" else str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> int | None:
        return None if value is None else int(value)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on both backends (SQLite keeps no zone: we restore UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("a naive datetime is ambiguous; pass one with tzinfo")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# JSONB on PostgreSQL (indexable, compact); plain JSON text elsewhere.
_JSON = JSON().with_variant(JSONB(), "postgresql")
# The JSON column type of every table (JSONB on PostgreSQL), for the models kept in other modules.
JSON_COLUMN = _JSON


class Base(DeclarativeBase):
    """The declarative base of the history schema."""

    metadata = MetaData(naming_convention=_NAMING)


class OpportunityRow(Base):
    """A sized, priced arbitrage as the detector found it; `status` follows it down the pipeline.

    `stage` orders the statuses (0 detected, 1 decided, 2 executed, 3 settled) so a late record
    of an earlier stage never moves the status backwards.
    """

    __tablename__ = "opportunities"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    chain: Mapped[str] = mapped_column(String(32))
    block_number: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(16))
    trigger_tx: Mapped[str | None] = mapped_column(String(66))
    route: Mapped[list[dict[str, Any]]] = mapped_column(_JSON)
    profit_token: Mapped[str] = mapped_column(String(42))
    amount_in: Mapped[int] = mapped_column(Amount)
    amount_out: Mapped[int] = mapped_column(Amount)
    predicted_profit: Mapped[int] = mapped_column(Amount)
    net_profit: Mapped[int] = mapped_column(Amount)
    net_profit_usd: Mapped[float] = mapped_column(Float)
    gas_estimate: Mapped[int] = mapped_column(BigInteger)
    gas_price_wei: Mapped[int] = mapped_column(Amount)
    gas_cost_wei: Mapped[int] = mapped_column(Amount)
    status: Mapped[str] = mapped_column(String(16))
    stage: Mapped[int] = mapped_column(SmallInteger)
    detected_ns: Mapped[int] = mapped_column(BigInteger)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index(None, "chain_id", "block_number"),)


class DecisionRow(Base):
    """What risk, score and allocate made of an opportunity, with the reasons."""

    __tablename__ = "decisions"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    opportunity_id: Mapped[str] = mapped_column(ForeignKey("opportunities.id"), index=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    chain: Mapped[str] = mapped_column(String(32))
    block_number: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    approved: Mapped[bool] = mapped_column(Boolean)
    reasons: Mapped[list[str]] = mapped_column(_JSON)
    amount_in: Mapped[int] = mapped_column(Amount)
    predicted_profit: Mapped[int] = mapped_column(Amount)
    min_profit: Mapped[int] = mapped_column(Amount)
    gas_estimate: Mapped[int] = mapped_column(BigInteger)
    p_success: Mapped[float] = mapped_column(Float)
    expected_value_usd: Mapped[float] = mapped_column(Float)
    bribe_wei: Mapped[int] = mapped_column(Amount)
    flash_source: Mapped[str] = mapped_column(Text)
    decided_ns: Mapped[int] = mapped_column(BigInteger)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The score stage's inputs (`omniarb.score.features`): what training learns from. NULL
    # before revision 0009 and for a decision that never reached the score stage.
    features: Mapped[list[float] | None] = mapped_column(_JSON)
    feature_version: Mapped[int | None] = mapped_column(Integer)


class ExecutionRow(Base):
    """One attempt to trade a decision: simulated, submitted, refused by pre-check, or failed."""

    __tablename__ = "executions"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    opportunity_id: Mapped[str] = mapped_column(ForeignKey("opportunities.id"), index=True)
    decision_id: Mapped[str] = mapped_column(ForeignKey("decisions.id"), index=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    chain: Mapped[str] = mapped_column(String(32))
    block_number: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    tx_hash: Mapped[str | None] = mapped_column(String(66), index=True)
    nonce: Mapped[int | None] = mapped_column(BigInteger)
    amount_in: Mapped[int] = mapped_column(Amount)
    predicted_profit: Mapped[int] = mapped_column(Amount)
    min_profit: Mapped[int] = mapped_column(Amount)
    flash_source: Mapped[str] = mapped_column(Text)
    gas_estimate: Mapped[int] = mapped_column(BigInteger)
    max_fee_per_gas_wei: Mapped[int] = mapped_column(Amount)
    priority_fee_wei: Mapped[int] = mapped_column(Amount)
    bribe_wei: Mapped[int] = mapped_column(Amount)
    error: Mapped[str | None] = mapped_column(Text)
    submitted_ns: Mapped[int] = mapped_column(BigInteger)
    detect_to_submit_ms: Mapped[float | None] = mapped_column(Float)
    # The live path's stamps, ns since the block's notification (`StageTimes.offsets_ns`);
    # None for a row written before revision 0006 or an execution never stamped.
    stage_offsets_ns: Mapped[dict[str, int | None] | None] = mapped_column(_JSON)
    # `public`, `bundle` or `sequencer`, and the relay's bundle hash for a bundle; None for a
    # row written before revision 0007.
    channel: Mapped[str | None] = mapped_column(String(16))
    bundle_hash: Mapped[str | None] = mapped_column(String(66))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class OutcomeRow(Base):
    """The chain's verdict on an execution, from its receipt; one per execution.

    `realized_profit` is in base units of the profit token (the route's start token), before
    gas; `gas_cost_wei` (L2 execution gas), `l1_fee_wei` (an L2's L1 data fee, 0 on an L1) and
    `bribe_wei` (paid to the builder) are in the native coin.
    """

    __tablename__ = "outcomes"

    execution_id: Mapped[str] = mapped_column(ForeignKey("executions.id"), primary_key=True)
    opportunity_id: Mapped[str] = mapped_column(ForeignKey("opportunities.id"), index=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    chain: Mapped[str] = mapped_column(String(32))
    block_number: Mapped[int | None] = mapped_column(BigInteger)
    tx_hash: Mapped[str | None] = mapped_column(String(66))
    status: Mapped[str] = mapped_column(String(16))
    included: Mapped[bool] = mapped_column(Boolean)
    success: Mapped[bool] = mapped_column(Boolean)
    amount_in: Mapped[int] = mapped_column(Amount)
    predicted_profit: Mapped[int] = mapped_column(Amount)
    realized_profit: Mapped[int] = mapped_column(Amount)
    gas_estimate: Mapped[int] = mapped_column(BigInteger)
    gas_used: Mapped[int] = mapped_column(BigInteger)
    effective_gas_price_wei: Mapped[int] = mapped_column(Amount)
    gas_cost_wei: Mapped[int] = mapped_column(Amount)
    l1_fee_wei: Mapped[int] = mapped_column(Amount, server_default="0")
    # The bribe paid to the block's builder, in the native coin (0 before revision 0007).
    bribe_wei: Mapped[int] = mapped_column(Amount, server_default="0")
    net_profit_usd: Mapped[float | None] = mapped_column(Float)
    touched_earlier_in_block: Mapped[bool] = mapped_column(Boolean)
    # Lost to a rival's arbitrage that ran first, and its transaction (revision 0008).
    lost_to_rival: Mapped[bool] = mapped_column(Boolean, server_default=false())
    rival_tx_hash: Mapped[str | None] = mapped_column(String(66))
    # The block the receipt was read from, and whether it is `confirmation_depth` deep: until
    # then a reorg may rewrite this row (`omniarb.track.finality`).
    block_hash: Mapped[str | None] = mapped_column(String(66))
    final: Mapped[bool] = mapped_column(Boolean, server_default=false())
    error: Mapped[str | None] = mapped_column(Text)
    confirmed_ns: Mapped[int] = mapped_column(BigInteger)
    submit_to_confirm_ms: Mapped[float | None] = mapped_column(Float)
    detect_to_confirm_ms: Mapped[float | None] = mapped_column(Float)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SubmissionRow(Base):
    """A claimed submission key: its row existing means "already sent, never again".

    The claim is made with the signed transaction's hash, nonce and chain, durably before the
    send, so a bot killed before its execution row was written still knows what it sent.
    """

    __tablename__ = "submissions"

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    claimed_by: Mapped[str] = mapped_column(String(128))
    chain_id: Mapped[int | None] = mapped_column(BigInteger)
    tx_hash: Mapped[str | None] = mapped_column(String(66))
    nonce: Mapped[int | None] = mapped_column(BigInteger)
    # The signer lease's fencing token the claim was checked against (`omniarb.cluster.fence`);
    # None in a single process, which holds no lease.
    fencing_token: Mapped[int | None] = mapped_column(BigInteger)
    # The key whose nonce it is (None before revision 0016: the chain's primary key).
    sender: Mapped[str | None] = mapped_column(String(42))

    # The largest token of a chain is a new lease's floor (`HistoryDatabase.max_fencing_token`).
    __table_args__ = (Index(None, "chain_id", "fencing_token"),)


class TokenRow(Base):
    """A token's symbol and decimals, so history can show routes and amounts readably."""

    __tablename__ = "tokens"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    address: Mapped[str] = mapped_column(String(42), primary_key=True)
    chain: Mapped[str] = mapped_column(String(32))
    symbol: Mapped[str] = mapped_column(Text)
    decimals: Mapped[int] = mapped_column(Integer)


class AlertRow(Base):
    """An alert a rule raised (duplicates are not rows); `suppressed` says why it was not sent."""

    __tablename__ = "alerts"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    rule: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(Text)
    chain: Mapped[str | None] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(Text)
    value: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[float | None] = mapped_column(Float)
    suppressed: Mapped[str | None] = mapped_column(String(16))
    fired_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class BreakerTripRow(Base):
    """A circuit-breaker trip; `reset_at`/`reset_by` are filled in when it is reset."""

    __tablename__ = "breaker_trips"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    scope: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer)
    loss_usd: Mapped[float] = mapped_column(Float)
    tripped_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    tripped_by: Mapped[str] = mapped_column(String(64))
    reset_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reset_by: Mapped[str | None] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ReplacementRow(Base):
    """A transaction sent at a nonce one of ours already used (a re-price or a cancel), or at a
    nonce lost in transit (a gap fill): what it replaced, its fees and why."""

    __tablename__ = "replacements"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    chain: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(Text, index=True)
    nonce: Mapped[int] = mapped_column(BigInteger)
    original_tx_hash: Mapped[str | None] = mapped_column(String(66), index=True)
    replaced_tx_hash: Mapped[str | None] = mapped_column(String(66))
    new_tx_hash: Mapped[str] = mapped_column(String(66))
    old_max_fee_per_gas_wei: Mapped[int] = mapped_column(Amount)
    old_priority_fee_wei: Mapped[int] = mapped_column(Amount)
    new_max_fee_per_gas_wei: Mapped[int] = mapped_column(Amount)
    new_priority_fee_wei: Mapped[int] = mapped_column(Amount)
    reason: Mapped[str] = mapped_column(String(16))
    block_number: Mapped[int] = mapped_column(BigInteger)
    replaced_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ParamChangeRow(Base):
    """One parameter change of the optimizer (`omniarb.optimize.ParamChange`): written when
    it is made, again when its effect is measured (kept or reverted)."""

    __tablename__ = "param_changes"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    chain: Mapped[str] = mapped_column(String(32), index=True)
    param: Mapped[str] = mapped_column(String(32))
    # Decimal text: a tip in wei passes what a float holds exactly.
    old_value: Mapped[str] = mapped_column(String(80))
    new_value: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(Text)
    baseline_reward_usd: Mapped[float] = mapped_column(Float)
    baseline_samples: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    effect_reward_usd: Mapped[float | None] = mapped_column(Float)
    effect_samples: Mapped[int] = mapped_column(Integer)
    evaluated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reverted: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AuditRow(Base):
    """One security-relevant action (`omniarb.store.audit.AuditEntry`): a key created, rotated
    or retired, an executor authorized, a treasury sweep, an API control call. Append-only: the
    migration installs triggers that refuse UPDATE and DELETE on this table."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(64), index=True)
    chain: Mapped[str | None] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(16))
    details: Mapped[dict[str, Any]] = mapped_column(_JSON)
