"""The retry layer: a failed request is sent again after a jittered, growing delay, when that is
safe and can help.

Only `RetryableError`s are retried (a revert or a refusal would be answered the same way again),
and only requests that may go out twice (`may_resend`: reads, or any request the node provably
did not take). A rate-limited endpoint's own `Retry-After` is waited for when it asks longer
than our schedule, up to the schedule's ceiling. `max_attempts=None` retries forever (a devnet
market that waits out a node restart); the product's default gives up after a few attempts and
lets the caller decide.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from omniarb.backoff import Backoff
from omniarb.chains.rpc._layer import BATCH, RpcLayer, RpcRequest, may_resend
from omniarb.errors import RateLimitedError, RetryableError

__all__ = ["OnRetry", "Retry", "RetryPolicy"]

log = logging.getLogger(__name__)

T = TypeVar("T")

# (method, the error, the delay before the next attempt): a counter's hook.
OnRetry = Callable[[str, RetryableError, float], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """At most `max_attempts` tries (None: no limit), `backoff` between them."""

    max_attempts: int | None = 3
    backoff: Backoff = field(default_factory=lambda: Backoff(initial_s=0.05, max_s=1.0))

    def __post_init__(self) -> None:
        if self.max_attempts is not None and self.max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1 or None, got {self.max_attempts}")


class Retry:
    """Wraps the layers below with `policy`; `retries` counts the requests sent again."""

    def __init__(
        self,
        inner: RpcLayer,
        policy: RetryPolicy,
        *,
        rng: random.Random | None = None,
        on_retry: OnRetry | None = None,
    ) -> None:
        self._inner = inner
        self.policy = policy
        self._rng = rng or random.Random()
        self._on_retry = on_retry
        self.retries = 0

    async def call(self, method: str, *params: Any) -> Any:
        # The first attempt inline: a request that succeeds pays for no closure or extra frame.
        try:
            return await self._inner.call(method, *params)
        except RetryableError as exc:
            first = exc
        return await self._again(
            method, (method,), lambda: self._inner.call(method, *params), first
        )

    async def batch(self, requests: Sequence[RpcRequest]) -> list[Any]:
        try:
            return await self._inner.batch(requests)
        except RetryableError as exc:
            first = exc
        methods = tuple(m for m, _ in requests)
        return await self._again(BATCH, methods, lambda: self._inner.batch(requests), first)

    async def _again(
        self,
        label: str,
        methods: Sequence[str],
        send: Callable[[], Awaitable[T]],
        first: RetryableError,
    ) -> T:
        """Attempts after the first one failed with `first`; the last error raises as it was."""
        failed, attempt = first, 1
        limit = self.policy.max_attempts
        while (limit is None or attempt < limit) and may_resend(methods, failed):
            delay_s = self.policy.backoff.delay_s(attempt - 1, self._rng)
            if isinstance(failed, RateLimitedError) and failed.retry_after_s is not None:
                # Honoured up to our own ceiling: failover keeps that endpoint aside longer.
                delay_s = max(delay_s, min(failed.retry_after_s, self.policy.backoff.max_s))
            self.retries += 1
            if self._on_retry is not None:
                self._on_retry(label, failed, delay_s)
            log.debug("%s failed (%s); attempt %d in %.3f s", label, failed, attempt + 1, delay_s)
            await asyncio.sleep(delay_s)
            attempt += 1
            try:
                return await send()
            except RetryableError as exc:
                failed = exc
        raise failed
