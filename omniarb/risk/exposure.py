"""Open exposure: the amount in (USD) of a chain's trades sent and not yet settled.

A trade in flight holds capital (its loan, or the executor's own tokens) and may still fail; many
at once multiply what a bad block, a reorg or a dropped relay can cost. The tally grows when a
trade is sent (`on_sent`) and shrinks when it settles (`on_settled`), keyed by opportunity id so
a settle without a send, or twice, changes nothing.
"""

from __future__ import annotations

from omniarb.risk.limits import RiskContext, usd_per_unit
from omniarb.types import Decision, Opportunity

__all__ = ["MaxOpenExposure", "OpenExposure"]


class OpenExposure:
    """The running tally of one chain's trades in flight, in USD of their amount in."""

    def __init__(self) -> None:
        self._open_usd: dict[str, float] = {}
        self.sent = 0  # trades counted since the start, settled or not

    @property
    def total_usd(self) -> float:
        return sum(self._open_usd.values())

    @property
    def trades(self) -> int:
        return len(self._open_usd)

    def on_sent(self, decision: Decision) -> None:
        """`decision`'s trade was sent: its amount in counts until it settles."""
        rate = usd_per_unit(decision.opportunity)
        usd = 0.0 if rate is None else decision.amount_in * rate
        self._open_usd[decision.opportunity.id] = usd
        self.sent += 1

    def on_settled(self, decision: Decision) -> None:
        """`decision`'s trade settled (landed, reverted or dropped): it no longer counts."""
        self._open_usd.pop(decision.opportunity.id, None)


class MaxOpenExposure:
    """Decline a trade that would take the chain's open exposure above `max_usd`."""

    def __init__(self, *, max_usd: float) -> None:
        if max_usd <= 0:
            raise ValueError("the open exposure limit must be positive")
        self._max_usd = max_usd

    def verdict(self, opportunity: Opportunity, context: RiskContext) -> str | None:
        """Why this trade would be too much in flight, or None when it fits."""
        usd = context.amount_in_usd or 0.0
        if context.open_exposure_usd + usd <= self._max_usd:
            return None
        return (
            f"open exposure ${context.open_exposure_usd:,.2f} plus this trade's ${usd:,.2f} "
            f"above the ${self._max_usd:,.2f} limit on {context.chain}"
        )
