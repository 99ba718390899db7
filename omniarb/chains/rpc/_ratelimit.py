"""The rate-limit layer: a token bucket per endpoint, so we stay under a provider's quota
instead of finding it with 429s.

The bucket holds up to `burst` tokens and refills at `rate_per_s`; a request takes one token, a
batch one per request in it (providers bill each), at most `burst` (a batch larger than the
bucket waits for a full bucket rather than forever). Callers wait in arrival order.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Any

from omniarb.chains.rpc._layer import RpcLayer, RpcRequest

__all__ = ["RateLimit", "TokenBucket"]


class TokenBucket:
    """`await bucket.take(n)` returns once `n` tokens are taken (waiting for the refill)."""

    def __init__(
        self,
        *,
        rate_per_s: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate_per_s <= 0 or burst < 1:
            raise ValueError(
                f"a token bucket needs rate_per_s > 0 and burst >= 1, got {rate_per_s}, {burst}"
            )
        self.rate_per_s = rate_per_s
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._stamp = clock()
        self._lock = asyncio.Lock()
        self.waited_s = 0.0

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate_per_s)
        self._stamp = now

    async def take(self, tokens: int = 1) -> None:
        need = min(max(tokens, 1), self.burst)
        if not self._lock.locked():
            # Nobody waiting: take from a bucket that has enough without a lock round trip.
            self._refill()
            if self._tokens >= need:
                self._tokens -= need
                return
        # One waiter at a time: the lock's queue is the order requests go out in.
        async with self._lock:
            self._refill()
            short = need - self._tokens
            if short > 0:
                wait_s = short / self.rate_per_s
                self.waited_s += wait_s
                await asyncio.sleep(wait_s)
                self._refill()
            self._tokens -= need


class RateLimit:
    """Wraps one endpoint's layers: every request first takes its tokens from `bucket`."""

    def __init__(self, inner: RpcLayer, bucket: TokenBucket) -> None:
        self._inner = inner
        self.bucket = bucket

    async def call(self, method: str, *params: Any) -> Any:
        await self.bucket.take(1)
        return await self._inner.call(method, *params)

    async def batch(self, requests: Sequence[RpcRequest]) -> list[Any]:
        if requests:
            await self.bucket.take(len(requests))
        return await self._inner.batch(requests)
