"""The risk manager: the risk stage, every rule asked about every opportunity.

Each rule is a small object with `verdict(opportunity, context) -> str | None` (None: it
passes; else why not). The manager asks them all, so a declined decision lists every reason at
once (the history shows all that was wrong, not only the first), and keeps what the rules need
beyond the opportunity: the chain's open exposure and its realized net over the loss window.

Usage, per chain (`omniarb.wiring` builds it from `[risk]` with `RiskManager.from_limits`)::

    risk = RiskManager.from_limits(limits)
    decision = await risk.process(opportunity)   # the risk stage
    risk.on_sent(decision)                       # after a trade is sent
    risk.on_settled(decision)                    # when it settled (landed or not)
    risk.observe_outcome(outcome)                # after track: the daily loss window
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Protocol

from omniarb.risk.daily_loss import DAY_S, DailyLossLimit, RealizedWindow
from omniarb.risk.exposure import MaxOpenExposure, OpenExposure
from omniarb.risk.gas_price import MaxGasPrice
from omniarb.risk.limits import ChainRiskLimits, RiskContext, usd_per_unit
from omniarb.risk.min_profit import MinNetProfit
from omniarb.risk.trade_size import MaxTradeSize
from omniarb.types import Decision, Opportunity, Outcome

__all__ = ["APPROVED_REASON", "RiskManager", "RiskRule"]

APPROVED_REASON = "net profit clears gas and the floor"


class RiskRule(Protocol):
    """One risk rule: None when `opportunity` passes, else the reason it does not."""

    def verdict(self, opportunity: Opportunity, context: RiskContext) -> str | None: ...


class RiskManager:
    """Approve an opportunity every rule passes; a declined one still becomes a `Decision`
    (approved=False) with every failing rule's reason, in the rules' order."""

    def __init__(
        self,
        *,
        chain: str,
        rules: Sequence[RiskRule],
        window_s: float = DAY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.chain = chain
        self.rules = tuple(rules)
        self.exposure = OpenExposure()
        self.realized = RealizedWindow(window_s=window_s, clock=clock)

    @classmethod
    def from_limits(
        cls, limits: ChainRiskLimits, *, clock: Callable[[], float] = time.monotonic
    ) -> RiskManager:
        """The manager of one chain's `limits`: the profit floor always, each other rule only
        when one of its limits is set."""
        tokens = limits.tokens
        rules: list[RiskRule] = [
            MinNetProfit(
                min_usd=limits.min_net_profit_usd, min_bps=limits.min_net_profit_bps, tokens=tokens
            )
        ]
        sized = any(
            t.max_amount_in is not None or t.max_trade_usd is not None for t in tokens.values()
        )
        if limits.max_trade_usd is not None or sized:
            rules.append(MaxTradeSize(max_usd=limits.max_trade_usd, tokens=tokens))
        if limits.max_open_exposure_usd is not None:
            rules.append(MaxOpenExposure(max_usd=limits.max_open_exposure_usd))
        if limits.max_gas_price_wei is not None:
            rules.append(MaxGasPrice(max_gas_price_wei=limits.max_gas_price_wei))
        if limits.max_daily_loss_usd is not None:
            rules.append(DailyLossLimit(max_loss_usd=limits.max_daily_loss_usd))
        return cls(chain=limits.chain, rules=rules, clock=clock)

    def context(self, opportunity: Opportunity) -> RiskContext:
        """What the rules know about the chain as `opportunity` is judged."""
        rate = usd_per_unit(opportunity)
        return RiskContext(
            chain=self.chain,
            amount_in_usd=None if rate is None else opportunity.amount_in * rate,
            open_exposure_usd=self.exposure.total_usd,
            window_net_usd=self.realized.net_usd,
        )

    async def process(self, opportunity: Opportunity) -> Decision:
        """The risk stage: `opportunity` judged by every rule."""
        context = self.context(opportunity)
        reasons = [
            reason
            for rule in self.rules
            if (reason := rule.verdict(opportunity, context)) is not None
        ]
        return Decision(
            opportunity=opportunity,
            approved=not reasons,
            reasons=tuple(reasons) or (APPROVED_REASON,),
            amount_in=opportunity.amount_in,
            min_profit=0,
            p_success=1.0,
            expected_value_usd=opportunity.net_profit_usd,
            bribe_wei=0,
            flash_source=None,
            decided_ns=time.monotonic_ns(),
        )

    def on_sent(self, decision: Decision) -> None:
        """`decision`'s trade was sent: its amount in is open exposure until it settles."""
        self.exposure.on_sent(decision)

    def on_settled(self, decision: Decision) -> None:
        """`decision`'s trade settled, or was never sent after all: no longer open."""
        self.exposure.on_settled(decision)

    def observe_outcome(self, outcome: Outcome) -> None:
        """Count a settled trade's realized net in the daily loss window."""
        self.realized.observe_outcome(outcome)
