"""A submission claim made on the event loop's own thread, when SQLite lets it be made at once.

A claim sits between signing and sending, on the hot path. Handing it to a thread costs the
hand-over twice, and while the loop is busy each hand-over of the interpreter lock may wait a
whole switch interval (5 ms by default). On SQLite the claim itself is a few tens of
microseconds (one insert, a commit that appends to the WAL without an fsync: see
`omniarb.store.engine`), so `LoopClaims` makes it right here, through its own connection that
never waits for the write lock (`busy_timeout` 0) and never runs a checkpoint (the history
writer's connections do). When the lock is taken (the writer is committing a batch) or SQLite
refuses for any other reason, it answers None, and the caller makes the claim in its thread,
which waits for the lock and reports errors properly (`omniarb.store.claims`).
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Dialect

from omniarb.store._rows import Pending
from omniarb.store.models import SubmissionRow
from omniarb.store.premises import PremiseRows

_SUBMISSIONS: Table = SubmissionRow.__table__  # type: ignore[assignment]

__all__ = ["LoopClaims"]

log = logging.getLogger(__name__)

_CLAIM = (
    "INSERT INTO submissions (key, claimed_at, claimed_by, chain_id, tx_hash, nonce, sender) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING key"
)
_RESIGNED = "UPDATE submissions SET tx_hash = ?, nonce = ? WHERE key = ?"

_Statement = tuple[str, tuple[Any, ...]]


class LoopClaims:
    """Claims on the calling thread, or None when SQLite cannot take them at once."""

    def __init__(self, path: Path, dialect: Dialect) -> None:
        self._path = path
        self._connection: sqlite3.Connection | None = None
        # The stored form of `claimed_at` is the column type's (as the ORM writes and reads it).
        processor = _SUBMISSIONS.c.claimed_at.type.bind_processor(dialect)
        self._stamp: Callable[[datetime], Any] = processor or (lambda value: value)
        self._premise_rows = PremiseRows(dialect)

    def _open(self) -> sqlite3.Connection:
        if self._connection is None:
            # Used by one thread at a time (the loop's); closed maybe from another at exit.
            connection = sqlite3.connect(
                self._path, timeout=0, isolation_level=None, check_same_thread=False
            )
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA busy_timeout=0")
            connection.execute("PRAGMA wal_autocheckpoint=0")
            self._connection = connection
        return self._connection

    def claim(
        self,
        key: str,
        *,
        claimed_by: str,
        chain_id: int | None,
        tx_hash: str | None,
        nonce: int | None,
        premise: Pending | None = None,
        sender: str | None = None,
    ) -> bool | None:
        """True if this claimed `key`, False if it was claimed before, None: try elsewhere.
        `premise`'s opportunity and decision rows are written in the claim's transaction
        (`omniarb.store.premises`)."""
        statements = [] if premise is None else self._premise_rows.statements(premise)
        values = (
            key,
            self._stamp(datetime.now(UTC)),
            claimed_by,
            chain_id,
            tx_hash,
            nonce,
            sender,
        )
        statements.append((_CLAIM, values))
        rows_claimed = self._write(statements)
        return None if rows_claimed is None else bool(rows_claimed)

    def resigned(self, key: str, *, tx_hash: str, nonce: int) -> bool:
        """True once the claim names the new transaction; False: try elsewhere."""
        return self._write([(_RESIGNED, (tx_hash, nonce, key))]) is not None

    def _write(self, statements: list[_Statement]) -> list[Any] | None:
        """The last statement's rows, all of them committed together; None: not written."""
        try:
            connection = self._open()
        except sqlite3.Error as exc:
            log.debug("claims on the loop unavailable: %s", exc)
            return None
        try:
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.Error:
            return None  # the write lock is taken: the thread waits for it instead
        try:
            rows: list[Any] = []
            for statement, values in statements:
                rows = connection.execute(statement, values).fetchall()
            connection.execute("COMMIT")
        except sqlite3.Error as exc:
            log.debug("a claim on the loop failed, retried in the claims thread: %s", exc)
            if connection.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    connection.execute("ROLLBACK")
            return None
        return rows

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
