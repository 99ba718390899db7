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

from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from omniarb.dex.algebra.errors import AlgebraRevertError
from omniarb.dex.curves import CurvePiece, SwapWork
from omniarb.dex.uniswap_v3.segments import V3Segment
from omniarb.dex.uniswap_v3.tick_math import MAX_SQRT_RATIO, MIN_SQRT_RATIO

if TYPE_CHECKING:
    from omniarb.dex.algebra.pool import AlgebraPoolState

__all__ = ["AlgebraCurve", "segments"]

_PIPS = 1_000_000
_Q96_BITS = 96
_Q96 = 1 << _Q96_BITS
_Q192 = 1 << (2 * _Q96_BITS)


def _span(
    zero_for_one: bool, fee_pips: int, liquidity: int, start: int, end: int
) -> tuple[int, int]:
    """(gross input rounded down, output rounded up) of moving the price from start to end:
    the continuous amounts `V3Segment` bounds the pool with."""
    g = _PIPS - fee_pips
    if zero_for_one:
        delta = start - end
        return (
            _PIPS * liquidity * delta * _Q96 // (g * start * end),
            -((-liquidity * delta) >> _Q96_BITS),
        )
    delta = end - start
    return _PIPS * liquidity * delta // (g * _Q96), -(-(liquidity * delta * _Q96) // (start * end))


def segments(state: AlgebraPoolState, zero_for_one: bool) -> Iterator[V3Segment]:
    """The hop's pieces in swap order, lazily: ranges with liquidity, from the price.

    The walk follows `SwapCalculation._calculateSwap`: downward the next tick is the greatest
    initialized tick at or below the current tick, upward the least one above it, and crossing
    a tick adds its `liquidityDelta` (subtracts it downward). Ranges without liquidity cost
    nothing (the price jumps through them) and are skipped; the last range ends at the swap's
    default limit (`MIN_SQRT_RATIO + 1` / `MAX_SQRT_RATIO - 1`).
    """
    table = state.ticks
    ticks, deltas, prices = table.ticks, table.liquidity_delta, table.sqrt_prices
    start, liquidity, fee = state.sqrt_price_x96, state.liquidity, state.fee_pips
    amount_in_before = amount_out_before = 0
    if zero_for_one:
        index, step, limit = bisect_right(ticks, state.tick) - 1, -1, MIN_SQRT_RATIO + 1
    else:
        index, step, limit = bisect_right(ticks, state.tick), 1, MAX_SQRT_RATIO - 1
    while True:
        inside = 0 <= index < len(ticks)
        end = prices[index] if inside else limit
        end = max(end, limit) if zero_for_one else min(end, limit)
        if liquidity > 0 and end != start:
            span_in, span_out = _span(zero_for_one, fee, liquidity, start, end)
            yield V3Segment(
                zero_for_one=zero_for_one,
                fee_pips=fee,
                liquidity=liquidity,
                sqrt_price_start_x96=start,
                sqrt_price_end_x96=end,
                amount_in_before=amount_in_before,
                amount_out_before=amount_out_before,
                amount_in_span=span_in,
                amount_out_span=span_out,
            )
            amount_in_before += span_in
            amount_out_before += span_out
        if not inside or end == limit:
            return
        liquidity = liquidity - deltas[index] if zero_for_one else liquidity + deltas[index]
        start = end
        index += step


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
