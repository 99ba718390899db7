"""The history database as the last fence: a claim made with a signer lease's fencing token is
refused when the chain's claims already store a larger one.

The lease's own check (`omniarb.cluster.lease.SignerLease.check`) is a round trip to Redis
before the claim; a worker frozen between that check and its claim's insert would otherwise
write with a token another worker has since replaced. Here the comparison and the insert are
one transaction, serialized per chain: on PostgreSQL by a transaction-scoped advisory lock on
the chain id (a session that sits idle in that transaction for 1 s, a frozen process, is ended
by the server, releasing it), on SQLite by the write lock every claim takes (`BEGIN IMMEDIATE`).
"""

from __future__ import annotations

from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import Connection

from omniarb.errors import StaleLeaseError
from omniarb.store.models import SubmissionRow

__all__ = ["refuse_stale_token"]

_SUBMISSIONS: Table = SubmissionRow.__table__  # type: ignore[assignment]
# The first half of the advisory lock's two-int key: "omni" (the second is the chain id), so
# the lock shares no key with any other user of advisory locks on the database.
_LOCK_NAMESPACE = 0x6F6D6E69
# A fenced claim's transaction is a few statements (milliseconds); one idle in the middle for
# this long belongs to a frozen process, whose lock must not hold the chain's claims up.
_IDLE_MS = 1000


def refuse_stale_token(
    connection: Connection, *, chain_id: int | None, fencing_token: int, key: str
) -> None:
    """Within the claim's write transaction: `StaleLeaseError` when a claim of `chain_id`
    stores a token larger than `fencing_token`."""
    if connection.dialect.name == "postgresql":
        # A worker frozen inside this transaction would hold the chain's lock, and so block
        # the worker that took its lease over: PostgreSQL ends such a session instead.
        connection.execute(text(f"SET LOCAL idle_in_transaction_session_timeout = {_IDLE_MS}"))
        # Held until the claim commits: the next fenced claim of the chain sees this one.
        lock_id = (chain_id or 0) % 2**31
        connection.execute(select(func.pg_advisory_xact_lock(_LOCK_NAMESPACE, lock_id)))
    newest = connection.execute(
        select(func.max(_SUBMISSIONS.c.fencing_token)).where(_SUBMISSIONS.c.chain_id == chain_id)
    ).scalar()
    if newest is not None and newest > fencing_token:
        raise StaleLeaseError(
            f"claim {key} refused: its fencing token {fencing_token} is older than the "
            f"newest stored for chain {chain_id}, {newest}",
            ours=fencing_token,
            newest=int(newest),
        )
