"""The tuned parameters of one chain: a frozen value, and the small holder the stages read.

`Params` is what the optimizer may change: the minimum net profit (USD), the bribe share
(basis points of the profit, paid to the block's coinbase), the tip (the least priority fee
bid, wei; 0 leaves the chain's fee quote alone) and the longest route (hops). `LiveParams`
holds a chain's current `Params`; the risk rule (`TunedLimits`) and the execute stage read it
on every trade, so a change applies to the next trade without a restart.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Literal, get_args

__all__ = ["PARAM_NAMES", "LiveParams", "ParamName", "ParamValue", "Params"]

log = logging.getLogger(__name__)

ParamName = Literal["bribe_share_bps", "min_net_profit_usd", "tip_wei", "max_hops"]
PARAM_NAMES: tuple[ParamName, ...] = get_args(ParamName)
ParamValue = int | float


@dataclass(frozen=True, slots=True, kw_only=True)
class Params:
    """One chain's tunable parameters, as a trade is decided with them."""

    bribe_share_bps: int = 0
    min_net_profit_usd: float = 0.0
    tip_wei: int = 0
    max_hops: int = 3

    def value(self, name: ParamName) -> ParamValue:
        """The value of parameter `name`."""
        value: ParamValue = getattr(self, name)
        return value

    def with_value(self, name: ParamName, value: ParamValue) -> Params:
        """These parameters with `name` set to `value` (an int for the integer ones)."""
        if name == "min_net_profit_usd":
            return replace(self, min_net_profit_usd=float(value))
        if int(value) != value:
            raise ValueError(f"{name} takes whole numbers, not {value}")
        whole = int(value)
        if name == "bribe_share_bps":
            return replace(self, bribe_share_bps=whole)
        if name == "tip_wei":
            return replace(self, tip_wei=whole)
        return replace(self, max_hops=whole)

    def to_json(self) -> dict[str, ParamValue | str]:
        """The JSON shape: the tip as a decimal string (wei pass 2**53), the rest as numbers."""
        return {
            "bribe_share_bps": self.bribe_share_bps,
            "min_net_profit_usd": self.min_net_profit_usd,
            "tip_wei": str(self.tip_wei),
            "max_hops": self.max_hops,
        }


class LiveParams:
    """A chain's current parameters, read by its stages each trade and replaced by its tuner
    (only the chain's own tasks touch it: one event loop, no lock needed)."""

    def __init__(self, chain: str, params: Params) -> None:
        self.chain = chain
        self._current = params

    @property
    def current(self) -> Params:
        return self._current

    def set(self, params: Params) -> None:
        """Replace the current parameters; the next trade decided uses them."""
        if params != self._current:
            log.info("%s: parameters now %s", self.chain, params)
        self._current = params
