"""Reading a history that may not exist yet, without creating it: the read-only verbs (`history`,
`audit`, `train`, `optimize --from-history`) treat an absent file or a database without tables
as an empty history, and bring an older schema to head before reading it through the models."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from omniarb.store.database import HistoryDatabase
from omniarb.store.engine import parse_db_url, sqlite_path
from omniarb.store.schema import current_revision, head_revision, upgrade

__all__ = ["existing_history"]


@contextmanager
def existing_history(url: str) -> Iterator[HistoryDatabase | None]:
    """The history at `url` at the current schema, or None when there is none; disposed after."""
    path = sqlite_path(parse_db_url(url))
    if path is not None and not path.exists():
        yield None
        return
    database = HistoryDatabase.open(url, migrate=False)
    try:
        revision = current_revision(database.engine)
        if revision is None:
            yield None
            return
        if revision != head_revision():
            # An older schema is read through the current models only once brought to head.
            upgrade(database.engine)
        yield database
    finally:
        database.dispose()
