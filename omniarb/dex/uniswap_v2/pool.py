"""A Uniswap V2 pair's state at one block, as an immutable value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from omniarb.dex.base import PoolIdentity
from omniarb.dex.uniswap_v2.math import get_amount_out

__all__ = ["KIND", "V2PoolState"]

KIND = "uniswap-v2"


@dataclass(frozen=True, slots=True, kw_only=True)
class V2PoolState(PoolIdentity):
    """Reserves of a pair as of `block_number` (after that block's transactions).

    Replaced, never mutated: `replace(state, reserve0=r0, reserve1=r1, block_number=n)`.
    """

    kind: ClassVar[str] = KIND
    reserve0: int
    reserve1: int
    fee_bps: int
    block_number: int

    @property
    def fee_pips(self) -> int:
        return self.fee_bps * 100

    def constant_product(self, zero_for_one: bool) -> tuple[int, int, int]:
        if zero_for_one:
            return self.reserve0, self.reserve1, self.fee_bps
        return self.reserve1, self.reserve0, self.fee_bps

    def piecewise(self, zero_for_one: bool) -> None:
        return None  # one curve for every size: `constant_product`

    def screen_reserves(self) -> tuple[int, int]:
        return self.reserve0, self.reserve1

    def spot_price(self) -> float | None:
        """reserve1 / reserve0 in raw units (None for an empty pair)."""
        return self.reserve1 / self.reserve0 if self.reserve0 > 0 else None

    def swap_report(self, token_in: str, amount_in: int) -> dict[str, int]:
        return {"amount_out": self.amount_out(token_in, amount_in)}

    def amount_out(self, token_in: str, amount_in: int) -> int:
        """Exact output of swapping `amount_in` of `token_in`, as the pair would pay it."""
        if token_in == self.token0:
            return get_amount_out(amount_in, self.reserve0, self.reserve1, self.fee_bps)
        if token_in == self.token1:
            return get_amount_out(amount_in, self.reserve1, self.reserve0, self.fee_bps)
        raise ValueError(f"{token_in} is not a token of pair {self.address}")
