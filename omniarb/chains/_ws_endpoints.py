"""The WebSocket endpoints of one subscription stream and their health, judged by the rules the
HTTP failover layer uses (`omniarb.chains.rpc.FailoverPolicy`): a moving-average score, a cooldown
growing with each failure in a row, and a head compared with the best one (stale past
`max_lag_blocks`). Reported as the same `EndpointHealth` values, so the monitor shows HTTP and
WebSocket endpoints in one metrics family. Part of `omniarb.chains.ws`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from omniarb.chains.rpc import EndpointHealth, EndpointObserver, FailoverPolicy
from omniarb.errors import endpoint_label

__all__ = ["WsEndpoint", "WsEndpoints"]

log = logging.getLogger(__name__)


class WsEndpoint:
    """The mutable record behind one endpoint's `EndpointHealth`."""

    def __init__(self, url: str, index: int, now: float) -> None:
        self.url = url
        self.label = endpoint_label(url)
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
        # Left for falling behind: not taken back before `held_until`, however well it answers
        # a probe (a node can answer `eth_blockNumber` at once and deliver its heads late).
        self.held_until = 0.0
        self.times_left_behind = 0

    def score_at(self, now: float, half_life_s: float) -> float:
        recovered: float = 0.5 ** ((now - self.scored_at) / half_life_s)
        return 1.0 - (1.0 - self.score) * recovered


class WsEndpoints:
    """`urls` in order of preference; which to connect to next and which one is better than
    the one in use."""

    def __init__(
        self,
        urls: Sequence[str],
        policy: FailoverPolicy,
        *,
        observer: EndpointObserver | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not urls:
            raise ValueError("a WebSocket stream needs at least one endpoint")
        self.policy = policy
        self._clock = clock
        now = clock()
        self.all = tuple(WsEndpoint(url, i, now) for i, url in enumerate(urls))
        self._observer = observer

    def ready(self, endpoint: WsEndpoint) -> bool:
        return endpoint.cooldown_until <= self._clock()

    def candidates(self) -> list[WsEndpoint]:
        """Where to connect, best first: endpoints not cooling down, fresh ones before stale
        ones, each in order of preference; when all cool down, the one back soonest."""
        ready = [e for e in self.all if self.ready(e)]
        if not ready:
            return [min(self.all, key=lambda e: e.cooldown_until)]
        return sorted(ready, key=lambda e: (self.stale(e), e.index))

    def preferred_over(self, active: WsEndpoint) -> WsEndpoint | None:
        """The first endpoint preferred to `active` that answered its last probe, is not
        cooling down and is not stale: the stream goes back to it."""
        now = self._clock()
        for endpoint in self.all[: active.index]:
            healthy = endpoint.in_a_row == 0 and endpoint.head is not None
            held = endpoint.held_until > now
            if healthy and not held and self.ready(endpoint) and not self.stale(endpoint):
                return endpoint
        return None

    def best_head(self) -> int | None:
        heads = [e.head for e in self.all if e.head is not None]
        return max(heads) if heads else None

    def lag(self, endpoint: WsEndpoint) -> int | None:
        best = self.best_head()
        return None if endpoint.head is None or best is None else best - endpoint.head

    def stale(self, endpoint: WsEndpoint) -> bool:
        lag = self.lag(endpoint)
        return lag is not None and lag > self.policy.max_lag_blocks

    def saw_head(self, endpoint: WsEndpoint, number: int) -> None:
        # A head only moves forward here: a late notification must not make an endpoint stale.
        endpoint.head = number if endpoint.head is None else max(endpoint.head, number)

    def answered(self, endpoint: WsEndpoint, latency_s: float | None = None) -> None:
        """A connection or a probe succeeded: the endpoint is back, if it was away."""
        endpoint.calls += 1
        if latency_s is not None:
            previous = endpoint.latency_s
            endpoint.latency_s = (
                latency_s if previous is None else previous + 0.2 * (latency_s - previous)
            )
        if endpoint.score < 1.0:
            self._rescore(endpoint, 1.0)
        if endpoint.in_a_row:
            log.warning("ws endpoint %s answers again", endpoint.label)
            endpoint.in_a_row = 0
            endpoint.cooldown_until = 0.0
        self.notify(endpoint)

    def failed(self, endpoint: WsEndpoint, error: str) -> None:
        """A connection, a subscription or a probe failed, or the endpoint fell behind."""
        now = self._clock()
        endpoint.calls += 1
        endpoint.failures += 1
        endpoint.last_error = error
        cooldown_s = self.policy.cooldown.ceiling_s(endpoint.in_a_row)
        endpoint.in_a_row += 1
        endpoint.cooldown_until = now + cooldown_s
        self._rescore(endpoint, 0.0)
        self.notify(endpoint)

    def left_behind(self, endpoint: WsEndpoint, error: str) -> None:
        """The stream leaves `endpoint` for being stale: a failure, and a hold on coming back
        that doubles each time it happens (until `kept_up` forgives it)."""
        self.failed(endpoint, error)
        hold_s = self.policy.cooldown.ceiling_s(endpoint.times_left_behind)
        endpoint.times_left_behind += 1
        endpoint.held_until = self._clock() + hold_s

    def kept_up(self, endpoint: WsEndpoint) -> None:
        """The stream was on `endpoint` a while without it falling behind."""
        endpoint.times_left_behind = 0

    def _rescore(self, endpoint: WsEndpoint, value: float) -> None:
        now = self._clock()
        current = endpoint.score_at(now, self.policy.score_half_life_s)
        endpoint.score = current + self.policy.score_weight * (value - current)
        endpoint.scored_at = now

    def notify(self, endpoint: WsEndpoint) -> None:
        if self._observer is not None:
            self._observer(self.health(endpoint))

    def health(self, endpoint: WsEndpoint) -> EndpointHealth:
        now = self._clock()
        return EndpointHealth(
            endpoint=endpoint.label,
            score=endpoint.score_at(now, self.policy.score_half_life_s),
            cooling_down=endpoint.cooldown_until > now,
            head_block=endpoint.head,
            lag_blocks=self.lag(endpoint),
            stale=self.stale(endpoint),
            calls=endpoint.calls,
            failures=endpoint.failures,
            failures_in_a_row=endpoint.in_a_row,
            latency_ms=None if endpoint.latency_s is None else endpoint.latency_s * 1000,
            last_error=endpoint.last_error,
        )
