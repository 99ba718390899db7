"""The values the risk rules read: one chain's limits (resolved from `[risk]`) and what the
risk manager knows when it judges an opportunity.

Amounts in USD use the opportunity's own rate, as the rest of the bot does (`Outcome.
realized_net_usd`): USD per base unit of the start token = `net_profit_usd / net_profit`. An
opportunity with a net profit of exactly 0 carries no rate; the profit floor declines it anyway,
so the USD limits let it pass rather than invent a price.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from omniarb.types import Opportunity

__all__ = ["ChainRiskLimits", "RiskContext", "TokenLimits", "format_units", "usd_per_unit"]


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenLimits:
    """One start token's overrides on one chain; None: the chain's limit applies.

    `max_amount_in` is in the token's base units; `decimals` and `symbol` only word the reasons.
    """

    symbol: str
    decimals: int
    max_amount_in: int | None = None
    max_trade_usd: float | None = None
    min_net_profit_usd: float | None = None
    min_net_profit_bps: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainRiskLimits:
    """One chain's limits; None: that limit is off. `tokens` is keyed by lower-case address."""

    chain: str
    min_net_profit_usd: float
    min_net_profit_bps: float | None = None
    max_trade_usd: float | None = None
    max_open_exposure_usd: float | None = None
    max_gas_price_wei: int | None = None
    max_daily_loss_usd: float | None = None
    tokens: Mapping[str, TokenLimits] = field(default_factory=dict)

    def token(self, address: str) -> TokenLimits | None:
        """The overrides of the start token at `address`, if it has any."""
        return self.tokens.get(address.lower())


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskContext:
    """What the manager knows beside the opportunity: the chain, the USD value of its amount in
    (None without a rate), the amount in USD of the chain's trades sent and not settled, and
    the chain's realized net USD over the daily loss window (negative: a loss)."""

    chain: str
    amount_in_usd: float | None
    open_exposure_usd: float
    window_net_usd: float


def usd_per_unit(opportunity: Opportunity) -> float | None:
    """USD per base unit of `opportunity`'s start token, at its detection-time rate."""
    if opportunity.net_profit == 0:
        return None
    return opportunity.net_profit_usd / opportunity.net_profit


def format_units(amount: int, decimals: int) -> str:
    """`amount` base units as whole tokens, exactly (`1.5` for 1.5·10^18 at 18 decimals)."""
    text = format(Decimal(amount).scaleb(-decimals), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
