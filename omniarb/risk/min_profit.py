"""The profit floor: trade only what pays for its gas and clears a minimum, in USD and in basis
points of the amount in.

The USD floor guards against trades too small to be worth their risk at all; the basis-point
floor against a large trade for a thin margin, where a small price move or a rounding of the
pool's state turns the profit into a loss. Both are checked on the net profit (after gas and the
L1 fee); the basis points are compared exactly, in the start token's base units.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from omniarb.risk.limits import RiskContext, TokenLimits
from omniarb.types import Opportunity

__all__ = ["MinNetProfit"]

_BPS = 10_000


class MinNetProfit:
    """Decline a net profit ≤ 0 (it does not pay for gas), below `min_usd`, or below `min_bps`
    basis points of the amount in (None: no such floor); `tokens` (by lower-case address)
    override either floor for one start token."""

    def __init__(
        self,
        *,
        min_usd: float,
        min_bps: float | None = None,
        tokens: Mapping[str, TokenLimits] | None = None,
    ) -> None:
        self._min_usd = min_usd
        self._min_bps = min_bps
        self._tokens = dict(tokens or {})

    def verdict(self, opportunity: Opportunity, context: RiskContext) -> str | None:
        """Why `opportunity` does not clear the floor, or None when it does."""
        if opportunity.net_profit <= 0 and opportunity.l1_fee_wei > 0:
            return (
                f"gross profit {opportunity.gross_profit} does not pay for gas and the L1 fee "
                f"({opportunity.gas_cost_wei} wei gas, L1 fee {opportunity.l1_fee_wei} wei "
                f"native; net {opportunity.net_profit})"
            )
        if opportunity.net_profit <= 0:
            return (
                f"gross profit {opportunity.gross_profit} does not pay for gas "
                f"({opportunity.gas_cost_wei} wei native; net {opportunity.net_profit})"
            )
        token = self._tokens.get(opportunity.route.token_in.lower())
        min_usd = self._min_usd
        min_bps = self._min_bps
        if token is not None:
            min_usd = min_usd if token.min_net_profit_usd is None else token.min_net_profit_usd
            min_bps = min_bps if token.min_net_profit_bps is None else token.min_net_profit_bps
        if opportunity.net_profit_usd < min_usd:
            return f"net profit ${opportunity.net_profit_usd:.4f} below the ${min_usd:g} floor"
        if min_bps is not None and opportunity.amount_in > 0:
            # Exact: net · 10^4 < floor · amount in, the floor's decimal text as a fraction.
            floor = Fraction(str(min_bps))
            if opportunity.net_profit * _BPS < floor * opportunity.amount_in:
                bps = opportunity.net_profit * _BPS / opportunity.amount_in
                return f"net profit {bps:.2f} bps of the amount in below the {min_bps:g} bps floor"
        return None
