"""Token buckets for the API: per token, per client address, per WebSocket connection.

A bucket holds up to `burst` requests and refills at `rate_per_s`; a request takes one. When
the bucket is empty the caller learns how long until one request's worth has refilled, which
becomes the `Retry-After` header (whole seconds, rounded up, so a client that waits exactly that
long is served). The buckets live on the app (`RateLimiter` is created by `create_app`), never in
a module global: two apps in one process do not share limits.

    limiter = RateLimiter(rate_per_s=20, burst=60)
    wait_s = limiter.take("token:ab12cd34")     # 0.0: served; > 0: 429, retry after ceil(wait_s)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["RateLimiter", "TokenBucket", "retry_after_s"]

Clock = Callable[[], float]

# Buckets kept before full (idle) ones are forgotten: bounds memory under a flood of addresses.
_MAX_KEYS = 10_000


def retry_after_s(wait_s: float) -> int:
    """The `Retry-After` value for a wait of `wait_s` seconds: whole seconds, at least 1."""
    return max(1, math.ceil(wait_s))


@dataclass(slots=True)
class TokenBucket:
    """One bucket (mutable: it is the limiter's private state, never shared as a value)."""

    rate_per_s: float
    burst: int
    tokens: float
    updated_s: float

    def take(self, now_s: float) -> float:
        """Take one request's worth: 0.0 when served, else the seconds until one is back."""
        self.tokens = min(
            float(self.burst), self.tokens + (now_s - self.updated_s) * self.rate_per_s
        )
        self.updated_s = now_s
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate_per_s

    def full(self, now_s: float) -> bool:
        return self.tokens + (now_s - self.updated_s) * self.rate_per_s >= self.burst


class RateLimiter:
    """A token bucket per key, all with the same rate and burst."""

    def __init__(self, *, rate_per_s: float, burst: int, clock: Clock = time.monotonic) -> None:
        if rate_per_s <= 0 or burst < 1:
            raise ValueError("a rate limit needs rate_per_s > 0 and burst >= 1")
        self.rate_per_s = rate_per_s
        self.burst = burst
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}

    def take(self, key: str) -> float:
        """One request for `key`: 0.0 when allowed, else the seconds to wait."""
        now_s = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= _MAX_KEYS:
                self._forget_idle(now_s)
            bucket = self._buckets[key] = TokenBucket(
                rate_per_s=self.rate_per_s, burst=self.burst, tokens=self.burst, updated_s=now_s
            )
        return bucket.take(now_s)

    def _forget_idle(self, now_s: float) -> None:
        # A full bucket is the same as no bucket: dropping it changes no decision.
        for key in [k for k, b in self._buckets.items() if b.full(now_s)]:
            del self._buckets[key]
        if len(self._buckets) >= _MAX_KEYS:
            # Everyone is mid-burst (a flood): drop the oldest half rather than grow unbounded.
            oldest = sorted(self._buckets, key=lambda k: self._buckets[k].updated_s)
            for key in oldest[: len(oldest) // 2]:
                del self._buckets[key]

    def __len__(self) -> int:
        return len(self._buckets)
