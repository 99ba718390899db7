"""The largest trade: a cap on the amount in, per start token in its own units, or in USD.

A sizing bug, a pool with a wrong price or a token whose value moved since detection all show
as an unusually large trade; a cap bounds what one of them can cost. The token cap is exact
(base units); the USD cap uses the opportunity's own rate (`omniarb.risk.limits`).
"""

from __future__ import annotations

from collections.abc import Mapping

from omniarb.risk.limits import RiskContext, TokenLimits, format_units
from omniarb.types import Opportunity

__all__ = ["MaxTradeSize"]


class MaxTradeSize:
    """Decline an amount in above its start token's `max_amount_in` or above `max_usd` (the
    token's `max_trade_usd` over the chain's; None: no USD cap)."""

    def __init__(
        self, *, max_usd: float | None = None, tokens: Mapping[str, TokenLimits] | None = None
    ) -> None:
        self._max_usd = max_usd
        self._tokens = dict(tokens or {})

    def verdict(self, opportunity: Opportunity, context: RiskContext) -> str | None:
        """Why `opportunity` is too large, or None when it is within the caps."""
        token = self._tokens.get(opportunity.route.token_in.lower())
        max_usd = self._max_usd
        if token is not None:
            cap = token.max_amount_in
            if cap is not None and opportunity.amount_in > cap:
                return (
                    f"amount in {format_units(opportunity.amount_in, token.decimals)} "
                    f"{token.symbol} above the {format_units(cap, token.decimals)} "
                    f"{token.symbol} trade size limit"
                )
            if token.max_trade_usd is not None:
                max_usd = token.max_trade_usd
        usd = context.amount_in_usd
        if max_usd is not None and usd is not None and usd > max_usd:
            return f"amount in ${usd:,.2f} above the ${max_usd:,.2f} trade size limit"
        return None
