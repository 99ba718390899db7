"""The append-only audit log: who did what security-relevant thing, when, and how it ended.

Key management (created, authorized, rotated, retired), custody (treasury sweeps, Safe
transactions) and every control call of the API write one `AuditEntry`. The table refuses
UPDATE and DELETE (migration 0011), so the log can only grow. `details` is free-form JSON for the
action's figures (addresses, amounts, transaction hashes); it must never hold a secret, and
`append_audit` refuses a value that looks like a private key.

    append_audit(engine, AuditEntry.now(actor="cli", action="key.rotate", chain="ethereum",
                                        subject=new_address, outcome="ok", details={...}))
    for entry in load_audit(session, action="key.rotate"): ...
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from omniarb.store.engine import begin_write, database_errors
from omniarb.store.models import AuditRow

__all__ = ["AuditEntry", "AuditOutcome", "append_audit", "load_audit"]

AuditOutcome = Literal["ok", "failed", "denied"]

# 64 hex digits standing alone: the shape of a secp256k1 private key. A transaction or block
# hash has the same shape, so details name hashes under keys ending in "hash" or "_tx", which
# are exempt; anything else of that shape is refused rather than risk storing a key.
_KEY_SHAPE = re.compile(r"(?<![0-9a-fA-F])(0x)?[0-9a-fA-F]{64}(?![0-9a-fA-F])")
_HASH_KEYS = ("hash", "_tx", "tx", "safe_tx_hash", "digest")


def _check_no_secret(details: dict[str, Any]) -> None:
    for key, value in details.items():
        if key.endswith(_HASH_KEYS):
            continue
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        if _KEY_SHAPE.search(text):
            raise ValueError(
                f"audit detail {key!r} holds a 32-byte hex value; name hashes with a key ending "
                "in 'hash' or '_tx' (the value is not shown)"
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEntry:
    """One audited action. `id` is None until it is stored."""

    at: datetime
    actor: str
    action: str
    subject: str
    outcome: AuditOutcome
    chain: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    id: int | None = None

    @classmethod
    def now(
        cls,
        *,
        actor: str,
        action: str,
        subject: str,
        outcome: AuditOutcome = "ok",
        chain: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> AuditEntry:
        return cls(
            at=datetime.now(UTC),
            actor=actor,
            action=action,
            subject=subject,
            outcome=outcome,
            chain=chain,
            details=dict(details or {}),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "chain": self.chain,
            "subject": self.subject,
            "outcome": self.outcome,
            "details": self.details,
        }


def append_audit(engine: Engine, entry: AuditEntry) -> int:
    """Store `entry` in its own committed transaction and return its id."""
    _check_no_secret(entry.details)
    values = {
        "at": entry.at,
        "actor": entry.actor[:120],
        "action": entry.action[:64],
        "chain": entry.chain,
        "subject": entry.subject[:200],
        "outcome": entry.outcome,
        "details": entry.details,
    }
    with database_errors(engine.url, "writing the audit log"), begin_write(engine) as connection:
        new_id = connection.execute(insert(AuditRow).values(values).returning(AuditRow.id))
        return int(new_id.scalar_one())


def load_audit(
    session: Session,
    *,
    action: str | None = None,
    chain: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """The newest `limit` entries, optionally of one action (or action prefix ending in '.'),
    one chain, and at or after `since`."""
    stmt = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
    if action is not None:
        if action.endswith("."):
            stmt = stmt.where(AuditRow.action.startswith(action))
        else:
            stmt = stmt.where(AuditRow.action == action)
    if chain is not None:
        stmt = stmt.where(AuditRow.chain == chain)
    if since is not None:
        stmt = stmt.where(AuditRow.at >= since)
    return [
        AuditEntry(
            id=row.id,
            at=row.at,
            actor=row.actor,
            action=row.action,
            chain=row.chain,
            subject=row.subject,
            outcome=row.outcome,  # type: ignore[arg-type]
            details=row.details,
        )
        for row in session.scalars(stmt)
    ]
