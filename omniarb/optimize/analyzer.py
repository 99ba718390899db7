"""Outcomes → rewards: what one settled trade earned, as the optimizer scores an arm by it.

The reward of a trade is what it left us, in USD at its detection-time rate: the realized
profit (already net of the bribe the executor paid the coinbase) minus the gas and L1 fee the
sender paid (converted to the start token at the rate the opportunity was priced with,
`Opportunity.native_in_token`). A trade that never landed (a bundle that lost its block to a
better-paying one, a dropped transaction) earned 0; a reverted one lost its gas. So a bribe
share too low to win scores 0 per trade, and one far above the winning bid scores less than
one just above it.
"""

from __future__ import annotations

from dataclasses import dataclass

from omniarb.optimize.params import Params
from omniarb.risk.limits import usd_per_unit
from omniarb.types import Outcome

__all__ = ["Sample", "reward_token", "reward_usd"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Sample:
    """One settled trade's reward, with the parameters it was decided under."""

    params: Params
    reward_usd: float


def reward_token(outcome: Outcome) -> int:
    """What `outcome`'s trade left us in its start token's base units: realized profit minus
    the sender's gas and L1 fee (0 when it was never included)."""
    if not outcome.included:
        return 0
    opportunity = outcome.execution.decision.opportunity
    costs_wei = outcome.gas_cost_wei + outcome.l1_fee_wei
    return outcome.realized_profit - opportunity.native_in_token(costs_wei)


def reward_usd(outcome: Outcome) -> float:
    """`reward_token` in USD at the opportunity's own rate (0 when it has none)."""
    rate = usd_per_unit(outcome.execution.decision.opportunity)
    return 0.0 if rate is None else reward_token(outcome) * rate
