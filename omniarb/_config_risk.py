"""`[risk]`: the limits of the risk stage, for every chain, per chain and per start token.

    [risk]                              # every chain
    min_net_profit_bps = 5              # of the amount in, after gas
    max_trade_usd = 250000              # amount in, USD
    max_open_exposure_usd = 1000000     # amount in of the trades sent and not settled, USD
    max_gas_price_gwei = 300
    max_daily_loss_usd = 2000           # realized net over the last 24 h

    [risk.tokens.WETH]                  # the start token WETH, on every chain that has it
    max_amount_in = 100                 # whole tokens (100 WETH)

    [risk.chains.ethereum]              # one chain: over the [risk] values
    min_net_profit_usd = 5
    max_gas_price_gwei = 80

    [risk.chains.ethereum.tokens.USDC]  # one start token on one chain: over the two above
    max_amount_in = 500000
    min_net_profit_bps = 2

Every limit is off unless set, except the USD floor: `min_net_profit_usd` of the chain's table,
else `[bot] min_net_profit_usd` (0.01 by default), as before this section existed. So with no
`[risk]` section the risk stage is today's floor alone.

What each limit does, and why (the rules are in `omniarb.risk`):
- `min_net_profit_usd` (chain, token; a number >= 0): the smallest net profit worth the risk.
- `min_net_profit_bps` (all, chain, token; 0 to 10,000): the smallest margin on the amount in;
  a thin margin on a large trade turns into a loss on a small price move.
- `max_amount_in` (token only; whole tokens, > 0) and `max_trade_usd` (all, chain, token; > 0):
  the largest trade; a sizing bug or a mispriced pool shows as an unusually large one.
- `max_open_exposure_usd` (all, chain; > 0): the amount in of the chain's trades in flight.
- `max_gas_price_gwei` (all, chain; > 0): above it the trade's cost is too uncertain.
- `max_daily_loss_usd` (all, chain; > 0): the chain stops trading while its realized net over
  the last 24 hours is a loss this large; it resumes as the losses age out.

USD values use each opportunity's own rate (`net_profit_usd / net_profit`). Token tables are
keyed by the token's symbol in the network description; a chain's token table naming a token
the chain does not have is a `ConfigError` when the bot starts (`risk_limits`); a token under
`[risk.tokens]` applies on the chains that have it.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError

from omniarb._config_errors import DOMAIN_ERROR, Problem
from omniarb._config_services import MODEL
from omniarb._config_tokens import TokenRiskSettings
from omniarb.errors import ConfigError
from omniarb.risk.limits import ChainRiskLimits, TokenLimits

if TYPE_CHECKING:
    from omniarb.network import TokenEntry

__all__ = ["RiskChainSettings", "RiskSettings", "RiskTokenSettings", "risk_limits"]

_BPS = "basis points, a number from 0 to 10000"
_USD_POSITIVE = "USD, a number > 0"
_GWEI_DECIMALS = 9
_T = TypeVar("_T")
_FLOOR_IN_BOT = (
    "the USD floor of every chain is [bot] min_net_profit_usd; "
    "[risk.chains.<chain>] min_net_profit_usd overrides it for one chain"
)


class RiskTokenSettings(BaseModel):
    """One start token's limits (see the module docstring); unset keys take the chain's."""

    model_config = MODEL

    max_amount_in: float | None = Field(
        default=None, gt=0, description="whole tokens, a number > 0"
    )
    max_trade_usd: float | None = Field(default=None, gt=0, description=_USD_POSITIVE)
    min_net_profit_usd: float | None = Field(default=None, ge=0, description="USD, a number >= 0")
    min_net_profit_bps: float | None = Field(default=None, ge=0, le=10_000, description=_BPS)


class _ChainWide(BaseModel):
    """The limits a chain has as a whole, in `[risk]` and in `[risk.chains.<chain>]`."""

    model_config = MODEL

    min_net_profit_bps: float | None = Field(default=None, ge=0, le=10_000, description=_BPS)
    max_trade_usd: float | None = Field(default=None, gt=0, description=_USD_POSITIVE)
    max_open_exposure_usd: float | None = Field(default=None, gt=0, description=_USD_POSITIVE)
    max_gas_price_gwei: float | None = Field(
        default=None, gt=0, le=1_000_000, description="gwei, a number > 0"
    )
    max_daily_loss_usd: float | None = Field(default=None, gt=0, description=_USD_POSITIVE)
    tokens: dict[str, RiskTokenSettings] = Field(
        default_factory=dict, description="one table per start token symbol"
    )


class RiskChainSettings(_ChainWide):
    """`[risk.chains.<chain>]`: one chain's limits over `[risk]`'s."""

    min_net_profit_usd: float | None = Field(
        default=None,
        ge=0,
        description="USD, a number >= 0 (unset: [bot] min_net_profit_usd)",
    )


class RiskSettings(_ChainWide):
    """`[risk]`: the limits of every chain, and per chain in `chains`."""

    chains: dict[str, RiskChainSettings] = Field(
        default_factory=dict, description="one table per chain name"
    )
    # Which tokens a route may trade at all (`omniarb._config_tokens`, `risk.token_safety`).
    token_safety: TokenRiskSettings = Field(
        default_factory=TokenRiskSettings, description="a table"
    )

    @model_validator(mode="before")
    @classmethod
    def _floor_lives_in_bot(cls, data: Any) -> Any:
        # One place for the floor of every chain: where it was before this section existed.
        if isinstance(data, dict) and "min_net_profit_usd" in data:
            message = _FLOOR_IN_BOT
            problem = Problem(path="risk.min_net_profit_usd", message=message)
            raise PydanticCustomError(
                DOMAIN_ERROR, "{summary}", {"summary": message, "problems": [problem]}
            )
        return data


def _first(*values: _T | None) -> _T | None:
    return next((value for value in values if value is not None), None)


def _base_units(whole: float, decimals: int, *, key: str, unit: str) -> int:
    """`whole` units in base units (10^-`decimals` of one), from the number's decimal text
    (1.1 → 1.1·10^decimals); a `ConfigError` naming `key` when that is less than one."""
    amount = int(Decimal(str(whole)).scaleb(decimals))
    if amount < 1:
        raise ConfigError(
            f"{key}: {whole:g} {unit} is less than one base unit (10^-{decimals} {unit})"
        )
    return amount


def risk_limits(
    risk: RiskSettings, chain: str, tokens: Iterable[TokenEntry], *, min_net_profit_usd: float
) -> ChainRiskLimits:
    """`chain`'s limits: its `[risk.chains.<chain>]` table over `[risk]`, each token's table
    over both; `tokens` are the chain's (network description), `min_net_profit_usd` the floor
    when the chain's table sets none (`[bot]`'s).

    Raises `ConfigError` when the chain's table names a token the chain does not have, or
    when a token cap or the gas price cap is less than one base unit (wei) of what it caps.
    """
    table = risk.chains.get(chain, RiskChainSettings())
    by_symbol = {token.symbol: token for token in tokens}
    unknown = sorted(set(table.tokens) - set(by_symbol))
    if unknown:
        raise ConfigError(
            f"risk.chains.{chain}.tokens: {', '.join(unknown)} not a token of {chain}; "
            f"its tokens: {', '.join(sorted(by_symbol))}"
        )
    limits: dict[str, TokenLimits] = {}
    for symbol in sorted(set(risk.tokens) | set(table.tokens)):
        token = by_symbol.get(symbol)
        if token is None:  # a [risk.tokens] entry for a token of other chains
            continue
        everywhere = risk.tokens.get(symbol, RiskTokenSettings())
        here = table.tokens.get(symbol, RiskTokenSettings())
        max_whole = _first(here.max_amount_in, everywhere.max_amount_in)
        where = "risk.tokens" if here.max_amount_in is None else f"risk.chains.{chain}.tokens"
        max_amount_in = (
            None
            if max_whole is None
            else _base_units(
                max_whole, token.decimals, key=f"{where}.{symbol}.max_amount_in", unit=symbol
            )
        )
        limits[token.address.lower()] = TokenLimits(
            symbol=symbol,
            decimals=token.decimals,
            max_amount_in=max_amount_in,
            max_trade_usd=_first(here.max_trade_usd, everywhere.max_trade_usd),
            min_net_profit_usd=_first(here.min_net_profit_usd, everywhere.min_net_profit_usd),
            min_net_profit_bps=_first(here.min_net_profit_bps, everywhere.min_net_profit_bps),
        )
    gas_gwei = _first(table.max_gas_price_gwei, risk.max_gas_price_gwei)
    gas_key = "risk" if table.max_gas_price_gwei is None else f"risk.chains.{chain}"
    max_gas_price_wei = (
        None
        if gas_gwei is None
        else _base_units(gas_gwei, _GWEI_DECIMALS, key=f"{gas_key}.max_gas_price_gwei", unit="gwei")
    )
    return ChainRiskLimits(
        chain=chain,
        min_net_profit_usd=(
            min_net_profit_usd if table.min_net_profit_usd is None else table.min_net_profit_usd
        ),
        min_net_profit_bps=_first(table.min_net_profit_bps, risk.min_net_profit_bps),
        max_trade_usd=_first(table.max_trade_usd, risk.max_trade_usd),
        max_open_exposure_usd=_first(table.max_open_exposure_usd, risk.max_open_exposure_usd),
        max_gas_price_wei=max_gas_price_wei,
        max_daily_loss_usd=_first(table.max_daily_loss_usd, risk.max_daily_loss_usd),
        tokens=limits,
    )
