"""The history database, synchronously: schema at head, batch writes, submission claims, queries.

Every method blocks; the async `HistoryStore` calls them in a worker thread. Writes of a batch
run in one transaction with "insert if absent" (`ON CONFLICT DO NOTHING`), so a batch written
twice, or a record that repeats its parents, changes nothing; an opportunity's status only moves
forward along the pipeline (`ON CONFLICT DO UPDATE ... WHERE stage < new stage`).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Table, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from omniarb.store import schema
from omniarb.store._rows import Pending, TableRows, rows_of
from omniarb.store.api_tokens import ApiTokenStore
from omniarb.store.audit import AuditEntry, append_audit, load_audit
from omniarb.store.engine import (
    begin_write,
    database_errors,
    display_url,
    make_engine,
    sqlite_path,
)
from omniarb.store.fencing import refuse_stale_token
from omniarb.store.incidents import load_alerts, load_breaker_trips
from omniarb.store.loop_claims import LoopClaims
from omniarb.store.models import (
    SubmissionRow,
)
from omniarb.store.param_history import load_judged, load_param_changes
from omniarb.store.premises import PremiseRows
from omniarb.store.row_statements import RowStatements
from omniarb.store.summary import ChainSummary, summarize
from omniarb.store.token_trust import TokenVerdicts, load_token_verdicts
from omniarb.store.trades import TradeRecord, load_trades
from omniarb.store.training import (
    TrainingRow,
    count_model_scored,
    count_training_rows,
    load_training_rows,
)
from omniarb.store.unsettled import load_replacements, load_unrecorded_sends, load_unsettled

if TYPE_CHECKING:
    from omniarb.monitor.alerts import Alert
    from omniarb.optimize.change import ParamChange
    from omniarb.risk.breaker import BreakerTrip
    from omniarb.types import Execution, Replacement

__all__ = ["HistoryDatabase", "process_label"]

_SUBMISSIONS: Table = SubmissionRow.__table__  # type: ignore[assignment]
# Keys per statement when reading claims by key: well below SQLite's cap on bound parameters.
_KEYS_PER_READ = 500


def process_label() -> str:
    """`host:pid`, stored with each claim so an operator can tell which bot sent a trade."""
    return f"{socket.gethostname()}:{os.getpid()}"[:128]


class HistoryDatabase:
    """The history tables behind one synchronous engine (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine, claims_engine: Engine | None = None) -> None:
        self._engine = engine
        # Claims have their own connection: they never wait for the pool behind history
        # reads, and on SQLite commit without an fsync (`make_engine(claims=True)`).
        self._claims_engine = claims_engine or engine
        path = sqlite_path(engine.url)
        # SQLite claims are tried on the caller's thread first (`omniarb.store.loop_claims`).
        self.loop_claims = None if path is None else LoopClaims(path, engine.dialect)
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        self._rows = RowStatements.of(engine.dialect.name)
        self._premise_rows = PremiseRows(engine.dialect)

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> HistoryDatabase:
        """Connect to `url` and, unless `migrate` is false, bring its schema to head."""
        database = cls(make_engine(url), make_engine(url, claims=True))
        if migrate:
            try:
                schema.upgrade(database.engine)
            except BaseException:
                database.dispose()
                raise
        return database

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def api_tokens(self) -> ApiTokenStore:
        """The API's tokens (stored hashed)."""
        return ApiTokenStore(self._engine)

    @property
    def display_url(self) -> str:
        """The URL with its password masked."""
        return display_url(self._engine.url)

    def write(self, batch: Sequence[Pending]) -> None:
        """Write a batch of records (and their parents) in one transaction."""
        rows = rows_of(list(batch))
        with (
            database_errors(self._engine.url, "writing history"),
            begin_write(self._engine) as connection,
        ):
            self.write_rows(connection, rows)

    def write_rows(self, connection: Connection, rows: TableRows) -> None:
        """`rows` through `connection`'s transaction, parents first."""
        self._rows.write(connection, rows)

    def claim(
        self,
        key: str,
        *,
        claimed_by: str | None = None,
        chain_id: int | None = None,
        tx_hash: str | None = None,
        nonce: int | None = None,
        fencing_token: int | None = None,
        premise: Pending | None = None,
        sender: str | None = None,
    ) -> bool:
        """Claim `key` for submission: True exactly once per key, across processes, durably.

        One `INSERT ... ON CONFLICT DO NOTHING RETURNING` on the primary key, committed before
        returning: the database's unique index decides, so two bots racing for a key get one
        True. `premise`'s rows are written with it (`omniarb.store.premises`).
        """
        statement = (
            self._insert(_SUBMISSIONS)
            .values(
                key=key,
                claimed_at=datetime.now(UTC),
                claimed_by=claimed_by or process_label(),
                chain_id=chain_id,
                tx_hash=tx_hash,
                nonce=nonce,
                fencing_token=fencing_token,
                sender=sender,
            )
            .on_conflict_do_nothing()
            .returning(_SUBMISSIONS.c.key)
        )
        with (
            database_errors(self._engine.url, "claiming a submission"),
            begin_write(self._claims_engine) as connection,
        ):
            if fencing_token is not None:
                refuse_stale_token(
                    connection, chain_id=chain_id, fencing_token=fencing_token, key=key
                )
            if premise is not None:
                # Single statements, not a pipeline (`RowStatements.write` says why).
                for sql, values in self._premise_rows.statements(premise):
                    connection.exec_driver_sql(sql, values)
            # RETURNING yields the row only if this insert made it (no row on conflict); a
            # rowcount would do too, but SQLAlchemy keeps INSERT rowcounts only on request.
            # The commit runs on leaving the block, before the caller sees the answer.
            return connection.execute(statement).first() is not None

    def resigned(
        self, key: str, *, tx_hash: str, nonce: int, fencing_token: int | None = None
    ) -> None:
        """The claimed `key` is sent as another transaction (signed again after a nonce
        conflict): its claim names that one (and the lease's token, when there is one),
        durably before the send."""
        values: dict[str, object] = {"tx_hash": tx_hash, "nonce": nonce}
        if fencing_token is not None:
            values["fencing_token"] = fencing_token
        statement = _SUBMISSIONS.update().where(_SUBMISSIONS.c.key == key).values(values)
        with (
            database_errors(self._engine.url, "updating a submission"),
            begin_write(self._claims_engine) as connection,
        ):
            if fencing_token is not None:
                chain_id = connection.execute(
                    select(_SUBMISSIONS.c.chain_id).where(_SUBMISSIONS.c.key == key)
                ).scalar()
                refuse_stale_token(
                    connection, chain_id=chain_id, fencing_token=fencing_token, key=key
                )
            connection.execute(statement)

    def max_fencing_token(self, *, chain_id: int) -> int:
        """The largest fencing token stored with a claim of `chain_id` (0 when none is): a new
        signer lease's token must exceed it (`omniarb.cluster.lease`, the `floor`)."""
        statement = select(func.max(_SUBMISSIONS.c.fencing_token)).where(
            _SUBMISSIONS.c.chain_id == chain_id
        )
        with (
            database_errors(self._engine.url, "reading fencing tokens"),
            self._claims_engine.connect() as connection,
        ):
            return int(connection.execute(statement).scalar() or 0)

    def claim_senders(self, keys: Sequence[str]) -> dict[str, str | None]:
        """The signing address each claimed key of `keys` names (None for a claim made
        before the column existed); keys never claimed are absent."""
        wanted = list(keys)
        senders: dict[str, str | None] = {}
        with (
            database_errors(self._engine.url, "reading claims"),
            self._claims_engine.connect() as connection,
        ):
            for start in range(0, len(wanted), _KEYS_PER_READ):
                statement = select(_SUBMISSIONS.c.key, _SUBMISSIONS.c.sender).where(
                    _SUBMISSIONS.c.key.in_(wanted[start : start + _KEYS_PER_READ])
                )
                senders.update({key: sender for key, sender in connection.execute(statement)})
        return senders

    def unrecorded_sends(self, *, chain_id: int) -> tuple[list[Execution], list[str]]:
        """Sends of `chain_id` that a claim names but no execution row records, rebuilt as
        executions, and the hashes of those without an opportunity or decision row either."""
        with (
            database_errors(self._engine.url, "reading claims"),
            Session(self._engine) as session,
        ):
            return load_unrecorded_sends(session, chain_id=chain_id)

    def trades(
        self, *, chain: str | None = None, status: str | None = None, limit: int = 50
    ) -> list[TradeRecord]:
        """The newest `limit` trades, optionally of one chain (name or id) and one status."""
        with database_errors(self._engine.url, "reading trades"), Session(self._engine) as session:
            return load_trades(session, chain=chain, status=status, limit=limit)

    def training_rows(self, *, feature_version: int) -> list[TrainingRow]:
        """The predictor's training data: settled trades with stored features, oldest first."""
        with database_errors(self._engine.url, "reading training rows"), Session(self._engine) as s:
            return load_training_rows(s, feature_version=feature_version)

    def training_row_count(self, *, feature_version: int) -> int:
        """How many settled trades `training_rows` would return."""
        with database_errors(self._engine.url, "counting trades"), Session(self._engine) as s:
            return count_training_rows(s, feature_version=feature_version)

    def model_scored_count(self, *, since: datetime) -> int:
        """Decisions since `since` that a model scored (p(success) below the baseline's 1)."""
        with database_errors(self._engine.url, "counting decisions"), Session(self._engine) as s:
            return count_model_scored(s, since=since)

    def summary(self) -> list[ChainSummary]:
        """Counts, success rate and realized profit per chain."""
        with (
            database_errors(self._engine.url, "summarizing history"),
            Session(self._engine) as session,
        ):
            return summarize(session)

    def alerts(
        self, *, rule: str | None = None, since: datetime | None = None, limit: int = 50
    ) -> list[Alert]:
        """The newest `limit` stored alerts, optionally of one rule and since a time."""
        with database_errors(self._engine.url, "reading alerts"), Session(self._engine) as session:
            return load_alerts(session, rule=rule, since=since, limit=limit)

    def breaker_trips(self, *, scope: str | None = None, limit: int = 50) -> list[BreakerTrip]:
        """The newest `limit` circuit-breaker trips, with their resets."""
        with (
            database_errors(self._engine.url, "reading breaker trips"),
            Session(self._engine) as session,
        ):
            return load_breaker_trips(session, scope=scope, limit=limit)

    def param_changes(self, *, chain: str | None = None, limit: int = 100) -> list[ParamChange]:
        """The newest `limit` parameter changes of the optimizer."""
        with (
            database_errors(self._engine.url, "reading parameter changes"),
            Session(self._engine) as session,
        ):
            return load_param_changes(session, chain=chain, limit=limit)

    def judged_opportunities(self) -> list[tuple[str, datetime]]:
        """The chain and time of every opportunity the risk stage decided, oldest first."""
        with (
            database_errors(self._engine.url, "reading judged opportunities"),
            Session(self._engine) as session,
        ):
            return load_judged(session)

    def unsettled(self, *, chain_id: int) -> list[Execution]:
        """The sent executions of `chain_id` that have no outcome yet (a previous run's)."""
        with (
            database_errors(self._engine.url, "reading unsettled trades"),
            Session(self._engine) as session,
        ):
            return load_unsettled(session, chain_id=chain_id)

    def token_verdicts(self, *, chain_id: int, limit: int) -> TokenVerdicts:
        """The tokens the newest `limit` included trades of `chain_id` proved or flagged."""
        with (
            database_errors(self._engine.url, "reading token verdicts"),
            Session(self._engine) as session,
        ):
            return load_token_verdicts(session, chain_id=chain_id, limit=limit)

    def replacements(self, *, chain_id: int | None = None, limit: int = 100) -> list[Replacement]:
        """The newest `limit` replacements of stuck transactions."""
        with (
            database_errors(self._engine.url, "reading replacements"),
            Session(self._engine) as session,
        ):
            return load_replacements(session, chain_id=chain_id, limit=limit)

    def append_audit(self, entry: AuditEntry) -> int:
        """Append one entry to the audit log (its own transaction); returns its id."""
        return append_audit(self._engine, entry)

    def audit(
        self,
        *,
        action: str | None = None,
        chain: str | None = None,
        since: datetime | None = None,
        limit: int = 100,
    ) -> list[AuditEntry]:
        """The newest audit entries, filtered as `load_audit` describes."""
        with (
            database_errors(self._engine.url, "reading the audit log"),
            Session(self._engine) as session,
        ):
            return load_audit(session, action=action, chain=chain, since=since, limit=limit)

    def dispose(self) -> None:
        """Close the engines' connections."""
        self._engine.dispose()
        if self.loop_claims is not None:
            self.loop_claims.close()
        if self._claims_engine is not self._engine:
            self._claims_engine.dispose()
