"""The submission series: trades sent, by what found them and how they went, and the bribes
they paid.

    omniarb_trades_sent_total{chain, source, channel}   source: block | mempool | cross-chain
                                                         channel: public | bundle | sequencer
    omniarb_bribes_paid_wei_total{chain}                 wei of the native coin

A backrun is a trade whose `source` is `mempool`. The bribe is what the receipt shows paid to
the block's builder (`Outcome.bribe_paid_wei`), counted once per settled trade. They live on the
bot's one registry (`Metrics.submission`).
"""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Counter

from omniarb.types import Execution, Outcome

__all__ = ["SubmissionMetrics"]


class SubmissionMetrics:
    """Submission series on `registry`; `chains` pre-creates each chain's bribe counter at
    zero."""

    def __init__(self, registry: CollectorRegistry, *, chains: Sequence[str] = ()) -> None:
        self.trades_sent = Counter(
            "omniarb_trades_sent",
            "Trades sent, by what found them (block, mempool backrun) and the channel",
            ("chain", "source", "channel"),
            registry=registry,
        )
        self.bribes_paid = Counter(
            "omniarb_bribes_paid_wei",
            "Bribes paid to block builders (wei of the native coin)",
            ("chain",),
            registry=registry,
        )
        for name in chains:
            self.bribes_paid.labels(name)

    def observe_sent(self, chain: str, execution: Execution) -> None:
        """A trade handed to its channel (a submitted execution)."""
        source = str(execution.decision.opportunity.source)
        self.trades_sent.labels(chain, source, str(execution.channel)).inc()

    def observe_settled(self, chain: str, outcome: Outcome) -> None:
        """A settled trade's bribe (0 when none was paid)."""
        self.bribes_paid.labels(chain).inc(outcome.bribe_paid_wei)
