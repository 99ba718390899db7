"""Prometheus series of the execute stage's checks before a send.

`omniarb_local_simulation_rejects_total{chain}` counts the trades the local simulation refused
(never sent; each is also an execution with status `rejected`). `omniarb_precheck_audits_total
{chain, result}` counts the sampled audits of trades sent without the node's pre-check, by
whether the node's `eth_call` agreed with the local prediction (`match`) or not (`mismatch`:
the route's tokens are flagged and get the remote pre-check again), or could not tell
(`inconclusive`: the node no longer serves the block the simulation read, as after a reorg).
"""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Counter

__all__ = ["AUDIT_RESULTS", "LOCAL_SIMULATION_PREFIX", "PrecheckMetrics"]

AUDIT_RESULTS = ("match", "mismatch", "inconclusive")
# How a rejection by the local simulation reads (`execute.local_check.LocalSimulationError`).
LOCAL_SIMULATION_PREFIX = "local simulation:"


class PrecheckMetrics:
    """The pre-check series, in `registry` (the bot's `Metrics` owns one)."""

    def __init__(self, registry: CollectorRegistry, *, chains: Sequence[str] = ()) -> None:
        self.local_rejects = Counter(
            "omniarb_local_simulation_rejects_total",
            "Trades the local simulation refused before sending",
            ("chain",),
            registry=registry,
        )
        self.audits = Counter(
            "omniarb_precheck_audits_total",
            "Sampled eth_call audits of trades sent without the remote pre-check, by result",
            ("chain", "result"),
            registry=registry,
        )
        for name in chains:
            self.local_rejects.labels(name)
            for result in AUDIT_RESULTS:
                self.audits.labels(name, result)

    def observe_rejection(self, chain: str, error: str | None) -> None:
        """A rejected execution: counted here when the local simulation refused it."""
        if error is not None and error.startswith(LOCAL_SIMULATION_PREFIX):
            self.local_rejects.labels(chain).inc()

    def observe_audit(self, chain: str, result: str) -> None:
        """One audit's `result`, one of `AUDIT_RESULTS`."""
        if result not in AUDIT_RESULTS:
            raise ValueError(f"unknown audit result {result!r}")
        self.audits.labels(chain, result).inc()
