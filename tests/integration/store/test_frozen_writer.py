"""A process frozen (SIGSTOP) inside the history writer's transaction does not hold the shared
PostgreSQL history up: the server ends its session after idle_in_transaction_session_timeout
(which a pipelined executemany would leave unarmed), and another process writes the same rows.
The frozen process, once resumed, finds its session ended: a retryable error, and its batch
lands on a new connection (the writer goes on rather than stopping the process)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import _store_values as v
import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from omniarb.errors import RetryableError
from omniarb.store import HistoryDatabase
from omniarb.store._rows import Pending, rows_of
from omniarb.store.engine import begin_write, database_errors
from omniarb.store.models import OutcomeRow

_IDLE_MS = 1000
# The write waits for the frozen session's end (about _IDLE_MS) on a shared, busy machine.
_WRITE_TIMEOUT_S = 60.0

_FROZEN_WRITER = """
import signal, sys
from datetime import datetime
sys.path.insert(0, sys.argv[2])
import _store_values as v
from omniarb.store import HistoryDatabase
from omniarb.store._rows import Pending, rows_of
from omniarb.store.engine import begin_write
database = HistoryDatabase.open(sys.argv[1])
at = datetime.fromisoformat(sys.argv[3])
rows = rows_of([Pending(v.trade(n), at) for n in range(3)])
with begin_write(database.engine) as connection:
    database.write_rows(connection, rows)
    print(connection.connection.driver_connection.info.backend_pid, flush=True)
    signal.pause()  # inside the transaction until the test stops, then kills, this process
"""


def _with_idle_timeout(url: str) -> str:
    parsed = make_url(url)
    options = f"{parsed.query.get('options', '')} -c idle_in_transaction_session_timeout={_IDLE_MS}"
    return parsed.update_query_dict({"options": options.strip()}).render_as_string(
        hide_password=False
    )


def _backend_alive(url: str, pid: int) -> bool:
    plain = make_url(url).set(drivername="postgresql", query={})
    with psycopg.connect(plain.render_as_string(hide_password=False), autocommit=True) as db:
        found = db.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchall()
    return bool(found)


def test_a_writer_frozen_mid_transaction_is_ended_and_its_rows_written_by_another(
    pg_url: str,
) -> None:
    url = _with_idle_timeout(pg_url)
    at = datetime.now(UTC)
    HistoryDatabase.open(url).dispose()  # the schema, migrated before the race
    frozen = subprocess.Popen(
        [sys.executable, "-c", _FROZEN_WRITER, url, str(Path(__file__).parent), at.isoformat()],
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ,
    )
    database = HistoryDatabase.open(url)
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        assert frozen.stdout is not None
        backend = int(frozen.stdout.readline())
        os.kill(frozen.pid, signal.SIGSTOP)
        batch = [Pending(v.trade(n), at) for n in range(3)]
        # Blocks on the frozen transaction's uncommitted rows until the server ends it.
        pool.submit(database.write, batch).result(timeout=_WRITE_TIMEOUT_S)
        assert not _backend_alive(pg_url, backend)
        with database.engine.connect() as connection:
            assert connection.execute(select(func.count()).select_from(OutcomeRow)).scalar() == 3
    finally:
        frozen.kill()  # its session ends with it, which frees a write still waiting
        frozen.wait()
        pool.shutdown(wait=True)
        database.dispose()


def _wait_backend_gone(url: str, pid: int) -> None:
    deadline = time.monotonic() + _WRITE_TIMEOUT_S
    while _backend_alive(url, pid):
        if time.monotonic() > deadline:
            raise AssertionError(f"the server did not end backend {pid} in {_WRITE_TIMEOUT_S} s")
        time.sleep(0.05)


def _write_after_the_server_ended_it(
    database: HistoryDatabase, pg_url: str, batch: list[Pending]
) -> None:
    """Write `batch` in one transaction that idles, as a frozen process does, until the server
    ends its session in the middle."""
    with (
        database_errors(database.engine.url, "writing history"),
        begin_write(database.engine) as connection,
    ):
        database.write_rows(connection, rows_of(batch[:1]))
        _wait_backend_gone(pg_url, connection.connection.driver_connection.info.backend_pid)
        database.write_rows(connection, rows_of(batch[1:]))


def test_a_transaction_the_server_ended_is_retryable_and_the_batch_lands_again(
    pg_url: str,
) -> None:
    url = _with_idle_timeout(pg_url)
    at = datetime.now(UTC)
    database = HistoryDatabase.open(url)
    batch = [Pending(v.trade(n), at) for n in range(3)]
    try:
        with pytest.raises(RetryableError, match="idle-in-transaction timeout"):
            _write_after_the_server_ended_it(database, pg_url, batch)
        database.write(batch)  # what the history writer does with a retryable error
        with database.engine.connect() as connection:
            assert connection.execute(select(func.count()).select_from(OutcomeRow)).scalar() == 3
    finally:
        database.dispose()
