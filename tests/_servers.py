"""PostgreSQL and Redis for a test session: the configured servers if they answer, else private
ones started for the session.

The store, API and bus tests run against real servers (STYLE rule 11). They read their URLs from
`OMNIARB_TEST_PG_URL` (default postgresql://postgres@127.0.0.1:5432/test) and
`OMNIARB_TEST_REDIS_URL` (default redis://127.0.0.1:6379/0). When nothing answers there (a
connect and a trivial query, 2 s at most), `session_servers` starts a private server on a free
loopback port in a temporary directory and points the variable at it; closing the returned stack
stops the server and deletes the directory. Under pytest-xdist the root conftest calls it once, in
the controller, before the workers are spawned: they inherit the variables.

The binaries come from Debian's `postgresql` (initdb, pg_ctl under /usr/lib/postgresql/*/bin)
and `redis-server`, which `make system-packages` installs. initdb refuses to run as root, so as
root PostgreSQL runs as the `postgres` system user, in a directory that user owns.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from glob import glob
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import redis
from psycopg import sql
from sqlalchemy.engine import URL, make_url

__all__ = [
    "DEFAULT_PG_URL",
    "DEFAULT_REDIS_URL",
    "PG_URL_ENV",
    "REDIS_URL_ENV",
    "ServerStartError",
    "session_servers",
]

PG_URL_ENV = "OMNIARB_TEST_PG_URL"
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL_ENV = "OMNIARB_TEST_REDIS_URL"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"

PROBE_TIMEOUT_S = 2
# initdb + start take ~1 s here; the deadline only bounds a hung start.
START_DEADLINE_S = 60.0
POLL_INTERVAL_S = 0.05
# Durability is worthless for a throw-away test database and costs seconds of fsync.
_PG_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}

Report = Callable[[str], None]


class ServerStartError(Exception):
    """A test server could not be found or started; the message says what to install or read."""


def session_servers(report: Report) -> ExitStack:
    """Make both URL variables name a server that answers, starting private ones as needed.

    `report` receives one line per server started; closing the stack stops them and restores
    the variables. On failure, whatever was started is stopped before the error propagates.
    """
    stack = ExitStack()
    try:
        for env, default, answers, private in (
            (PG_URL_ENV, DEFAULT_PG_URL, _postgres_error, _private_postgres),
            (REDIS_URL_ENV, DEFAULT_REDIS_URL, _redis_error, _private_redis),
        ):
            configured = os.environ.get(env, default)
            problem = answers(configured)
            url = configured
            if problem is not None:
                started_ns = time.monotonic_ns()
                url = stack.enter_context(private(configured))
                took_s = (time.monotonic_ns() - started_ns) / 1e9
                shown = make_url(configured).render_as_string(hide_password=True)
                report(
                    f"{env}: nothing answers at {shown} ({problem}); started a private "
                    f"server at {url} in {took_s:.2f} s"
                )
            stack.callback(_restore_env, env, os.environ.get(env))
            os.environ[env] = url
    except BaseException:
        stack.close()
        raise
    return stack


def _restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def _free_port() -> int:
    """A loopback port nothing listens on now (the server binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _wait_until_answers(
    what: str, problem: Callable[[], str | None], log: Path, exited: Callable[[], bool]
) -> None:
    """Poll `problem` (None: it answered) until it answers; fail loudly if the server exited or
    the deadline passed, with the tail of its log."""
    deadline = time.monotonic() + START_DEADLINE_S
    while (last := problem()) is not None:
        if exited() or time.monotonic() > deadline:
            why = "exited" if exited() else f"did not answer within {START_DEADLINE_S:.0f} s"
            raise ServerStartError(f"{what} {why} ({last}); {_tail(log)}")
        time.sleep(POLL_INTERVAL_S)


def _tail(log: Path, lines: int = 15) -> str:
    try:
        text = log.read_text(errors="replace").splitlines()[-lines:]
    except OSError as exc:
        return f"no log at {log}: {exc}"
    return f"last lines of {log}:\n" + "\n".join(text)


def _run(command: list[str], *, cwd: Path, what: str, log: Path | None = None) -> None:
    done = subprocess.run(
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False
    )
    if done.returncode != 0:
        shown = " ".join(command)
        more = "" if log is None else f"\n{_tail(log)}"
        raise ServerStartError(f"{what} failed ({done.returncode}): {shown}\n{done.stdout}{more}")


# -- PostgreSQL ----------------------------------------------------------------------------------


def _libpq_url(url: URL) -> str:
    """`url` as libpq reads it (no SQLAlchemy `+driver`)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _postgres_error(url: str) -> str | None:
    """None if a `SELECT 1` on `url` works, else why not."""
    try:
        with psycopg.connect(_libpq_url(make_url(url)), connect_timeout=PROBE_TIMEOUT_S) as conn:
            conn.execute("SELECT 1")
    except (psycopg.Error, ValueError) as exc:
        return _first_line(exc)
    return None


def _postgres_bin_dir() -> Path:
    """The newest installed server's bin directory (Debian keeps initdb off the PATH)."""
    found = sorted(
        (Path(p).parent for p in glob("/usr/lib/postgresql/*/bin/initdb")),
        key=lambda bin_dir: int(bin_dir.parent.name) if bin_dir.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1]
    on_path = shutil.which("initdb")
    if on_path is not None and shutil.which("pg_ctl") is not None:
        return Path(on_path).parent
    raise ServerStartError(
        "no PostgreSQL server binaries (initdb, pg_ctl under /usr/lib/postgresql/*/bin) to start "
        "a private test server: install the Debian package `postgresql` (`make system-packages`) "
        f"or point {PG_URL_ENV} at a server that answers"
    )


def _as_unprivileged() -> tuple[list[str], pwd.struct_passwd | None]:
    """The command prefix that runs PostgreSQL's tools, and the user they run as when root."""
    if os.geteuid() != 0:
        return [], None
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        raise ServerStartError(
            "running as root, and initdb refuses root: no `postgres` system user to run it as "
            "(the Debian package `postgresql` creates it)"
        ) from None
    runuser = shutil.which("runuser")
    if runuser is None:
        raise ServerStartError("running as root, and initdb refuses root: no `runuser` on PATH")
    return [runuser, "-u", user.pw_name, "--"], user


@contextmanager
def _private_postgres(configured: str) -> Iterator[str]:
    """A PostgreSQL cluster in a temporary directory, trust auth, on 127.0.0.1 only, holding the
    database `configured` names; its URL is `configured` on 127.0.0.1, a free port, no password."""
    bin_dir = _postgres_bin_dir()
    prefix, owner = _as_unprivileged()
    base = make_url(configured)
    user = base.username or "postgres"
    database = base.database or "postgres"
    port = _free_port()
    root = Path(tempfile.mkdtemp(prefix="omniarb-pg-"))
    try:
        if owner is not None:
            os.chown(root, owner.pw_uid, owner.pw_gid)
        data, log = root / "data", root / "server.log"
        initdb = [*prefix, str(bin_dir / "initdb"), "-D", str(data), f"--username={user}"]
        initdb += ["--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"]
        _run(initdb, cwd=root, what="initdb")
        settings = {
            "port": str(port),
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{root}'",
            **_PG_SETTINGS,
        }
        with (data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())
        pg_ctl = [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data)]
        try:
            # -w: pg_ctl returns once the server is ready, or fails at once if it exits.
            start = [*pg_ctl, "-l", str(log), "-w", "-t", f"{START_DEADLINE_S:.0f}", "start"]
            _run(start, cwd=root, what="pg_ctl start", log=log)
            # No password: trust auth needs none, and the URL is logged.
            admin = URL.create(
                base.drivername, user, None, "127.0.0.1", port, "postgres", base.query
            )
            _wait_until_answers(
                f"the private PostgreSQL in {root}",
                lambda: _postgres_error(_libpq_url(admin)),
                log,
                exited=lambda: not (data / "postmaster.pid").exists(),
            )
            if database != "postgres":
                with psycopg.connect(_libpq_url(admin), autocommit=True) as conn:
                    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
            yield admin.set(database=database).render_as_string(hide_password=False)
        finally:
            if (data / "postmaster.pid").exists():
                _run([*pg_ctl, "-m", "fast", "-w", "stop"], cwd=root, what="pg_ctl stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)


# -- Redis ---------------------------------------------------------------------------------------


def _redis_error(url: str) -> str | None:
    """None if a PING on `url` works, else why not."""
    try:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=PROBE_TIMEOUT_S, socket_timeout=PROBE_TIMEOUT_S
        )
    except ValueError as exc:
        return _first_line(exc)
    try:
        client.ping()
    except redis.RedisError as exc:
        return _first_line(exc)
    finally:
        client.close()
    return None


@contextmanager
def _private_redis(configured: str) -> Iterator[str]:
    """A redis-server child process on 127.0.0.1 that never writes to disk; its URL keeps the
    database number of `configured` (and drops its credentials: the private server has none)."""
    server = shutil.which("redis-server")
    if server is None:
        raise ServerStartError(
            "no `redis-server` on PATH to start a private test server: install the Debian "
            f"package `redis-server` (`make system-packages`) or point {REDIS_URL_ENV} at a "
            "server that answers"
        )
    database = urlsplit(configured).path.strip("/") or "0"
    port = _free_port()
    url = f"redis://127.0.0.1:{port}/{database}"
    with tempfile.TemporaryDirectory(prefix="omniarb-redis-") as root:
        log = Path(root) / "server.log"
        command = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "no", "--dir", root, "--logfile", str(log)]
        process = subprocess.Popen(command, cwd=root, stdin=subprocess.DEVNULL)
        try:
            _wait_until_answers(
                f"the private Redis in {root}",
                lambda: _redis_error(url),
                log,
                exited=lambda: process.poll() is not None,
            )
            yield url
        finally:
            process.terminate()  # SIGTERM: redis-server shuts down (nothing to save)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
