"""Database URLs, engines and error mapping: defaults, PostgreSQL driver, SQLite pragmas."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from omniarb.config import Secrets
from omniarb.errors import ConfigError, FatalError, RetryableError
from omniarb.store.engine import (
    SQLITE_BUSY_TIMEOUT_MS,
    begin_write,
    database_errors,
    default_db_url,
    display_url,
    make_engine,
    parse_db_url,
    resolve_db_url,
    sqlite_path,
)


def test_default_url_is_a_file_in_omniarb_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMNIARB_HOME", str(tmp_path))
    assert default_db_url() == f"sqlite:///{tmp_path / 'history.sqlite'}"
    assert sqlite_path(default_db_url()) == tmp_path / "history.sqlite"


def test_explicit_url_beats_the_environment_which_beats_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMNIARB_HOME", str(tmp_path))
    env = Secrets(db_url=SecretStr("postgresql://u:p@db/h"))
    assert resolve_db_url("sqlite:///x.db", env) == "sqlite:///x.db"
    assert resolve_db_url(None, env) == "postgresql://u:p@db/h"
    assert resolve_db_url(None, Secrets()) == default_db_url()
    monkeypatch.setenv("OMNIARB_DB_URL", "postgresql://from-env/db")
    assert resolve_db_url() == "postgresql://from-env/db"


def test_postgresql_urls_use_psycopg_3() -> None:
    assert parse_db_url("postgresql://h/db").drivername == "postgresql+psycopg"
    assert parse_db_url("postgresql+psycopg2://h/db").drivername == "postgresql+psycopg"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://h/db", "not supported"),
        ("sqlite://", "in-memory"),
        ("sqlite:///:memory:", "in-memory"),
        ("not a url", "not a valid"),
    ],
)
def test_unusable_urls_are_config_errors(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_db_url(url)


def test_display_url_hides_the_password() -> None:
    shown = display_url("postgresql://bot:hunter2@db.example/history")
    assert "hunter2" not in shown
    assert "bot:***@db.example" in shown


def test_sqlite_engine_creates_the_folder_and_sets_the_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "history.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        pragma = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
        }
    engine.dispose()
    assert path.exists()
    # synchronous 2 is FULL.
    assert pragma == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": SQLITE_BUSY_TIMEOUT_MS,
        "synchronous": 2,
    }


def test_begin_write_takes_the_write_lock_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    engine = make_engine(url)
    with begin_write(engine) as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    # A second writer must not get in while the first holds BEGIN IMMEDIATE (even before writing).
    other = make_engine(url)
    with begin_write(engine), other.connect() as probe:
        probe.exec_driver_sql("PRAGMA busy_timeout=0")
        with pytest.raises(OperationalError, match="locked"):
            probe.exec_driver_sql("BEGIN IMMEDIATE")
    other.dispose()
    engine.dispose()


def test_constraint_violations_are_fatal(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'h.sqlite'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER PRIMARY KEY)"))

    def insert_twice() -> None:
        with database_errors(engine.url, "testing"), engine.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (1), (1)"))

    with pytest.raises(FatalError, match="refused"):
        insert_twice()
    engine.dispose()


def test_an_unreachable_server_is_retryable_and_the_password_stays_hidden() -> None:
    unreachable = make_engine("postgresql://nobody:secret@127.0.0.1:1/none")

    def connect() -> None:
        with database_errors(unreachable.url, "testing"), unreachable.connect():
            pass

    with pytest.raises(RetryableError, match="unavailable") as caught:
        connect()
    assert "secret" not in str(caught.value)
    assert "nobody:***@127.0.0.1:1" in str(caught.value)
    unreachable.dispose()
