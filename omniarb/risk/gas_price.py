"""The highest gas price a chain's trades may be priced at, in gwei.

A gas spike (a mint, a liquidation cascade) makes every trade's cost uncertain: the price the
opportunity was priced at may not hold until inclusion, and a trade that pays at the detection
price can lose when the next block is dearer. Above the cap the bot waits for calmer blocks.
"""

from __future__ import annotations

from omniarb.risk.limits import RiskContext, format_units
from omniarb.types import Opportunity

__all__ = ["MaxGasPrice"]

_GWEI_DECIMALS = 9


def _gwei(wei: int) -> str:
    return format_units(wei, _GWEI_DECIMALS)


class MaxGasPrice:
    """Decline an opportunity priced at more than `max_gas_price_wei` per gas."""

    def __init__(self, *, max_gas_price_wei: int) -> None:
        if max_gas_price_wei <= 0:
            raise ValueError("the gas price cap must be positive")
        self._max_wei = max_gas_price_wei

    def verdict(self, opportunity: Opportunity, context: RiskContext) -> str | None:
        """Why the gas price is too high, or None when it is within the cap."""
        if opportunity.gas_price_wei <= self._max_wei:
            return None
        return (
            f"gas price {_gwei(opportunity.gas_price_wei)} gwei above the "
            f"{_gwei(self._max_wei)} gwei limit on {context.chain}"
        )
