"""A Uniswap V3 pool traded in one direction, as the detector sizes it (`PiecewiseCurve`).

Its pieces are the tick ranges (`segments`); its exact swaps are `V3PoolState.swap`. Past its
last initialized tick a pool has no liquidity, yet an unlimited swap still walks every bitmap
word to the extreme price (hundreds of steps) before it gives up. So the curve swaps with that
last tick's price as its limit: a swap that fits the pool never reaches it, so it pays exactly
what the unlimited swap pays, and one that does not fit stops there at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from omniarb.dex.curves import CurvePiece, SwapWork
from omniarb.dex.uniswap_v3.errors import V3RevertError
from omniarb.dex.uniswap_v3.segments import segments
from omniarb.dex.uniswap_v3.tick_math import MAX_SQRT_RATIO, MIN_SQRT_RATIO

if TYPE_CHECKING:
    from omniarb.dex.uniswap_v3.pool import V3PoolState

__all__ = ["V3Curve"]

_PIPS = 1_000_000
_Q192 = 1 << 192


@dataclass(frozen=True, slots=True, kw_only=True)
class V3Curve:
    """`state` traded in direction `zero_for_one`. `sqrt_price_limit_x96` is the price of the
    pool's last initialized tick in that direction (the end of its liquidity), or None for the
    swap's default limit."""

    state: V3PoolState
    zero_for_one: bool
    sqrt_price_limit_x96: int | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        prices = self.state.ticks.sqrt_prices
        if prices:
            edge = prices[0] if self.zero_for_one else prices[-1]
            if MIN_SQRT_RATIO < edge < MAX_SQRT_RATIO:
                object.__setattr__(self, "sqrt_price_limit_x96", edge)

    def pieces(self) -> Iterator[CurvePiece]:
        return segments(self.state, self.zero_for_one)

    def spot_rate(self) -> float:
        square = self.state.sqrt_price_x96**2
        price = square / _Q192 if self.zero_for_one else _Q192 / square
        return price * (_PIPS - self.state.fee_pips) / _PIPS

    def exact_out(self, amount_in: int) -> int | None:
        try:
            result = self.state.swap(
                zero_for_one=self.zero_for_one,
                amount_specified=amount_in,
                sqrt_price_limit_x96=self.sqrt_price_limit_x96,
            )
        except V3RevertError:
            return None
        return result.amount_out if result.amount_in == amount_in else None

    def swap_exact_in(self, amount_in: int) -> SwapWork | None:
        return self._swap(amount_in)

    def swap_exact_out(self, amount_out: int) -> SwapWork | None:
        return self._swap(-amount_out)

    def _swap(self, amount_specified: int) -> SwapWork | None:
        try:
            result = self.state.swap(
                zero_for_one=self.zero_for_one,
                amount_specified=amount_specified,
                sqrt_price_limit_x96=self.sqrt_price_limit_x96,
            )
        except V3RevertError:
            return None  # SPL: the price already sits at the end of the liquidity
        crossed = result.initialized_ticks_crossed
        return SwapWork(
            amount_in=result.amount_in,
            amount_out=result.amount_out,
            crossings=crossed,
            steps=max(0, result.steps - 1 - crossed),
        )
