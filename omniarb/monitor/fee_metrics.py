"""The fee model's series: the tip each chain bids and the L1 price an L2 prices its data with
(both per block, from the chain's `FeeQuote`), and the L1 data fees paid.

They live on the bot's one registry (`Metrics.fees`); Grafana's "Fees" row reads them.
"""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge

from omniarb.chains.fee_models import FeeQuote

__all__ = ["FeeMetrics"]

_GWEI = 1e9


class FeeMetrics:
    """Fee series on `registry`; `chains` pre-creates each chain's L1 fee counter at zero."""

    def __init__(self, registry: CollectorRegistry, *, chains: Sequence[str] = ()) -> None:
        r = registry
        chain = ("chain",)
        self.tip = Gauge("omniarb_tip_gwei", "Priority fee bid now (gwei)", chain, registry=r)
        self.l1_base_fee = Gauge(
            "omniarb_l1_base_fee_gwei",
            "L1 base fee an L2 prices data with (gwei)",
            chain,
            registry=r,
        )
        self.l1_fee = Counter(
            "omniarb_l1_fee_wei", "L1 data fees paid (wei of the native coin)", chain, registry=r
        )
        for name in chains:
            self.l1_fee.labels(name)

    def observe_quote(self, chain: str, quote: FeeQuote) -> None:
        """The chain's fee quote, refreshed for a new block."""
        self.tip.labels(chain).set(quote.tip_wei / _GWEI)
        if quote.l1 is not None:
            self.l1_base_fee.labels(chain).set(quote.l1_base_fee_wei / _GWEI)

    def observe_paid(self, chain: str, l1_fee_wei: int) -> None:
        """A settled trade's L1 data fee (0 on an L1)."""
        self.l1_fee.labels(chain).inc(l1_fee_wei)
