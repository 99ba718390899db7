"""Database URLs and engines: SQLite by default, PostgreSQL through psycopg 3; errors mapped once.

The history uses a synchronous SQLAlchemy engine (its work runs in a thread off the event loop),
which serves SQLite and psycopg alike. SQLite gets WAL (readers never block the writer), a busy
timeout (two processes on one file wait for each other instead of failing), foreign keys, and
real transactions (DDL included) that `begin_write` opens with the write lock taken.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
)
from sqlalchemy.pool import ConnectionPoolEntry

from omniarb.config import Secrets, load_secrets
from omniarb.errors import ConfigError, FatalError, RetryableError
from omniarb.paths import omniarb_home

__all__ = [
    "DEFAULT_DB_FILE",
    "SQLITE_BUSY_TIMEOUT_MS",
    "begin_write",
    "database_errors",
    "default_db_url",
    "display_url",
    "make_engine",
    "parse_db_url",
    "resolve_db_url",
    "sqlite_path",
]

DEFAULT_DB_FILE = "history.sqlite"
# Long enough for another process's batch commit; short enough to surface a stuck lock.
SQLITE_BUSY_TIMEOUT_MS = 10_000
_WRITE_OPTION = "omniarb_write"


def default_db_url() -> str:
    """`sqlite:///$OMNIARB_HOME/history.sqlite`."""
    return f"sqlite:///{omniarb_home() / DEFAULT_DB_FILE}"


def resolve_db_url(explicit: str | None = None, secrets: Secrets | None = None) -> str:
    """The URL to use: `explicit` (e.g. `--db`), else `OMNIARB_DB_URL`, else the default."""
    if explicit:
        return explicit
    configured = (secrets if secrets is not None else load_secrets()).db_url
    return configured.get_secret_value() if configured is not None else default_db_url()


def parse_db_url(url: str) -> URL:
    """The URL as SQLAlchemy's `URL`, with PostgreSQL pinned to psycopg 3; ConfigError if bad.

    Only SQLite (a file) and PostgreSQL are supported: the migrations and the conflict clauses
    are written for those two.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        # The URL may hold a password: say what is wrong, not what it is.
        raise ConfigError("the database URL is not a valid SQLAlchemy URL") from exc
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    if backend != "sqlite":
        raise ConfigError(
            f"database {backend!r} is not supported: use sqlite:///FILE or postgresql://..."
        )
    if parsed.database in (None, "", ":memory:"):
        raise ConfigError("an in-memory SQLite history would be lost: give sqlite:///FILE")
    return parsed


def display_url(url: str | URL) -> str:
    """The URL with its password masked, for logs and error messages."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return "<invalid database URL>"
    return parsed.render_as_string(hide_password=True)


def sqlite_path(url: str | URL) -> Path | None:
    """The database file of a SQLite URL; None for another backend."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return Path(parsed.database).expanduser()


def _sqlite_setup(dbapi_connection: Any, *, synchronous: str) -> None:
    # The driver's own transaction handling would begin only before DML and autocommit DDL;
    # SQLAlchemy's recipe turns it off so `_on_sqlite_begin` starts every transaction itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA synchronous={synchronous}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _on_sqlite_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # FULL: a committed record survives a power cut, not only a killed process; the writer
    # commits whole batches, so the extra fsync is paid per batch, not per record.
    _sqlite_setup(dbapi_connection, synchronous="FULL")


def _on_sqlite_claims_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # NORMAL (in WAL mode): the commit appends to the log without an fsync, ~15 us instead of
    # ~0.7 ms (p99 4 ms on a busy disk), and a claim sits between signing and sending on the
    # hot path. It survives a killed process at once (the log is in the OS's cache) and a
    # power cut at the history writer's next FULL commit, which syncs the whole log file.
    _sqlite_setup(dbapi_connection, synchronous="NORMAL")


def _on_sqlite_begin(connection: Connection) -> None:
    # IMMEDIATE takes the write lock up front, waiting out the busy timeout, so a write
    # transaction never fails half-way on a lock upgrade; readers keep the cheap deferred BEGIN.
    immediate = connection.get_execution_options().get(_WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def begin_write(engine: Engine) -> Iterator[Connection]:
    """A connection in a write transaction (SQLite: `BEGIN IMMEDIATE`), committed on exit."""
    with engine.connect() as connection:
        connection.execution_options(**{_WRITE_OPTION: True})
        with connection.begin():
            yield connection


def make_engine(url: str, *, claims: bool = False) -> Engine:
    """A synchronous engine for `url`; for SQLite, the file's folder is created if missing.

    `claims` makes the engine of the submission claims: one connection (claims are made one at
    a time, by one thread), and on SQLite the commit without an fsync of its own
    (`_on_sqlite_claims_connect`)."""
    parsed = parse_db_url(url)
    pool_size = 1 if claims else 4
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(parsed)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, pool_size=pool_size
        )
        on_connect = _on_sqlite_claims_connect if claims else _on_sqlite_connect
        event.listen(engine, "connect", on_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
        return engine
    try:
        # pre_ping: a connection the server dropped (restart, idle timeout) is replaced quietly.
        return create_engine(parsed, pool_pre_ping=True, pool_size=pool_size)
    except (NoSuchModuleError, ImportError) as exc:
        raise ConfigError(
            "PostgreSQL needs the psycopg package: pip install 'psycopg[binary]'"
        ) from exc


# SQLSTATEs after which the transaction is gone but a new one can succeed: the server ended the
# session (idle in a transaction past its timeout: a process resumed after a freeze; a shutdown)
# or rolled the transaction back for a conflict. Class 08 (connection exceptions) counts too.
_TRANSIENT_SQLSTATES = frozenset({"25P03", "40001", "40P01", "57P01", "57P02", "57P03"})


def _transient(exc: DBAPIError) -> bool:
    """True when `exc` lost the connection or its transaction, not when the statement is wrong."""
    if exc.connection_invalidated:
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return isinstance(sqlstate, str) and (
        sqlstate.startswith("08") or sqlstate in _TRANSIENT_SQLSTATES
    )


@contextmanager
def database_errors(url: str | URL, action: str) -> Iterator[None]:
    """Translate the driver's errors into omni-arb's tree, once, at the store's boundary.

    An unreachable server, a lock that outlived the busy timeout, or a connection or transaction
    the server ended (`_transient`) is `RetryableError`; anything else the database refuses (a
    constraint, a type) is a bug in our mapping: `FatalError`.
    Messages name the URL without its password, and never the statement's parameters.
    """
    where = display_url(url)
    try:
        yield
    except (OperationalError, InterfaceError) as exc:
        reason = " ".join(str(exc.orig).split())[:300]
        raise RetryableError(f"{action}: database unavailable at {where}: {reason}") from exc
    except DBAPIError as exc:
        reason = " ".join(str(exc.orig).split())[:300]
        if _transient(exc):
            raise RetryableError(f"{action}: database unavailable at {where}: {reason}") from exc
        raise FatalError(f"{action}: database at {where} refused it: {reason}") from exc
