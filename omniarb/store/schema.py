"""Schema migrations: Alembic, driven from code with the scripts shipped inside the package.

An installed omniarb migrates its own database: the Alembic configuration is built here, not
read from an `alembic.ini` in the working directory. Each upgrade or downgrade runs in one
transaction that holds a lock (SQLite: the write lock, PostgreSQL: an advisory lock), so two
processes opening a fresh database at once migrate it once, and a failed step leaves nothing
half-done (both backends have transactional DDL).

A new revision, from a checkout, against a database at head::

    python -c "from omniarb.store.schema import new_revision; new_revision('add alerts', URL)"
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

from omniarb.store.engine import begin_write, database_errors

__all__ = [
    "MIGRATIONS_DIR",
    "current_revision",
    "downgrade",
    "head_revision",
    "new_revision",
    "upgrade",
]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# pg_advisory_xact_lock key: "omniarb history migration", any constant no other code uses.
_PG_LOCK_KEY = 0x6F6D6E6961726231
_VERSION_TABLE = "alembic_version"


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        # env.py runs on this connection (and its transaction) instead of making an engine.
        config.attributes["connection"] = connection
    return config


@contextmanager
def _locked(engine: Engine, action: str) -> Iterator[Connection]:
    with database_errors(engine.url, action), begin_write(engine) as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        yield connection


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database up to `revision` (default: the newest); quiet when already there."""
    target = head_revision() if revision == "head" else revision
    with _locked(engine, "migrating the history database") as connection:
        if _revision_of(connection) != target:
            command.upgrade(_config(connection), revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Migrate the database down to `revision` (default: empty, every table dropped)."""
    with _locked(engine, "downgrading the history database") as connection:
        command.downgrade(_config(connection), revision)


def _revision_of(connection: Connection) -> str | None:
    # Read directly: Alembic's MigrationContext would log its set-up on every open.
    if not inspect(connection).has_table(_VERSION_TABLE):
        return None
    return connection.execute(text(f"SELECT version_num FROM {_VERSION_TABLE}")).scalar()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for a database never migrated."""
    with database_errors(engine.url, "reading the schema revision"), engine.connect() as conn:
        return _revision_of(conn)


def head_revision() -> str:
    """The newest revision the shipped migrations know."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migration scripts in {MIGRATIONS_DIR}")
    return head


def new_revision(message: str, engine: Engine) -> None:
    """Write a new revision script from the difference between the models and `engine`'s DB."""
    with engine.begin() as connection:
        command.revision(_config(connection), message=message, autogenerate=True)
