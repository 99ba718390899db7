"""What `omniarb cluster up` checks before it starts anything: Redis answers, and the shared
PostgreSQL history answers with its schema at head (migrated once here, not by every process at
the same moment)."""

from __future__ import annotations

import psycopg
import redis
from psycopg import sql
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from omniarb.errors import ConfigError, NotRunningError
from omniarb.store import HistoryDatabase
from omniarb.store.engine import display_url, parse_db_url

__all__ = ["DEFAULT_CLUSTER_DB_URL", "prepare_database", "require_redis"]

# The local server's `omniarb` database, created on first use when OMNIARB_DB_URL is unset.
DEFAULT_CLUSTER_DB_URL = "postgresql://postgres@127.0.0.1:5432/omniarb"
_CONNECT_TIMEOUT_S = 3


def require_redis(url: str) -> None:
    """NotRunningError unless Redis answers PING at `url`."""
    client = redis.Redis.from_url(url, socket_connect_timeout=_CONNECT_TIMEOUT_S)
    try:
        client.ping()
    except RedisError as exc:
        raise NotRunningError(
            f"no Redis answers at {url} ([redis] url): the cluster's bus, leases and registry "
            f"live there ({exc})"
        ) from exc
    finally:
        client.close()


def _libpq(url: str) -> str:
    return parse_db_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _create_if_missing(url: str) -> None:
    """Create the default URL's database on its server when the server answers without it."""
    parsed = parse_db_url(url)
    maintenance = _libpq(parsed.set(database="postgres").render_as_string(hide_password=False))
    with psycopg.connect(maintenance, connect_timeout=_CONNECT_TIMEOUT_S, autocommit=True) as db:
        exists = db.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,)
        ).fetchone()
        if exists is None:
            db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(parsed.database or "")))


def prepare_database(url: str, *, default: bool) -> None:
    """Check the shared history at `url` (PostgreSQL only) and migrate it to head; `default`:
    the built-in URL, whose database is created if the server lacks it."""
    if parse_db_url(url).get_backend_name() != "postgresql":
        raise ConfigError(
            "OMNIARB_DB_URL: the cluster's processes share one history, in PostgreSQL "
            "(postgresql://user@host:5432/db); got a SQLite file"
        )
    try:
        if default:
            _create_if_missing(url)
        database = HistoryDatabase.open(url)
    except (psycopg.Error, SQLAlchemyError, OSError) as exc:
        raise NotRunningError(
            f"the cluster's PostgreSQL at {display_url(url)} does not answer "
            f"(set OMNIARB_DB_URL): {str(exc).strip().splitlines()[0]}"
        ) from exc
    database.dispose()
