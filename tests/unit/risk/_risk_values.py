"""Shared values of the risk rule tests: the context of a quiet chain, and WETH's overrides."""

from __future__ import annotations

from dataclasses import replace

from _monitor_values import WETH

from omniarb.risk import RiskContext, TokenLimits
from omniarb.risk.limits import usd_per_unit
from omniarb.types import Opportunity

QUIET = RiskContext(chain="ethereum", amount_in_usd=None, open_exposure_usd=0.0, window_net_usd=0.0)


def context_of(opportunity: Opportunity, **changes: float) -> RiskContext:
    """A quiet chain's context with `opportunity`'s amount in priced at its own rate."""
    rate = usd_per_unit(opportunity)
    usd = None if rate is None else opportunity.amount_in * rate
    return replace(QUIET, amount_in_usd=usd, **changes)


def weth(**limits: float | int | None) -> dict[str, TokenLimits]:
    """Overrides for the start token WETH (18 decimals), keyed as the rules expect."""
    return {WETH.lower(): TokenLimits(symbol="WETH", decimals=18, **limits)}  # type: ignore[arg-type]
