"""The pass-through scorer: p(success) = 1, expected value = predicted net profit."""

from __future__ import annotations

from dataclasses import replace

from omniarb.types import Decision, Outcome

__all__ = ["FaceValue"]


class FaceValue:
    """Keeps the risk stage's decision, stating p_success=1 and EV = net profit in USD."""

    async def process(self, decision: Decision) -> Decision:
        return replace(
            decision,
            p_success=1.0,
            expected_value_usd=decision.opportunity.net_profit_usd,
        )

    def on_outcome(self, outcome: Outcome) -> None:
        """Nothing to learn: face value ignores how trades went."""

    async def refresh(self) -> None:
        """Nothing to reload."""
