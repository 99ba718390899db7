"""The tuned limits as a risk rule: the chain's current minimum net profit and longest route.

`TunedLimits` joins the chain's risk rules (`omniarb.wiring`) beside the configured floor
(`risk.MinNetProfit`), which stays: the optimizer can only raise the floor above the
configured one (its bounds should start there), never trade what the operator declined.
"""

from __future__ import annotations

from omniarb.optimize.params import LiveParams
from omniarb.risk.limits import RiskContext
from omniarb.types import Opportunity

__all__ = ["TunedLimits"]


class TunedLimits:
    """Decline a route longer than the current `max_hops`, or a net profit below the current
    `min_net_profit_usd`, as `live` holds them when the opportunity is judged."""

    def __init__(self, live: LiveParams) -> None:
        self._live = live

    def verdict(self, opportunity: Opportunity, context: RiskContext) -> str | None:
        """Why `opportunity` is outside the tuned limits, or None."""
        params = self._live.current
        hops = len(opportunity.route.hops)
        if hops > params.max_hops:
            return f"{hops} hops, over the tuned maximum of {params.max_hops}"
        if opportunity.net_profit_usd < params.min_net_profit_usd:
            return (
                f"net profit ${opportunity.net_profit_usd:.4f} below the tuned "
                f"${params.min_net_profit_usd:g} floor"
            )
        return None
