"""Capital from a V2 flash swap, with an on-chain profit floor that covers the gas."""

from __future__ import annotations

from dataclasses import replace

from omniarb.types import Decision

__all__ = ["FLASH_SOURCE_V2", "FlashSwapAllocator"]

FLASH_SOURCE_V2 = "uniswap-v2-flash-swap"


class FlashSwapAllocator:
    """Size = the detector's optimum; `min_profit` = the gas cost in the start token (≥ 1).

    If the pools moved before inclusion and the trade would no longer pay for its gas, the
    contract reverts and only the gas of the failed attempt is lost.
    """

    async def process(self, decision: Decision) -> Decision:
        if not decision.approved:
            return decision
        opportunity = decision.opportunity
        gas_in_token = opportunity.gross_profit - opportunity.net_profit
        return replace(
            decision,
            amount_in=opportunity.amount_in,
            min_profit=max(1, gas_in_token),
            flash_source=FLASH_SOURCE_V2,
        )
