"""The `[treasury]` table: what the executor keeps (its float) and where the rest goes.

    [treasury]
    floats = { WETH = 100.0, USDC = 250000.0, ETH = 0.0 }  # whole tokens by symbol
    destination = ""            # where sweeps send the excess; empty: the chain's Safe
    owners = ["0x…", "0x…"]     # owner keys that sign Safe transactions (described networks)
    relayer = "0x…"             # the key that sends them and pays their gas (described networks)
    demo_sweep_every_blocks = 0 # `omniarb demo` sweeps every N blocks of a chain (0: at the end)

A token without a float keeps none above one base unit (the executor's balance slot is never
emptied: re-creating it would cost a trade ~17k gas). The native coin is named by its symbol
(ETH, BNB, POL). The default floats are the inventory `omniarb demo` seeds the executor with, so
the sweep takes profit, not the capital trades start from.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field, field_validator

from omniarb._config_devnet import DEFAULT_EXECUTOR_INVENTORY
from omniarb._config_services import MODEL

__all__ = ["TreasurySettings"]

_ADDRESS_HEX_DIGITS = 40


def _address(value: str) -> str:
    digits = value.removeprefix("0x")
    if not value.startswith("0x") or len(digits) != _ADDRESS_HEX_DIGITS:
        raise ValueError(f"{value!r} is not a 0x-prefixed 20-byte address")
    try:
        int(digits, 16)
    except ValueError:
        raise ValueError(f"{value!r} is not a 0x-prefixed 20-byte address") from None
    return value


class TreasurySettings(BaseModel):
    """The executor's float per token, the sweep's destination and the Safe's signing keys."""

    model_config = MODEL

    floats: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_EXECUTOR_INVENTORY),
        description="whole tokens by symbol, each a number >= 0",
    )
    destination: str = Field(
        default="", description="a 0x-prefixed 20-byte address, or empty for the chain's Safe"
    )
    owners: tuple[str, ...] = Field(
        default=(), description="a list of 0x-prefixed 20-byte addresses of Safe owner keys"
    )
    relayer: str = Field(
        default="", description="a 0x-prefixed 20-byte address, or empty for the first owner"
    )
    demo_sweep_every_blocks: int = Field(
        default=0, ge=0, le=1_000_000, description="blocks, an integer >= 0 (0: at the end)"
    )

    @field_validator("floats")
    @classmethod
    def _non_negative(cls, value: dict[str, float]) -> dict[str, float]:
        for symbol, whole in value.items():
            if not Decimal(str(whole)).is_finite() or whole < 0:
                raise ValueError(f"the float of {symbol} is {whole}; it must be a number >= 0")
        return value

    @field_validator("destination", "relayer")
    @classmethod
    def _optional_address(cls, value: str) -> str:
        return _address(value) if value else value

    @field_validator("owners", mode="before")
    @classmethod
    def _addresses(cls, value: object) -> object:
        # TOML gives a list; strict validation takes only a tuple for a tuple field.
        if isinstance(value, list | tuple):
            return tuple(_address(v) if isinstance(v, str) else v for v in value)
        return value

    def float_base_units(self, symbol: str, decimals: int) -> int:
        """The float of `symbol` in base units (rounded down), at least one base unit."""
        whole = self.floats.get(symbol, 0.0)
        return max(int(Decimal(str(whole)).scaleb(decimals)), 1)
