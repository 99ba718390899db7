"""The metrics layer: how long each request took as its caller saw it (retries, failover and
rate-limit waits included), and how it ended, handed to an observer.

The observer is the monitor's (`omniarb.monitor.metrics.ChainRpcMetrics`, which feeds
`Metrics.observe_rpc`): this package knows nothing of Prometheus.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Protocol

from omniarb.chains.rpc._failover import EndpointHealth
from omniarb.chains.rpc._hedge import HedgeAnswer
from omniarb.chains.rpc._layer import BATCH, RpcLayer, RpcRequest
from omniarb.errors import OmniarbError

__all__ = ["Measure", "RpcObserver"]


class RpcObserver(Protocol):
    """Where a chain's RPC figures go: one call per request, one per endpoint change, one per
    endpoint's answer to a hedged request."""

    def rpc_call(self, method: str, duration_s: float, error: str | None) -> None: ...
    def rpc_endpoint(self, health: EndpointHealth) -> None: ...
    def rpc_hedge(self, answer: HedgeAnswer) -> None: ...


class Measure:
    """Wraps the stack: `observer.rpc_call(method, seconds, error class name or None)`."""

    def __init__(self, inner: RpcLayer, observer: RpcObserver) -> None:
        self._inner = inner
        self._observer = observer

    async def call(self, method: str, *params: Any) -> Any:
        started = time.perf_counter()
        try:
            result = await self._inner.call(method, *params)
        except OmniarbError as exc:
            self._observer.rpc_call(method, time.perf_counter() - started, type(exc).__name__)
            raise
        self._observer.rpc_call(method, time.perf_counter() - started, None)
        return result

    async def batch(self, requests: Sequence[RpcRequest]) -> list[Any]:
        started = time.perf_counter()
        try:
            results = await self._inner.batch(requests)
        except OmniarbError as exc:
            self._observer.rpc_call(BATCH, time.perf_counter() - started, type(exc).__name__)
            raise
        self._observer.rpc_call(BATCH, time.perf_counter() - started, None)
        return results
