"""The profit floor alone: a risk manager with only today's minimum net profit in USD."""

from __future__ import annotations

from omniarb.risk.manager import RiskManager
from omniarb.risk.min_profit import MinNetProfit

__all__ = ["ProfitFloor"]


class ProfitFloor(RiskManager):
    """Approve an opportunity whose net profit (after gas) is positive and ≥ `min_net_profit_usd`.

    A rejected opportunity still becomes a `Decision` (approved=False) so its reason is recorded:
    "no trade" is an answer the history should show.
    """

    def __init__(self, *, min_net_profit_usd: float, chain: str = "") -> None:
        super().__init__(chain=chain, rules=[MinNetProfit(min_usd=min_net_profit_usd)])
