"""The per-chain health series: is the node up, how far behind is the pipeline, how many items a
stage dropped on an unexpected error, how often a chain's task was restarted.

They live on the bot's one registry (`Metrics.health`); the web dashboard and Grafana read them
to say which chain is down.
"""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge

__all__ = ["ChainHealthMetrics"]


class ChainHealthMetrics:
    """Health series on `registry`; `chains` pre-creates each chain's series (up starts at 0
    until its node first answers)."""

    def __init__(self, registry: CollectorRegistry, *, chains: Sequence[str] = ()) -> None:
        r = registry
        self.chain_up = Gauge(
            "omniarb_chain_up",
            "1 while the chain's node answers the liveness probe, 0 while it does not",
            ("chain",),
            registry=r,
        )
        self.chain_down_seconds = Gauge(
            "omniarb_chain_down_seconds",
            "How long the chain's node has not answered (0 while up)",
            ("chain",),
            registry=r,
        )
        self.node_head = Gauge(
            "omniarb_chain_node_head_block",
            "The node's latest block, as the liveness probe last saw it",
            ("chain",),
            registry=r,
        )
        self.stage_errors = Counter(
            "omniarb_stage_errors_total",
            "Items a chain's stage dropped on an error (the chain went on)",
            ("chain", "stage"),
            registry=r,
        )
        for name in chains:
            self.chain_up.labels(name).set(0)

    def observe_node(
        self, chain: str, *, up: bool, head_block: int | None, down_for_s: float
    ) -> None:
        self.chain_up.labels(chain).set(1 if up else 0)
        self.chain_down_seconds.labels(chain).set(0.0 if up else down_for_s)
        if head_block is not None:
            self.node_head.labels(chain).set(head_block)

    def observe_stage_error(self, chain: str, stage: str) -> None:
        self.stage_errors.labels(chain, stage).inc()
