"""`ChainRpcMetrics`: one chain's RPC client reporting into `Metrics` (request latency and
errors, endpoint health, hedged sends), so the chain latency panels have data."""

from __future__ import annotations

from omniarb.chains.rpc import EndpointHealth, HedgeAnswer
from omniarb.monitor.metrics import Metrics

__all__ = ["ChainRpcMetrics"]


class ChainRpcMetrics:
    """An `RpcObserver` (see `omniarb.chains.rpc`) for `chain`: give it as `RpcClient`'s
    `observer`."""

    def __init__(self, metrics: Metrics, chain: str) -> None:
        self._metrics = metrics
        self.chain = chain

    def rpc_call(self, method: str, duration_s: float, error: str | None) -> None:
        self._metrics.observe_rpc(self.chain, method, duration_s, error=error)

    def rpc_endpoint(self, health: EndpointHealth) -> None:
        self._metrics.observe_rpc_endpoint(self.chain, health)

    def rpc_hedge(self, answer: HedgeAnswer) -> None:
        self._metrics.hedge.observe(self.chain, answer)
