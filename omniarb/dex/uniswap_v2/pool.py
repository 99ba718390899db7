"""A Uniswap V2 pair's state at one block, as an immutable value."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from omniarb.dex.base import PoolIdentity, PoolState
from omniarb.dex.uniswap_v2.math import get_amount_in, get_amount_out

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

    def _side(self, token: str) -> bool:
        """Whether `token` (any case) is token0; ValueError for a token not the pair's."""
        lowered = token.lower()
        if lowered == self.token0.lower():
            return True
        if lowered == self.token1.lower():
            return False
        raise ValueError(f"{token} is not a token of pair {self.address}")

    def _moved(self, zero_for_one: bool, amount_in: int, amount_out: int) -> V2PoolState:
        # `UniswapV2Pair.swap` then `_update`: the reserves become the balances, which grew by
        # what was paid in and shrank by what was paid out.
        if zero_for_one:
            return replace(
                self, reserve0=self.reserve0 + amount_in, reserve1=self.reserve1 - amount_out
            )
        return replace(
            self, reserve0=self.reserve0 - amount_out, reserve1=self.reserve1 + amount_in
        )

    def after_exact_input(self, token_in: str, amount_in: int) -> tuple[int, V2PoolState]:
        """(output, state after) of selling `amount_in` of `token_in` as Router02 does it
        (`getAmountOut`, then the pair's `swap` of that output)."""
        zero_for_one = self._side(token_in)
        reserve_in, reserve_out, fee_bps = self.constant_product(zero_for_one)
        amount_out = get_amount_out(amount_in, reserve_in, reserve_out, fee_bps)
        return amount_out, self._moved(zero_for_one, amount_in, amount_out)

    def after_exact_output(self, token_out: str, amount_out: int) -> tuple[int, V2PoolState]:
        """(input, state after) of buying exactly `amount_out` of `token_out` as Router02 does
        it (`getAmountIn`, rounded up, then the pair's `swap`)."""
        zero_for_one = not self._side(token_out)
        reserve_in, reserve_out, fee_bps = self.constant_product(zero_for_one)
        amount_in = get_amount_in(amount_out, reserve_in, reserve_out, fee_bps)
        return amount_in, self._moved(zero_for_one, amount_in, amount_out)

    def with_pool_of(self, view: PoolState) -> PoolState:
        """A pair has one view: `view` if it is this pair's, else this state."""
        return view if view.state_key == self.state_key else self
