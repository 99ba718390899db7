"""The failover layer: several endpoints of one chain, each request on the healthiest one.

Each endpoint has a health score (a moving average of its recent answers, 1 = all good, that
drifts back towards 1 while the endpoint is left alone), a cooldown after failures (growing with
each failure in a row) and a head (the block number it last reported). A request goes to the
endpoints in this order: not cooling down, not stale (head more than `max_lag_blocks` behind the
best endpoint's), higher score, then the order they were configured in; on a retryable error it
moves on to the next one, when the request may be sent twice (`may_resend`). A revert or a
node's refusal is the answer: it is returned as it is, and the endpoint counts as healthy.

Heads are learnt for free from `eth_blockNumber` answers, and checked on every endpoint at most
every `head_check_interval_s` (one `eth_blockNumber` each, in parallel, by the request that finds
the check due). With one endpoint there is nothing to compare or fail over to: no checks, and
the endpoint is tried even while it cools down.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from omniarb.backoff import Backoff
from omniarb.chains.rpc._layer import BATCH, RpcLayer, RpcRequest, may_resend
from omniarb.errors import (
    RetryableError,
    RevertError,
    RpcError,
    RpcTimeoutError,
    endpoint_label,
)

__all__ = ["EndpointHealth", "EndpointObserver", "Failover", "FailoverPolicy", "HedgeTarget"]

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class FailoverPolicy:
    """When an endpoint is set aside: `max_lag_blocks` behind the best head, or cooling down
    for `cooldown.ceiling_s(n)` after its (n+1)-th failure in a row."""

    max_lag_blocks: int = 3
    head_check_interval_s: float = 2.0
    probe_timeout_s: float = 1.0
    cooldown: Backoff = field(default_factory=lambda: Backoff(initial_s=0.25, max_s=30.0))
    # Weight of the newest answer in the score, and how fast a left-alone score recovers.
    score_weight: float = 0.2
    score_half_life_s: float = 30.0


@dataclass(frozen=True, slots=True, kw_only=True)
class EndpointHealth:
    """One endpoint as the failover layer sees it (`endpoint` is scheme://host:port only)."""

    endpoint: str
    score: float
    cooling_down: bool
    head_block: int | None
    lag_blocks: int | None
    stale: bool
    calls: int
    failures: int
    failures_in_a_row: int
    latency_ms: float | None
    last_error: str | None


EndpointObserver = Callable[[EndpointHealth], None]


class _Endpoint:
    """The mutable record behind an `EndpointHealth`."""

    def __init__(self, url: str, layer: RpcLayer, index: int, now: float) -> None:
        self.url = url
        self.label = endpoint_label(url)
        self.layer = layer
        self.index = index
        self.score = 1.0
        self.scored_at = now
        self.cooldown_until = 0.0
        self.in_a_row = 0
        self.calls = 0
        self.failures = 0
        self.latency_s: float | None = None
        self.head: int | None = None
        self.last_error: str | None = None

    def score_at(self, now: float, half_life_s: float) -> float:
        recovered: float = 0.5 ** ((now - self.scored_at) / half_life_s)
        return 1.0 - (1.0 - self.score) * recovered


# An endpoint as the hedge layer holds it: its `layer` to send on and its `label` to log.
HedgeTarget = _Endpoint


class Failover:
    """Spreads requests over `endpoints` ((url, layers) pairs, in order of preference)."""

    def __init__(
        self,
        endpoints: Sequence[tuple[str, RpcLayer]],
        policy: FailoverPolicy | None = None,
        *,
        observer: EndpointObserver | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not endpoints:
            raise ValueError("failover needs at least one endpoint")
        self.policy = policy or FailoverPolicy()
        self._clock = clock
        now = clock()
        self._endpoints = [_Endpoint(u, layer, i, now) for i, (u, layer) in enumerate(endpoints)]
        self._observer = observer
        self._heads_due = now
        self.failovers = 0

    async def call(self, method: str, *params: Any) -> Any:
        return await self._send((method,), lambda layer: layer.call(method, *params))

    async def batch(self, requests: Sequence[RpcRequest]) -> list[Any]:
        methods = tuple(m for m, _ in requests)
        return await self._send(methods, lambda layer: layer.batch(requests))

    async def hedge_targets(self) -> list[HedgeTarget]:
        """The endpoints a request may go to now, all at once (the hedge layer's): those not
        cooling down and not stale, best first; heads are checked first when a check is due."""
        if len(self._endpoints) > 1 and self._clock() >= self._heads_due:
            await self._check_heads()
        best = self._best_head()
        return [e for e in self._order() if not self._is_stale(e, best)]

    def answered(self, endpoint: HedgeTarget, latency_s: float) -> None:
        """`endpoint` answered a request sent to it directly (a result or a node's refusal)."""
        self._answered(endpoint, latency_s)

    def failed(self, endpoint: HedgeTarget, error: RetryableError) -> None:
        """A request sent to `endpoint` directly failed with `error`."""
        self._failed(endpoint, error)

    def health(self) -> tuple[EndpointHealth, ...]:
        """Every endpoint's state now, in configuration order."""
        now = self._clock()
        best = self._best_head()
        return tuple(self._health(e, now, best) for e in self._endpoints)

    async def _send(self, methods: Sequence[str], send: Callable[[RpcLayer], Awaitable[T]]) -> T:
        if len(self._endpoints) > 1 and self._clock() >= self._heads_due:
            await self._check_heads()
        failed: RetryableError | None = None
        for endpoint in self._order():
            if failed is not None:
                self.failovers += 1
                log.info(
                    "%s failed on another endpoint; trying %s", _label(methods), endpoint.label
                )
            started = self._clock()
            try:
                result = await send(endpoint.layer)
            except RetryableError as exc:
                self._failed(endpoint, exc)
                if not may_resend(methods, exc):
                    raise
                failed = exc
                continue
            except (RevertError, RpcError):
                self._answered(endpoint, self._clock() - started)
                raise
            self._answered(endpoint, self._clock() - started)
            if methods == ("eth_blockNumber",) and isinstance(result, str):
                self._saw_head(endpoint, result)
            return result
        assert failed is not None  # `_order` is never empty
        raise failed

    def _order(self) -> list[_Endpoint]:
        if len(self._endpoints) == 1:
            return self._endpoints
        now = self._clock()
        ready = [e for e in self._endpoints if e.cooldown_until <= now]
        if not ready:
            # All cooling down: the one back soonest is better than none.
            return [min(self._endpoints, key=lambda e: e.cooldown_until)]
        if len(ready) == 1:
            return ready
        best = self._best_head()
        half_life_s = self.policy.score_half_life_s
        return sorted(
            ready,
            key=lambda e: (
                self._is_stale(e, best),
                # Rounded: a recovered endpoint ties with the others and its rank wins again.
                -round(e.score_at(now, half_life_s), 1),
                e.index,
            ),
        )

    def _best_head(self) -> int | None:
        heads = [e.head for e in self._endpoints if e.head is not None]
        return max(heads) if heads else None

    def _is_stale(self, endpoint: _Endpoint, best: int | None) -> bool:
        if endpoint.head is None or best is None:
            return False
        return best - endpoint.head > self.policy.max_lag_blocks

    def _rescore(self, endpoint: _Endpoint, now: float, value: float) -> None:
        current = endpoint.score_at(now, self.policy.score_half_life_s)
        weight = self.policy.score_weight
        endpoint.score = current + weight * (value - current)
        endpoint.scored_at = now

    def _answered(self, endpoint: _Endpoint, latency_s: float) -> None:
        endpoint.calls += 1
        previous = endpoint.latency_s
        endpoint.latency_s = (
            latency_s if previous is None else previous + 0.2 * (latency_s - previous)
        )
        if endpoint.score < 1.0:
            self._rescore(endpoint, self._clock(), 1.0)
        if endpoint.in_a_row:
            log.warning("rpc endpoint %s answers again", endpoint.label)
            endpoint.in_a_row = 0
            endpoint.cooldown_until = 0.0
            self._notify(endpoint)

    def _failed(self, endpoint: _Endpoint, error: RetryableError) -> None:
        now = self._clock()
        endpoint.calls += 1
        endpoint.failures += 1
        endpoint.last_error = f"{type(error).__name__}: {error}"
        if endpoint.in_a_row == 0:
            log.warning("rpc endpoint %s failing: %s", endpoint.label, endpoint.last_error)
        cooldown_s = self.policy.cooldown.ceiling_s(endpoint.in_a_row)
        endpoint.in_a_row += 1
        endpoint.cooldown_until = now + cooldown_s
        self._rescore(endpoint, now, 0.0)
        self._notify(endpoint)

    def _saw_head(self, endpoint: _Endpoint, answer: str) -> None:
        try:
            endpoint.head = int(answer, 16)
        except ValueError:
            return  # not a block number; the caller will find out

    async def _check_heads(self) -> None:
        """`eth_blockNumber` on every endpoint not cooling down, in parallel, bounded by the
        probe timeout; concurrent requests do not wait for a check another one runs."""
        now = self._clock()
        self._heads_due = now + self.policy.head_check_interval_s
        probed = [e for e in self._endpoints if e.cooldown_until <= now]

        async def probe(endpoint: _Endpoint) -> None:
            try:
                async with asyncio.timeout(self.policy.probe_timeout_s):
                    answer = await endpoint.layer.call("eth_blockNumber")
            except TimeoutError:
                limit_s = self.policy.probe_timeout_s
                slow = RpcTimeoutError(f"head probe took over {limit_s:g} s", url=endpoint.url)
                self._failed(endpoint, slow)
                return
            except RetryableError as exc:
                self._failed(endpoint, exc)
                return
            except (RevertError, RpcError) as exc:
                log.warning("rpc endpoint %s refused eth_blockNumber: %s", endpoint.label, exc)
                return
            if isinstance(answer, str):
                self._saw_head(endpoint, answer)

        await asyncio.gather(*(probe(e) for e in probed))
        best = self._best_head()
        for endpoint in probed:
            if self._is_stale(endpoint, best):
                log.warning(
                    "rpc endpoint %s is %d blocks behind; set aside",
                    endpoint.label,
                    (best or 0) - (endpoint.head or 0),
                )
            self._notify(endpoint)

    def _notify(self, endpoint: _Endpoint) -> None:
        if self._observer is not None:
            self._observer(self._health(endpoint, self._clock(), self._best_head()))

    def _health(self, e: _Endpoint, now: float, best: int | None) -> EndpointHealth:
        return EndpointHealth(
            endpoint=e.label,
            score=e.score_at(now, self.policy.score_half_life_s),
            cooling_down=e.cooldown_until > now,
            head_block=e.head,
            lag_blocks=None if e.head is None or best is None else best - e.head,
            stale=self._is_stale(e, best),
            calls=e.calls,
            failures=e.failures,
            failures_in_a_row=e.in_a_row,
            latency_ms=None if e.latency_s is None else e.latency_s * 1000,
            last_error=e.last_error,
        )


def _label(methods: Sequence[str]) -> str:
    return methods[0] if len(methods) == 1 else BATCH
