"""Settings, key prefixes and a restartable private Redis for the bus tests.

`restartable_redis` starts a `redis-server` on a free loopback port with an append-only file
fsynced on every write (`--appendonly yes --appendfsync always`) in its own directory, so a test
can SIGTERM it and start it again on the same port and directory with its data intact. The
machine's Redis (`OMNIARB_TEST_REDIS_URL`) is only ever used through a test's own key prefix.

Lives at the root of tests/ (on sys.path through tests/conftest.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import redis
import redis.asyncio as aioredis
from _servers import DEFAULT_REDIS_URL, REDIS_URL_ENV, _free_port, _redis_error, _wait_until_answers

from omniarb._config_cluster import ClusterSettings
from omniarb.config import RedisSettings

__all__ = [
    "REDIS_URL",
    "RestartableRedis",
    "cluster_settings",
    "redis_settings",
    "restartable_redis",
    "unique_prefix",
]

REDIS_URL = os.environ.get(REDIS_URL_ENV, DEFAULT_REDIS_URL)


def redis_settings(prefix: str, url: str = REDIS_URL, **changes: object) -> RedisSettings:
    return RedisSettings.model_validate(
        {"enabled": True, "url": url, "key_prefix": prefix, **changes}
    )


def cluster_settings(**changes: object) -> ClusterSettings:
    """The defaults (claims after 5 s idle) but for `changes`. A test of claims passes a small
    `claim_idle_s`; the others keep 5 s, so that a batch slowed by a loaded machine is not
    claimed from a live consumer and handled twice (the documented limit of claiming)."""
    return ClusterSettings.model_validate(changes)


@asynccontextmanager
async def unique_prefix(url: str = REDIS_URL) -> AsyncIterator[str]:
    """A key prefix no other test uses; its keys are deleted afterwards."""
    name = f"t-{uuid.uuid4().hex[:12]}:"
    yield name
    client = aioredis.Redis.from_url(url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{name}*", count=1000)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@dataclass(slots=True, kw_only=True)
class RestartableRedis:
    """A private redis-server that a test can stop (SIGTERM) and start again, same port/dir."""

    port: int
    root: Path
    process: subprocess.Popen[bytes] | None = field(default=None)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        server = shutil.which("redis-server")
        if server is None:
            raise RuntimeError("no `redis-server` on PATH: install the Debian package")
        log = self.root / "server.log"
        command = [server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.root)]
        command += ["--logfile", str(log)]
        self.process = subprocess.Popen(command)
        process = self.process
        _wait_until_answers(
            f"the private Redis on port {self.port}",
            lambda: _redis_error(self.url),
            log,
            exited=lambda: process.poll() is not None,
        )

    def stop(self) -> None:
        """SIGTERM, and wait for the exit (Redis fsyncs the AOF and closes every client)."""
        if self.process is None:
            return
        self.process.terminate()
        self.process.wait(timeout=30)
        self.process = None

    def answers(self) -> bool:
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()


@contextmanager
def restartable_redis() -> Iterator[RestartableRedis]:
    with tempfile.TemporaryDirectory(prefix="omniarb-bus-redis-") as root:
        server = RestartableRedis(port=_free_port(), root=Path(root))
        server.start()
        try:
            yield server
        finally:
            server.stop()
