"""`[cross_chain]`: which assets are traded between chains, and how a trade is priced.

    [cross_chain]
    enabled = true                       # off by default; the demo turns it on
    quote_asset = "USDC"                 # a stable: every USD figure is read from it
    equivalent_assets = { "USDC@binance-peg" = "USDC" }   # a bridged variant traded as
    assets = []                          # identities traded; empty = every one on >= 2 chains
    leg_kinds = ["uniswap-v2", "uniswap-v3"]   # pool kinds a leg's one router call may use
    min_expected_value_usd = 1.0
    risk_z = 2.0                         # standard deviations of price risk charged
    volatility_window_s = 300.0          # the EWMA window of the volatility estimate
    default_leg_latency_s = 2.0          # until the executor has measured it
    max_trade_usd = 10000.0
    min_out_margin_bps = 50              # a leg's min out below its predicted output
    rebalance_cost_bps = 5.0             # one bridge move of the notional, when unquoted

An asset's identity (`omniarb.chains.assets`) is its `asset` name for its own issue and
`asset@issuer` for a bridged variant (Binance-Peg USDC is `USDC@binance-peg`): the two are
different assets unless `equivalent_assets` maps the variant to the identity it trades as.
`enabled` turns on both detection and trading (the coordinator beside the pipelines); the
table `[cross_chain.execution]` (how the legs are sent, `omniarb._config_cross_exec`) and the
section `[rebalance]` are their own modules'.
"""

from __future__ import annotations

import re
from typing import Self

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from omniarb._config_cross_exec import CrossChainExecutionSettings
from omniarb._config_errors import DOMAIN_ERROR, Problem
from omniarb._config_services import MODEL

__all__ = ["IDENTITY_PATTERN", "CrossChainSettings"]

# `asset` or `asset@issuer`: letters, digits and . _ - on each side.
IDENTITY_PATTERN = r"^[A-Za-z0-9._-]+(@[A-Za-z0-9._-]+)?$"
_IDENTITY = re.compile(IDENTITY_PATTERN)
_IDENTITY_TEXT = "an asset identity such as USDC or USDC@binance-peg"


class CrossChainSettings(BaseModel):
    """Cross-chain detection and risk pricing (see the module docstring)."""

    model_config = MODEL

    enabled: bool = Field(default=False, description="true or false")
    execution: CrossChainExecutionSettings = Field(
        default_factory=CrossChainExecutionSettings, description="a table"
    )
    quote_asset: str = Field(
        default="USDC", pattern=IDENTITY_PATTERN, description=f"{_IDENTITY_TEXT} (a stable)"
    )
    equivalent_assets: dict[str, str] = Field(
        default_factory=dict,
        description=f"a table of variant = identity, each {_IDENTITY_TEXT}",
    )
    assets: tuple[str, ...] = Field(
        default=(), description=f"a list of identities, each {_IDENTITY_TEXT}"
    )
    leg_kinds: tuple[str, ...] = Field(
        default=("uniswap-v2", "uniswap-v3"),
        min_length=1,
        description="a non-empty list of DEX kinds whose router sends a leg",
    )
    min_expected_value_usd: float = Field(
        default=1.0, ge=0, le=1e9, description="US dollars, a number from 0 to 1e9"
    )
    risk_z: float = Field(default=2.0, ge=0, le=10, description="a number from 0 to 10")
    volatility_window_s: float = Field(
        default=300.0, gt=0, le=86_400, description="seconds, a number > 0 and <= 86400"
    )
    default_leg_latency_s: float = Field(
        default=2.0, gt=0, le=3_600, description="seconds, a number > 0 and <= 3600"
    )
    max_trade_usd: float = Field(
        default=10_000.0, gt=0, le=1e9, description="US dollars, a number > 0 and <= 1e9"
    )
    min_out_margin_bps: int = Field(
        default=50, ge=0, le=5_000, description="basis points, an integer from 0 to 5000"
    )
    rebalance_cost_bps: float = Field(
        default=5.0, ge=0, le=1_000, description="basis points, a number from 0 to 1000"
    )

    @field_validator("assets", "leg_kinds", mode="before")
    @classmethod
    def _tuple(cls, value: object) -> object:
        # TOML gives a list; the settings are frozen, so they keep a tuple.
        return tuple(value) if isinstance(value, list) else value

    @model_validator(mode="after")
    def _identities(self) -> Self:
        problems: list[Problem] = []
        for variant, identity in self.equivalent_assets.items():
            path = f"cross_chain.equivalent_assets.{variant}"
            if not _IDENTITY.match(variant) or not _IDENTITY.match(identity):
                problems.append(Problem(path=path, message=f"expected {_IDENTITY_TEXT}"))
            elif variant == identity:
                problems.append(Problem(path=path, message="a variant equivalent to itself"))
            elif identity in self.equivalent_assets:
                message = f"{identity!r} is itself a variant: name the identity it trades as"
                problems.append(Problem(path=path, message=message))
        for index, identity in enumerate(self.assets):
            if not _IDENTITY.match(identity):
                message = f"expected {_IDENTITY_TEXT}, got {identity!r}"
                problems.append(Problem(path=f"cross_chain.assets.{index}", message=message))
        if self.quote_asset in self.assets:
            message = f"the quote asset {self.quote_asset!r} is not traded against itself"
            problems.append(Problem(path="cross_chain.assets", message=message))
        if problems:
            summary = "; ".join(f"{p.path}: {p.message}" for p in problems)
            raise PydanticCustomError(
                DOMAIN_ERROR, "{summary}", {"summary": summary, "problems": problems}
            )
        return self
