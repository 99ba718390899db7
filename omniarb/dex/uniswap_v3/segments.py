"""A Uniswap V3 pool in one direction as a chain of Möbius pieces, one per tick range.

Between two initialized ticks a V3 pool holds constant liquidity L and behaves like a constant-
product pair with *virtual* reserves x₀ = L/√P of token0 and y₀ = L·√P of token1 (√P the sqrt
price, here √P = s/2⁹⁶ with s = `sqrt_price_x96`): x₀·y₀ = L² while the price stays in the range
(v3-core `SqrtPriceMath.getAmount0Delta` / `getAmount1Delta` are exactly the reserve changes of
that product). The fee is charged on the input before the step, as `SwapMath.computeSwapStep`
does: `amountRemainingLessFee = amountRemaining·(1e6 − fee)/1e6`. So with γ = (1e6 − fee)/1e6 an
input u swaps, like a V2 hop, to

    zero_for_one (token0 in):  out(u) = γ·y₀·u / (x₀ + γ·u) = K·u / (M + N·u)
        K = g·L·s²,   M = 1e6·L·Q²,   N = g·s·Q
    one_for_zero (token1 in):  out(u) = γ·x₀·u / (y₀ + γ·u)
        K = g·L·Q²,   M = 1e6·L·s²,   N = g·s·Q

with g = 1e6 − fee and Q = 2⁹⁶ (multiply numerator and denominator by 1e6·s·Q to get integers).
The map holds until the price reaches the next initialized tick in the swap's direction, the
range end: from s_a to s_b it takes (gross, fee included) and pays

    zero_for_one:  in = 1e6·L·Q·(s_a − s_b) / (g·s_a·s_b),   out = L·(s_a − s_b) / Q
    one_for_zero:  in = 1e6·L·(s_b − s_a) / (g·Q),           out = L·Q·(s_b − s_a) / (s_a·s_b)

There the liquidity changes by the tick's `liquidityNet` and the next piece starts, from the new
price with the new L, shifted by what the earlier pieces took and paid: for a total hop input u,
out(u) = b + K·(u − a)/(M + N·(u − a)), again a linear-fractional map
(`omniarb.dex.curves.FractionalMap`).
The price moves continuously across a tick, so the hop's map is continuous with a continuous,
decreasing slope (γ times the price): concave and increasing, piece by piece Möbius.

Rounding, so that each piece bounds the pool from above: the pool rounds every step in its own
favour (input up, output down, fee up), so its integer output never exceeds the continuous map.
The offsets a (input before the piece) and b (output before it) are sums of each earlier range's
input rounded down and output rounded up, so a piece's map is ≥ the continuous one on its
domain too: where the true input before the piece is a* ≥ a, out(u) ≤ b* ≤ b ≤ piece(u) for
u < a*, and piece(u) ≥ b* + K(u − a*)/(M + N(u − a*)) beyond. Word edges of the tick bitmap,
where the pool's loop also stops and rounds, are not piece ends (L does not change there).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from omniarb.dex.curves import FractionalMap
from omniarb.dex.uniswap_v3.tick_math import MAX_SQRT_RATIO, MIN_SQRT_RATIO

if TYPE_CHECKING:
    from omniarb.dex.uniswap_v3.pool import V3PoolState

__all__ = ["V3Segment", "range_segments", "segments"]

_PIPS = 1_000_000
_Q96_BITS = 96
_Q96 = 1 << _Q96_BITS
_Q192 = 1 << (2 * _Q96_BITS)


@dataclass(frozen=True, slots=True, kw_only=True)
class V3Segment:
    """One tick range of a V3 hop in one direction: the piece where the hop is one Möbius map.

    The price moves from `sqrt_price_start_x96` to `sqrt_price_end_x96` (the next initialized
    tick, or the swap's price limit) with `liquidity` active. `amount_in_before` /
    `amount_out_before` are what the hop takes and pays before this range (rounded down / up),
    `amount_in_span` / `amount_out_span` what crossing this whole range takes (gross, rounded
    down) and pays (rounded up). The piece holds for hop inputs in
    [`amount_in_before`, `amount_in_end`].
    """

    zero_for_one: bool
    fee_pips: int
    liquidity: int
    sqrt_price_start_x96: int
    sqrt_price_end_x96: int
    amount_in_before: int
    amount_out_before: int
    amount_in_span: int
    amount_out_span: int

    @property
    def amount_in_end(self) -> int:
        return self.amount_in_before + self.amount_in_span

    @property
    def amount_out_end(self) -> int:
        return self.amount_out_before + self.amount_out_span

    def local_mobius(self) -> tuple[int, int, int]:
        """(K, M, N) of the range alone: input u from its start ↦ K·u/(M + N·u)."""
        g = _PIPS - self.fee_pips
        s, liquidity = self.sqrt_price_start_x96, self.liquidity
        if self.zero_for_one:
            return g * liquidity * s * s, _PIPS * liquidity * _Q192, g * s * _Q96
        return g * liquidity * _Q192, _PIPS * liquidity * s * s, g * s * _Q96

    def map(self) -> FractionalMap:
        """The hop's output as a function of its total input u, valid on this range:
        b + K·(u − a)/(M + N·(u − a))."""
        k, m, n = self.local_mobius()
        a, b = self.amount_in_before, self.amount_out_before
        top = b * n + k
        return FractionalMap(top, b * m - a * top, n, m - n * a)


def _span(
    zero_for_one: bool, fee_pips: int, liquidity: int, start: int, end: int
) -> tuple[int, int]:
    """(gross input rounded down, output rounded up) of moving the price from start to end."""
    g = _PIPS - fee_pips
    if zero_for_one:
        delta = start - end
        amount_in = _PIPS * liquidity * delta * _Q96 // (g * start * end)
        amount_out = -((-liquidity * delta) >> _Q96_BITS)
    else:
        delta = end - start
        amount_in = _PIPS * liquidity * delta // (g * _Q96)
        amount_out = -(-(liquidity * delta * _Q96) // (start * end))
    return amount_in, amount_out


def segments(state: V3PoolState, zero_for_one: bool) -> Iterator[V3Segment]:
    """The hop's pieces in swap order, lazily: ranges with liquidity, starting at the price.

    The walk follows `UniswapV3Pool.swap`: downward the next tick is the greatest initialized
    tick ≤ the current tick, upward the least one above it, and crossing a tick adds its
    `liquidityNet` (subtracts it downward)."""
    table = state.ticks
    return range_segments(
        ticks=table.ticks,
        liquidity_nets=table.liquidity_net,
        sqrt_prices=table.sqrt_prices,
        sqrt_price_x96=state.sqrt_price_x96,
        tick=state.tick,
        liquidity=state.liquidity,
        fee_pips=state.fee_pips,
        zero_for_one=zero_for_one,
    )


def range_segments(
    *,
    ticks: Sequence[int],
    liquidity_nets: Sequence[int],
    sqrt_prices: Sequence[int],
    sqrt_price_x96: int,
    tick: int,
    liquidity: int,
    fee_pips: int,
    zero_for_one: bool,
) -> Iterator[V3Segment]:
    """The pieces of any pool whose ranges are V3's, from its sorted initialized `ticks`, the
    liquidity each adds when crossed upward and their sqrt prices (V3's `liquidityNet`, Algebra
    Integral's `liquidityDelta`).

    Ranges without liquidity cost nothing to cross (the pool's price jumps through them), so
    they are skipped, as are empty ranges (a price resting on a tick). The last range ends at
    the swap's default price limit (`MIN_SQRT_RATIO + 1` / `MAX_SQRT_RATIO - 1`); beyond the
    last yielded piece the pool cannot take more input.
    """
    start, fee = sqrt_price_x96, fee_pips
    amount_in_before = amount_out_before = 0
    if zero_for_one:
        index, step, limit = bisect_right(ticks, tick) - 1, -1, MIN_SQRT_RATIO + 1
    else:
        index, step, limit = bisect_right(ticks, tick), 1, MAX_SQRT_RATIO - 1
    while True:
        inside = 0 <= index < len(ticks)
        end = sqrt_prices[index] if inside else limit
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
        net = liquidity_nets[index]
        liquidity = liquidity - net if zero_for_one else liquidity + net
        start = end
        index += step
