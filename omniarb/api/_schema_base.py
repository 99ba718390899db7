"""What the API's bodies share: the model configuration, the amount type, a token amount and a
route's hop."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["BODY", "Amount", "HopItem", "TokenAmount"]

BODY = ConfigDict(extra="forbid", frozen=True)

# A decimal integer string: an amount in base units (wei of the token or the native coin).
Amount = str


class TokenAmount(BaseModel):
    """An amount of one token: its address, display name and decimals when known."""

    model_config = BODY

    token: str
    symbol: str | None
    decimals: int | None
    amount: Amount = Field(description="base units, a decimal integer string")


class HopItem(BaseModel):
    """One hop of a route: the pool it swaps through, that pool's DEX and protocol (its pool
    kind, as the registry names it), its fee in pips (500 is 0.05%), the tokens in and out, and
    the pool's own currency on a side where it holds another than the route's token (the
    native coin, address 0, which the route carries as the wrapped native token)."""

    model_config = BODY

    pool: str
    dex: str
    kind: str = Field(description="the protocol: the pool kind, e.g. uniswap-v3")
    fee_pips: int
    token_in: str
    token_out: str
    symbol_in: str | None
    symbol_out: str | None
    currency_in: str | None = Field(
        default=None,
        description="the pool's own currency for token_in where it differs: the native coin "
        "(address 0), unwrapped from token_in by the executor",
    )
    currency_out: str | None = Field(
        default=None,
        description="the pool's own currency for token_out where it differs: the native coin "
        "(address 0), wrapped into token_out by the executor",
    )
