"""`RpcClient`: the default stack of layers over one chain's endpoints, behind one object."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from omniarb.async_resource import AsyncResource
from omniarb.chains.rpc._failover import EndpointHealth, Failover, FailoverPolicy
from omniarb.chains.rpc._hedge import HEDGED_BY_DEFAULT, Hedge
from omniarb.chains.rpc._layer import RpcLayer, RpcRequest
from omniarb.chains.rpc._metrics import Measure, RpcObserver
from omniarb.chains.rpc._ratelimit import RateLimit, TokenBucket
from omniarb.chains.rpc._retry import OnRetry, Retry, RetryPolicy
from omniarb.chains.rpc._translate import TranslateErrors
from omniarb.chains.rpc._transport import HttpTransport

__all__ = ["RpcClient", "RpcPolicy"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RpcPolicy:
    """How the stack behaves: retries, failover, each endpoint's request rate (None: as fast
    as the caller asks), and the methods sent to every healthy endpoint at once when there are
    several (`hedged_methods`; empty: none)."""

    retry: RetryPolicy = field(default_factory=RetryPolicy)
    failover: FailoverPolicy = field(default_factory=FailoverPolicy)
    hedged_methods: frozenset[str] = HEDGED_BY_DEFAULT
    rate_limit_per_s: float | None = None
    rate_limit_burst: int = 20


class RpcClient(AsyncResource):
    """JSON-RPC to one chain over one or more HTTP endpoints, as a stack of layers::

        Measure (when an observer is given) → Retry → Hedge (several URLs) → Failover
            → per endpoint: RateLimit (when set) → TranslateErrors → HttpTransport

    Use as `async with RpcClient(url) as rpc: await rpc.call("eth_chainId")`, or with several
    URLs (the first is preferred while healthy). `url` is the first one.
    """

    def __init__(
        self,
        urls: str | Sequence[str],
        *,
        timeout_s: float = 30.0,
        policy: RpcPolicy | None = None,
        observer: RpcObserver | None = None,
        on_retry: OnRetry | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.urls = (urls,) if isinstance(urls, str) else tuple(urls)
        if not self.urls:
            raise ValueError("RpcClient needs at least one URL")
        self.url = self.urls[0]
        self.policy = policy = policy or RpcPolicy()
        self._transports = [HttpTransport(u, timeout_s=timeout_s) for u in self.urls]
        endpoints: list[tuple[str, RpcLayer]] = []
        for transport in self._transports:
            layer: RpcLayer = TranslateErrors(transport, url=transport.url)
            if policy.rate_limit_per_s is not None:
                bucket = TokenBucket(
                    rate_per_s=policy.rate_limit_per_s, burst=policy.rate_limit_burst
                )
                layer = RateLimit(layer, bucket)
            endpoints.append((transport.url, layer))
        self.failover = Failover(
            endpoints,
            policy.failover,
            observer=observer.rpc_endpoint if observer is not None else None,
        )
        self.hedge = (
            Hedge(
                self.failover,
                methods=policy.hedged_methods,
                observer=observer.rpc_hedge if observer is not None else None,
            )
            if len(self.urls) > 1 and policy.hedged_methods
            else None
        )
        self.retry = Retry(self.hedge or self.failover, policy.retry, rng=rng, on_retry=on_retry)
        self._stack: RpcLayer = (
            Measure(self.retry, observer) if observer is not None else self.retry
        )

    async def _open(self) -> None:
        for transport in self._transports:
            await transport.open()

    async def _close(self) -> None:
        await self.close()

    async def close(self) -> None:
        if self.hedge is not None:
            await self.hedge.drain()  # the slower endpoints' answers to hedged sends, counted
        for transport in self._transports:
            await transport.close()

    async def call(self, method: str, *params: Any) -> Any:
        """One request; its `result`, or an error of our tree (see `omniarb.errors`)."""
        return await self._stack.call(method, *params)

    async def batch(self, requests: Sequence[RpcRequest]) -> list[Any]:
        """Many requests in one HTTP round trip; results in request order.

        The first error object raises, naming its method: a batch is used for reads that must
        all succeed.
        """
        return await self._stack.batch(requests)

    def health(self) -> tuple[EndpointHealth, ...]:
        """Each endpoint's health, in the order the URLs were given."""
        return self.failover.health()
