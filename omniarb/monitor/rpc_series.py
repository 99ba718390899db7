"""`RpcSeries`: the Prometheus series of the chains' JSON-RPC clients, part of `Metrics`.

Every request's round trip and failure (by chain and method), and each endpoint's state as the
client's failover layer sees it (health score, in use or not, blocks behind the best endpoint).
`Metrics.observe_rpc` and `Metrics.observe_rpc_endpoint` feed it (`ChainRpcMetrics` calls them).
"""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from omniarb.chains.rpc import EndpointHealth

__all__ = ["RpcSeries"]


class RpcSeries:
    """The RPC series on `registry`; `latency_s` are the round-trip histogram's buckets."""

    def __init__(self, registry: CollectorRegistry, *, latency_s: Sequence[float]) -> None:
        r = registry
        self._latency_series: dict[tuple[str, str], Histogram] = {}
        self.latency = Histogram(
            "omniarb_rpc_latency_seconds",
            "JSON-RPC round trip",
            ("chain", "method"),
            buckets=latency_s,
            registry=r,
        )
        self.errors = Counter(
            "omniarb_rpc_errors_total",
            "Failed JSON-RPC calls",
            ("chain", "method", "kind"),
            registry=r,
        )
        endpoint = ("chain", "endpoint")
        self.endpoint_health = Gauge(
            "omniarb_rpc_endpoint_health",
            "Health score of an RPC endpoint (1: every recent answer good, 0: none)",
            endpoint,
            registry=r,
        )
        self.endpoint_up = Gauge(
            "omniarb_rpc_endpoint_up",
            "1 while an RPC endpoint is in use (not cooling down after failures, not stale)",
            endpoint,
            registry=r,
        )
        self.endpoint_lag = Gauge(
            "omniarb_rpc_endpoint_lag_blocks",
            "Blocks an RPC endpoint's head trails the best endpoint's",
            endpoint,
            registry=r,
        )

    def observe(self, chain: str, method: str, duration_s: float, *, error: str | None) -> None:
        """One JSON-RPC call (a batch counts as method `batch`); `error` names its failure kind."""
        # Every request lands here: the labelled child is looked up once per (chain, method).
        series = self._latency_series.get((chain, method))
        if series is None:
            series = self._latency_series[chain, method] = self.latency.labels(chain, method)
        series.observe(duration_s)
        if error is not None:
            self.errors.labels(chain, method, error).inc()

    def observe_endpoint(self, chain: str, health: EndpointHealth) -> None:
        """One endpoint's state, as the RPC client's failover layer last saw it."""
        labels = (chain, health.endpoint)
        self.endpoint_health.labels(*labels).set(health.score)
        self.endpoint_up.labels(*labels).set(0 if health.cooling_down or health.stale else 1)
        if health.lag_blocks is not None:
            self.endpoint_lag.labels(*labels).set(max(0, health.lag_blocks))
