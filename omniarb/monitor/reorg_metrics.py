"""Prometheus series of reorgs that rewrote settled trades, and of trades awaiting finality.

A Prometheus counter never goes down, so a verdict a reorg took back is not subtracted from
`omniarb_trade_successes_total`, `omniarb_trade_failures_total`, `omniarb_profit_usd_total` or
`omniarb_loss_usd_total`: it is added to a matching "reversed" counter, and the new verdict is
counted as any outcome is. The corrected figures are differences:

    successes  = omniarb_trade_successes_total
               - omniarb_trade_outcomes_reversed_total{result="success"}
    net profit = (omniarb_profit_usd_total - omniarb_profit_usd_reversed_total)
               - (omniarb_loss_usd_total - omniarb_loss_usd_reversed_total)

Histograms (profit, gas, latency per trade) keep every verdict's sample: a distribution, not a
total. `omniarb_trade_reorgs_total{result}` counts the trades a reorg orphaned by what became of
them (`reincluded`, `pending`, `replaced`, `dropped`); `omniarb_trades_awaiting_finality` is the
number not yet past the chain's confirmation depth.
"""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge

from omniarb.types import Outcome

__all__ = ["REORG_RESULTS", "ReorgMetrics"]

REORG_RESULTS = ("reincluded", "pending", "replaced", "dropped")


class ReorgMetrics:
    """The reorg and finality series, in `registry` (the bot's `Metrics` owns one)."""

    def __init__(self, registry: CollectorRegistry, *, chains: Sequence[str] = ()) -> None:
        r = registry
        self.trade_reorgs = Counter(
            "omniarb_trade_reorgs_total",
            "Settled trades whose block a reorg orphaned, by what became of them",
            ("chain", "result"),
            registry=r,
        )
        self.outcomes_reversed = Counter(
            "omniarb_trade_outcomes_reversed_total",
            "Trade verdicts counted and then taken back by a reorg (success, reverted, dropped)",
            ("chain", "result"),
            registry=r,
        )
        self.profit_reversed = Counter(
            "omniarb_profit_usd_reversed_total",
            "Realized net profit (USD) counted and then taken back by a reorg",
            ("chain",),
            registry=r,
        )
        self.loss_reversed = Counter(
            "omniarb_loss_usd_reversed_total",
            "Realized net loss (USD, positive) counted and then taken back by a reorg",
            ("chain",),
            registry=r,
        )
        self.awaiting_finality = Gauge(
            "omniarb_trades_awaiting_finality",
            "Settled trades not yet past the chain's confirmation depth",
            ("chain",),
            registry=r,
        )
        self.final = Counter(
            "omniarb_trades_final_total",
            "Trades past the chain's confirmation depth",
            ("chain",),
            registry=r,
        )
        for name in chains:
            for result in REORG_RESULTS:
                self.trade_reorgs.labels(name, result)
            self.profit_reversed.labels(name)
            self.loss_reversed.labels(name)
            self.awaiting_finality.labels(name)
            self.final.labels(name)

    def take_back(self, chain: str, outcome: Outcome) -> None:
        """`outcome` was counted and a reorg replaced it: add it to the reversed counters."""
        result = "success" if outcome.success else "reverted" if outcome.included else "dropped"
        self.outcomes_reversed.labels(chain, result).inc()
        net_usd = outcome.realized_net_usd()
        self.profit_reversed.labels(chain).inc(max(net_usd, 0.0))
        self.loss_reversed.labels(chain).inc(max(-net_usd, 0.0))

    def reorged(self, chain: str, result: str) -> None:
        self.trade_reorgs.labels(chain, result).inc()

    def finality(self, chain: str, *, finalized: int, waiting: int) -> None:
        self.final.labels(chain).inc(finalized)
        self.awaiting_finality.labels(chain).set(waiting)
