"""`[rebalance]`: the rebalancer that keeps cross-chain inventory inside its bands.

    [rebalance]
    enabled = true
    interval_s = 30              # how often balances are compared with the bands
    stuck_after_s = 1800         # a transfer not arrived by then is stuck: alerted, still tracked
    min_transfer_usd = 100       # below this a transfer is dust: not worth a bridge's fixed cost
    max_transfer_usd = 250000    # one transfer moves at most this much
    bridges = ["across"]         # the bridges (by name in the manifest) it may use; empty: all

    [[rebalance.bands]]          # one asset on one chain, in whole tokens
    asset = "ETH"
    chain = "arbitrum"
    low = "20"                   # below it, bring the chain back to `target`
    target = "40"
    high = "80"                  # above it, the chain gives its surplus over `target` away

Amounts are decimal strings (exact) or numbers; `band_base_units` turns them into base units
with the token's decimals on that chain (rounded down), as the planner works in base units.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Self

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from omniarb._config_errors import DOMAIN_ERROR, Problem
from omniarb._config_services import MODEL

__all__ = ["BandSettings", "RebalanceSettings"]

_WHOLE = "whole tokens, a decimal string or number >= 0"


def _decimal(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValueError(f"{value!r} is not a number")  # noqa: TRY004 - pydantic wants ValueError
    try:
        # str() of a float is its shortest repr: 0.1 stays 0.1, not its binary neighbour.
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"{value!r} must be a finite number >= 0")
    return amount


def _refuse(path: str, message: str) -> None:
    problem = Problem(path=path, message=message)
    raise PydanticCustomError(
        DOMAIN_ERROR, "{summary}", {"summary": message, "problems": [problem]}
    )


class BandSettings(BaseModel):
    """`[[rebalance.bands]]`: `low` <= `target` <= `high` of `asset` on `chain`, whole tokens."""

    model_config = MODEL

    asset: str = Field(min_length=1, description="an asset identity such as ETH or USDC")
    chain: str = Field(min_length=1, description="a chain name")
    low: Decimal = Field(description=_WHOLE)
    target: Decimal = Field(description=_WHOLE)
    high: Decimal = Field(description=_WHOLE)

    @field_validator("low", "target", "high", mode="before")
    @classmethod
    def _amount(cls, value: object) -> Decimal:
        return _decimal(value)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.low <= self.target <= self.high:
            _refuse(
                "rebalance.bands",
                f"{self.asset} on {self.chain}: low {self.low} <= target {self.target} "
                f"<= high {self.high} does not hold",
            )
        return self

    def base_units(self, decimals: int) -> tuple[int, int, int]:
        """(low, target, high) in base units of a token of `decimals`, rounded down."""
        return (
            int(self.low.scaleb(decimals)),
            int(self.target.scaleb(decimals)),
            int(self.high.scaleb(decimals)),
        )


class RebalanceSettings(BaseModel):
    """`[rebalance]` (see the module docstring)."""

    model_config = MODEL

    enabled: bool = Field(default=False, description="true or false")
    interval_s: float = Field(
        default=30.0, gt=0, le=86_400, description="seconds, a number > 0 and <= 86400"
    )
    stuck_after_s: float = Field(default=1800.0, gt=0, description="seconds, a number > 0")
    min_transfer_usd: float = Field(default=100.0, ge=0, description="USD, a number >= 0")
    max_transfer_usd: float = Field(default=250_000.0, gt=0, description="USD, a number > 0")
    bridges: tuple[str, ...] = Field(
        default=(), description="a list of bridge names (empty: every bridge)"
    )
    bands: tuple[BandSettings, ...] = Field(
        default=(), description="a list of tables with asset, chain, low, target, high"
    )

    @field_validator("bridges", "bands", mode="before")
    @classmethod
    def _tuple(cls, value: object) -> object:
        # TOML gives a list; strict validation takes only a tuple for a tuple field.
        return tuple(value) if isinstance(value, list) else value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.min_transfer_usd > self.max_transfer_usd:
            _refuse(
                "rebalance.min_transfer_usd",
                f"min_transfer_usd {self.min_transfer_usd:g} is above "
                f"max_transfer_usd {self.max_transfer_usd:g}",
            )
        seen: set[tuple[str, str]] = set()
        for index, band in enumerate(self.bands):
            key = (band.asset, band.chain)
            if key in seen:
                _refuse(
                    f"rebalance.bands[{index}]", f"a second band for {band.asset} on {band.chain}"
                )
            seen.add(key)
        return self

    def allows(self, bridge: str) -> bool:
        """Whether the rebalancer may send through `bridge`."""
        return not self.bridges or bridge in self.bridges
