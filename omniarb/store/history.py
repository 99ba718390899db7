"""`HistoryStore`: the pipeline's books — record every stage off the hot path, claim submissions,
list trades.

Usage, in the engine::

    store = HistoryStore.open()            # $OMNIARB_DB_URL or $OMNIARB_HOME/history.sqlite
    async with store:                      # closing flushes every queued record
        await store.record(opportunity)    # queued; written in batches by one writer task
        if await store.claim_submission(opportunity.id):   # durable before it returns
            ...send...
        await store.record(outcome)        # also writes its execution, decision, opportunity

Stages hand over the values of `omniarb.types` unchanged (`Opportunity`, `Decision`,
`Execution`, `Outcome`, and `Token` for display names), and the monitor its `Alert` and
`BreakerTrip` values; the store maps them to rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from omniarb.async_resource import AsyncResource
from omniarb.store._rows import Pending, Record
from omniarb.store.claims import SubmissionLedger
from omniarb.store.database import HistoryDatabase
from omniarb.store.engine import resolve_db_url
from omniarb.store.premises import Premises
from omniarb.store.summary import ChainSummary
from omniarb.store.token_trust import TokenVerdicts
from omniarb.store.trades import TradeRecord
from omniarb.store.writer import BatchWriter, WriterSettings, WriterStats
from omniarb.types import Decision

if TYPE_CHECKING:
    from omniarb.monitor.alerts import Alert
    from omniarb.optimize.change import ParamChange
    from omniarb.risk.breaker import BreakerTrip
    from omniarb.types import Execution, Replacement

__all__ = ["HistoryStore"]

_TICK = timedelta(microseconds=1)


class HistoryStore(AsyncResource):
    """Records pipeline values through a batching writer; claims and queries go straight to
    the database.

    `record` must be awaited on one event loop (the writer's); `trades` and `summary` block
    (call them with `asyncio.to_thread` from async code).
    """

    def __init__(self, database: HistoryDatabase, settings: WriterSettings | None = None) -> None:
        self._database = database
        self._writer: BatchWriter[Pending] = BatchWriter(database.write, settings)
        self._premises = Premises()
        self._submissions = SubmissionLedger(database, self._premises)
        self._last_recorded_at = datetime.min.replace(tzinfo=UTC)

    @classmethod
    def open(
        cls, url: str | None = None, *, settings: WriterSettings | None = None
    ) -> HistoryStore:
        """The store at `url` (default: `resolve_db_url()`), its schema migrated to head.

        Blocks while it connects and migrates: call it before the event loop's hot work starts
        (or through `asyncio.to_thread`).
        """
        return cls(HistoryDatabase.open(url or resolve_db_url()), settings)

    @property
    def database(self) -> HistoryDatabase:
        return self._database

    @property
    def submissions(self) -> SubmissionLedger:
        """The `SubmissionGuard` for the executor."""
        return self._submissions

    @property
    def stats(self) -> WriterStats:
        return self._writer.stats

    async def record(self, value: Record) -> None:
        """Queue `value` for writing; waits only while the writer's queue is full."""
        # Strictly increasing stamps: trades list in the order they were recorded, even when
        # two records fall in the same microsecond.
        now = max(datetime.now(UTC), self._last_recorded_at + _TICK)
        self._last_recorded_at = now
        pending = Pending(value, now)
        if isinstance(value, Decision) and value.approved:
            # Its claim writes it too, should this process stop before the batch is written.
            self._premises.keep(value.opportunity.id, pending)
        await self._writer.put(pending)

    async def claim_submission(self, key: str) -> bool:
        """True once per `key`, ever, across processes; durable before it returns."""
        return await self._submissions.claim(key)

    def trades(
        self, *, chain: str | None = None, status: str | None = None, limit: int = 50
    ) -> list[TradeRecord]:
        """The newest written trades (flush first to include queued records)."""
        return self._database.trades(chain=chain, status=status, limit=limit)

    def summary(self) -> list[ChainSummary]:
        """Per-chain counts, success rate and realized profit of the written records."""
        return self._database.summary()

    def alerts(
        self, *, rule: str | None = None, since: datetime | None = None, limit: int = 50
    ) -> list[Alert]:
        """The newest written alerts (blocks; flush first to include queued records)."""
        return self._database.alerts(rule=rule, since=since, limit=limit)

    def param_changes(self, *, chain: str | None = None, limit: int = 100) -> list[ParamChange]:
        """The newest written parameter changes of the optimizer (blocks)."""
        return self._database.param_changes(chain=chain, limit=limit)

    def breaker_trips(self, *, scope: str | None = None, limit: int = 50) -> list[BreakerTrip]:
        """The newest written circuit-breaker trips, with their resets (blocks)."""
        return self._database.breaker_trips(scope=scope, limit=limit)

    def unsettled(self, *, chain_id: int) -> list[Execution]:
        """The written SUBMITTED executions of `chain_id` without an outcome (blocks)."""
        return self._database.unsettled(chain_id=chain_id)

    def unrecorded_sends(self, *, chain_id: int) -> tuple[list[Execution], list[str]]:
        """Claimed sends of `chain_id` without an execution row, rebuilt as executions, and
        the hashes of those that cannot be (blocks; flush first)."""
        return self._database.unrecorded_sends(chain_id=chain_id)

    def claim_senders(self, keys: Sequence[str]) -> dict[str, str | None]:
        """The signing address of each claimed key of `keys` (blocks)."""
        return self._database.claim_senders(keys)

    def token_verdicts(self, *, chain_id: int, limit: int = 10_000) -> TokenVerdicts:
        """The tokens the newest `limit` written trades of `chain_id` proved or flagged
        (blocks; `omniarb.store.token_trust`)."""
        return self._database.token_verdicts(chain_id=chain_id, limit=limit)

    def replacements(self, *, chain_id: int | None = None, limit: int = 100) -> list[Replacement]:
        """The newest written replacements of stuck transactions (blocks)."""
        return self._database.replacements(chain_id=chain_id, limit=limit)

    async def flush(self) -> None:
        """Return once every record queued so far is written."""
        await self._writer.flush()

    async def close(self) -> None:
        """Write every queued record, then release the database connections."""
        try:
            await self._writer.close()
        finally:
            self._submissions.close()
            self._database.dispose()

    async def _close(self) -> None:
        await self.close()
