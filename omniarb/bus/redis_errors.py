"""Every redis-py error mapped once for the bus, the leases, the registry and the curve mirror:
a server that cannot be reached is `RetryableError`; a command Redis refuses is `FatalError`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from omniarb.errors import FatalError, RetryableError

__all__ = ["redis_errors"]


@asynccontextmanager
async def redis_errors(action: str, where: str) -> AsyncIterator[None]:
    """Run the block, mapping redis-py's errors to omni-arb's (`action` and `where` name them)."""
    try:
        yield
    except (RedisConnectionError, RedisTimeoutError) as exc:
        raise RetryableError(f"{action}: Redis at {where} unavailable: {exc}") from exc
    except RedisError as exc:
        raise FatalError(f"{action}: Redis at {where} refused it: {exc}") from exc
