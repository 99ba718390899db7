"""The hedge layer's series: how each endpoint answered hedged sends, and how often it was the
first to acknowledge (the one whose answer the bot used).

    omniarb_rpc_hedge_wins_total{chain,endpoint}
    omniarb_rpc_hedge_answers_total{chain,endpoint,outcome}

`outcome` is `ack` (a result or "already known"), `refused` (a node's refusal while no other
endpoint had acknowledged), `refused_after_ack` (a refusal after another endpoint's
acknowledgment: logged, not raised) or `failed` (a transport error). They live on the bot's one
registry (`Metrics.hedge`), fed by `ChainRpcMetrics.rpc_hedge`.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

from omniarb.chains.rpc import HedgeAnswer

__all__ = ["HEDGE_OUTCOMES", "HedgeMetrics"]

HEDGE_OUTCOMES = ("ack", "refused", "refused_after_ack", "failed")


class HedgeMetrics:
    """Hedged-send series on `registry`."""

    def __init__(self, registry: CollectorRegistry) -> None:
        endpoint = ("chain", "endpoint")
        self.wins = Counter(
            "omniarb_rpc_hedge_wins_total",
            "Hedged requests an RPC endpoint acknowledged first (its answer was used)",
            endpoint,
            registry=registry,
        )
        self.answers = Counter(
            "omniarb_rpc_hedge_answers_total",
            "Answers of an RPC endpoint to hedged requests, by outcome",
            (*endpoint, "outcome"),
            registry=registry,
        )

    def observe(self, chain: str, answer: HedgeAnswer) -> None:
        """One endpoint's answer to one hedged request."""
        late_refusal = answer.outcome == "refused" and answer.after_ack
        label = "refused_after_ack" if late_refusal else answer.outcome
        self.answers.labels(chain, answer.endpoint, label).inc()
        if answer.won:
            self.wins.labels(chain, answer.endpoint).inc()
