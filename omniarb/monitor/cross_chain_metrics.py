"""The cross-chain series: trades by status, realized PnL, open exposure per chain, and the
pool updates the coordinator's tap dropped (its queue full: the hot path never waits for it)."""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge

__all__ = ["CrossChainMetrics"]


class CrossChainMetrics:
    """Cross-chain series on `registry`."""

    def __init__(self, registry: CollectorRegistry) -> None:
        r = registry
        self.trades = Counter(
            "omniarb_cross_chain_trades",
            "Cross-chain trades settled, by status",
            ("status", "sell_chain", "buy_chain"),
            registry=r,
        )
        self.realized_pnl = Counter(
            "omniarb_cross_chain_realized_pnl_usd",
            "Realized PnL of cross-chain trades (USD; a loss counts negative in the _net gauge)",
            ("sign",),
            registry=r,
        )
        self.realized_pnl_net = Gauge(
            "omniarb_cross_chain_realized_pnl_net_usd",
            "Net realized PnL of cross-chain trades since start (USD)",
            registry=r,
        )
        self.open_exposure = Gauge(
            "omniarb_cross_chain_open_exposure_usd",
            "Open exposure a failed leg left, per chain (USD at opening)",
            ("chain",),
            registry=r,
        )
        self.dropped_updates = Counter(
            "omniarb_cross_chain_dropped_updates",
            "Pool updates the cross-chain tap dropped (its queue full)",
            ("chain",),
            registry=r,
        )

    def trade(self, *, status: str, sell_chain: str, buy_chain: str, realized_usd: float) -> None:
        self.trades.labels(status, sell_chain, buy_chain).inc()
        self.realized_pnl.labels("profit" if realized_usd >= 0 else "loss").inc(abs(realized_usd))
        self.realized_pnl_net.inc(realized_usd)

    def exposure(self, open_usd_by_chain: Mapping[str, float], chains: tuple[str, ...]) -> None:
        for chain in chains:
            self.open_exposure.labels(chain).set(open_usd_by_chain.get(chain, 0.0))
