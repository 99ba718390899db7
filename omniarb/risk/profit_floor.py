"""The profit floor: trade only what pays for its gas and clears a minimum in USD."""

from __future__ import annotations

import time

from omniarb.types import Decision, Opportunity

__all__ = ["ProfitFloor"]


class ProfitFloor:
    """Approve an opportunity whose net profit (after gas) is positive and ≥ `min_net_profit_usd`.

    A rejected opportunity still becomes a `Decision` (approved=False) so its reason is recorded:
    "no trade" is an answer the history should show.
    """

    def __init__(self, *, min_net_profit_usd: float) -> None:
        self._min_net_profit_usd = min_net_profit_usd

    async def process(self, opportunity: Opportunity) -> Decision:
        reasons: list[str] = []
        if opportunity.net_profit <= 0 and opportunity.l1_fee_wei > 0:
            reasons.append(
                f"gross profit {opportunity.gross_profit} does not pay for gas and the L1 fee "
                f"({opportunity.gas_cost_wei} wei gas, L1 fee {opportunity.l1_fee_wei} wei "
                f"native; net {opportunity.net_profit})"
            )
        elif opportunity.net_profit <= 0:
            reasons.append(
                f"gross profit {opportunity.gross_profit} does not pay for gas "
                f"({opportunity.gas_cost_wei} wei native; net {opportunity.net_profit})"
            )
        elif opportunity.net_profit_usd < self._min_net_profit_usd:
            reasons.append(
                f"net profit ${opportunity.net_profit_usd:.4f} below the "
                f"${self._min_net_profit_usd:g} floor"
            )
        return Decision(
            opportunity=opportunity,
            approved=not reasons,
            reasons=tuple(reasons) or ("net profit clears gas and the floor",),
            amount_in=opportunity.amount_in,
            min_profit=0,
            p_success=1.0,
            expected_value_usd=opportunity.net_profit_usd,
            bribe_wei=0,
            flash_source=None,
            decided_ns=time.monotonic_ns(),
        )
