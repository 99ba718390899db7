"""The rows a submission claim writes with itself: its trade's opportunity and decision.

The history writer batches records (`omniarb.store.writer`), so a trade is usually claimed
before its decision's batch is written. A process that stops in that window (killed, or frozen
until another worker holds its chain) would leave a claim and a sent transaction that nothing
else describes, and the run that settles the chain next could not rebuild the trade
(`omniarb.store.unsettled.load_unrecorded_sends`). The claim therefore writes the opportunity
and decision rows in its own transaction, inserted only if absent, exactly as the writer later
writes them: `Premises` keeps the newest approved decision recorded for each opportunity until
its claim takes it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Dialect

from omniarb.store._rows import Pending, rows_of
from omniarb.store.models import DecisionRow, OpportunityRow

__all__ = ["PremiseRows", "Premises"]

_OPPORTUNITIES: Table = OpportunityRow.__table__  # type: ignore[assignment]
_DECISIONS: Table = DecisionRow.__table__  # type: ignore[assignment]

# An approved decision is claimed within milliseconds of being recorded, or not at all (the
# pre-check refused it, the run is a dry run): a few thousand cover any burst of a block.
_CAPACITY = 4096


class Premises:
    """The newest approved decision's record per opportunity id, until its claim."""

    def __init__(self, capacity: int = _CAPACITY) -> None:
        self._capacity = capacity
        self._by_key: OrderedDict[str, Pending] = OrderedDict()

    def keep(self, key: str, pending: Pending) -> None:
        self._by_key[key] = pending
        self._by_key.move_to_end(key)
        while len(self._by_key) > self._capacity:
            self._by_key.popitem(last=False)

    def get(self, key: str) -> Pending | None:
        return self._by_key.get(key)

    def drop(self, key: str) -> None:
        """`key` was claimed (by this process or before): its premise is written or moot."""
        self._by_key.pop(key, None)

    def __len__(self) -> int:
        return len(self._by_key)


class PremiseRows:
    """A premise's rows as `INSERT ... ON CONFLICT DO NOTHING` statements in the driver's own
    form (sqlite3's `?` or psycopg's `%s`), each value in the stored form of its column's type
    as the writer's statements store it: a claim is on the hot path, and a SQLAlchemy
    statement costs several times the database's own work (on PostgreSQL ~1 ms against
    ~0.25 ms a row, `benchmarks/claims.py`)."""

    def __init__(self, dialect: Dialect) -> None:
        self._mark = "?" if dialect.paramstyle == "qmark" else "%s"
        self._processors: dict[str, dict[str, Callable[[Any], Any] | None]] = {
            table.name: {c.name: c.type.bind_processor(dialect) for c in table.columns}
            for table in (_OPPORTUNITIES, _DECISIONS)
        }

    def statements(self, premise: Pending) -> list[tuple[str, tuple[Any, ...]]]:
        """The opportunity's row, then the decision's."""
        rows = rows_of([premise])
        return [
            *(self._insert(_OPPORTUNITIES.name, row) for row in rows.opportunities.values()),
            *(self._insert(_DECISIONS.name, row) for row in rows.decisions.values()),
        ]

    def _insert(self, table: str, row: dict[str, Any]) -> tuple[str, tuple[Any, ...]]:
        processors = self._processors[table]
        names = list(row)
        values = tuple(
            row[name] if (process := processors[name]) is None else process(row[name])
            for name in names
        )
        columns = ", ".join(f'"{name}"' for name in names)
        marks = ", ".join(self._mark for _ in names)
        sql = f'INSERT INTO "{table}" ({columns}) VALUES ({marks}) ON CONFLICT DO NOTHING'
        return sql, values
