"""Token safety settings: `[risk.token_safety]` decides which tokens a route may trade.

    [risk.token_safety]
    deny = ["0x…"]           # never traded, whatever a simulation says
    allow = ["0x…"]          # trusted without a simulation (the chain's WETH, USDC, …)
    verdict_ttl_s = 3600     # a simulated verdict is reused this long, then simulated again
    max_tax_bps = 0          # a transfer that delivers less than this share short is a tax

An address may not be in both lists; addresses are compared without their checksum case. (The
per-token limits of trades are `[risk.tokens.<SYMBOL>]`, `omniarb._config_risk`.)
"""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from omniarb._config_errors import DOMAIN_ERROR, Problem
from omniarb._config_services import MODEL

__all__ = ["TokenRiskSettings"]

_ADDRESS_HEX_DIGITS = 40


def _address(value: str) -> str:
    digits = value.removeprefix("0x")
    if not value.startswith("0x") or len(digits) != _ADDRESS_HEX_DIGITS:
        raise ValueError(f"{value!r} is not a 0x-prefixed 20-byte address")
    try:
        int(digits, 16)
    except ValueError:
        raise ValueError(f"{value!r} is not a 0x-prefixed 20-byte address") from None
    return value.lower()


class TokenRiskSettings(BaseModel):
    """Deny and allow lists and how long a simulated verdict holds."""

    model_config = MODEL

    deny: tuple[str, ...] = Field(
        default=(), description="a list of 0x-prefixed 20-byte token addresses (never traded)"
    )
    allow: tuple[str, ...] = Field(
        default=(),
        description="a list of 0x-prefixed 20-byte token addresses (trusted without a simulation)",
    )
    verdict_ttl_s: float = Field(
        default=3600.0, gt=0, le=7 * 86_400, description="seconds, more than 0, at most a week"
    )
    max_tax_bps: int = Field(default=0, ge=0, le=10_000, description="an integer from 0 to 10000")

    @field_validator("deny", "allow", mode="before")
    @classmethod
    def _addresses(cls, value: object) -> object:
        if isinstance(value, list | tuple):
            return tuple(_address(v) if isinstance(v, str) else v for v in value)
        return value

    @model_validator(mode="after")
    def _disjoint(self) -> Self:
        both = sorted(set(self.deny) & set(self.allow))
        if both:
            message = f"in both deny and allow: {', '.join(both)}"
            problem = Problem(path="risk.token_safety.allow", message=message)
            raise PydanticCustomError(
                DOMAIN_ERROR, "{summary}", {"summary": message, "problems": [problem]}
            )
        return self
