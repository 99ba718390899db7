"""An Algebra Integral pool traded in one direction, as the detector sizes it
(`omniarb.dex.curves.PiecewiseCurve`).

Within one tick range an Integral pool is a Uniswap V3 range: `movePriceTowardsTarget` takes the
fee from the input first and moves the price along the same constant-product curve of virtual
reserves L/√P and L·√P, rounding input up and output down. So the pieces are V3's
(`omniarb.dex.uniswap_v3.segments.V3Segment`, whose docstring derives the Möbius map and why it
bounds the pool from above), reused as they are; only the walk is the pool's own: the next
range ends at the next tick of Integral's linked list, the liquidity changes by that tick's
`liquidityDelta`, and the fee is the one in force (`lastFee`). The exact swaps are
`AlgebraPoolState.swap`. No price limit is needed past the last tick, as V3's curve needs one:
Integral crosses a range without liquidity in one step, not a bitmap word at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from omniarb.dex.algebra.errors import AlgebraRevertError
from omniarb.dex.curves import CurvePiece, SwapWork
from omniarb.dex.uniswap_v3.segments import V3Segment, range_segments

if TYPE_CHECKING:
    from omniarb.dex.algebra.pool import AlgebraPoolState

__all__ = ["AlgebraCurve", "segments"]

_PIPS = 1_000_000
_Q192 = 1 << 192


def segments(state: AlgebraPoolState, zero_for_one: bool) -> Iterator[V3Segment]:
    """The hop's pieces in swap order, lazily: ranges with liquidity, from the price.

    The walk follows `SwapCalculation._calculateSwap`: downward the next tick is the greatest
    initialized tick at or below the current tick, upward the least one above it, and crossing
    a tick adds its `liquidityDelta` (subtracts it downward), at the fee in force."""
    table = state.ticks
    return range_segments(
        ticks=table.ticks,
        liquidity_nets=table.liquidity_delta,
        sqrt_prices=table.sqrt_prices,
        sqrt_price_x96=state.sqrt_price_x96,
        tick=state.tick,
        liquidity=state.liquidity,
        fee_pips=state.fee_pips,
        zero_for_one=zero_for_one,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class AlgebraCurve:
    """`state` traded in direction `zero_for_one`, at the pool's `lastFee`."""

    state: AlgebraPoolState
    zero_for_one: bool

    def pieces(self) -> Iterator[CurvePiece]:
        return segments(self.state, self.zero_for_one)

    def spot_rate(self) -> float:
        square = self.state.sqrt_price_x96**2
        price = square / _Q192 if self.zero_for_one else _Q192 / square
        return price * (_PIPS - self.state.fee_pips) / _PIPS

    def exact_out(self, amount_in: int) -> int | None:
        try:
            result = self.state.swap(zero_for_one=self.zero_for_one, amount_specified=amount_in)
        except AlgebraRevertError:
            return None
        return result.amount_out if result.amount_in == amount_in else None

    def swap_exact_in(self, amount_in: int) -> SwapWork | None:
        return self._swap(amount_in)

    def swap_exact_out(self, amount_out: int) -> SwapWork | None:
        return self._swap(-amount_out)

    def _swap(self, amount_specified: int) -> SwapWork | None:
        try:
            result = self.state.swap(
                zero_for_one=self.zero_for_one, amount_specified=amount_specified
            )
        except AlgebraRevertError:
            return None  # the price already sits at the end of the range of prices
        crossed = result.initialized_ticks_crossed
        return SwapWork(
            amount_in=result.amount_in,
            amount_out=result.amount_out,
            crossings=crossed,
            steps=max(0, result.steps - 1 - crossed),
        )
