"""The hops of a mixed V2/V3 route and their exact integer outcomes, as the pools pay them.

A hop is a V2 pair's reserves (`sizing.HopReserves`, the math of `UniswapV2Library`) or a V3
pool in one direction (`V3Hop`, simulated tick by tick by `V3PoolState.swap`, equal to
QuoterV2). Besides the forward amounts, the sizing needs the inverse: the least input that buys
a given output (`cheapest_input`). A V3 pool that runs out of liquidity takes only part of an
exact input; a route that needs more than a pool can take is treated as failing.

Speed: past its last initialized tick a pool has no liquidity, yet an unlimited swap still
walks every bitmap word to the extreme price (hundreds of steps) before it gives up. So a V3
hop swaps with that last tick's price as its limit: a swap that fits the pool never reaches it,
so it pays exactly what the unlimited swap pays, and one that does not fit stops there at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from omniarb.detect.sizing import HopReserves
from omniarb.dex.uniswap_v3.errors import V3RevertError
from omniarb.dex.uniswap_v3.pool import V3PoolState
from omniarb.dex.uniswap_v3.tick_math import MAX_SQRT_RATIO, MIN_SQRT_RATIO

__all__ = [
    "MixedHop",
    "V3Hop",
    "cheapest_input",
    "hop_amount_out",
    "mixed_route_amount_out",
    "mixed_route_amounts",
    "route_work",
]

_BPS = 10_000


@dataclass(frozen=True, slots=True, kw_only=True)
class V3Hop:
    """A V3 pool traded in one direction, as the mixed sizing sees it.

    `sqrt_price_limit_x96` is the price of the pool's last initialized tick in that direction
    (the end of its liquidity), or None for the swap's default limit.
    """

    state: V3PoolState
    zero_for_one: bool
    sqrt_price_limit_x96: int | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        prices = self.state.ticks.sqrt_prices
        if prices:
            edge = prices[0] if self.zero_for_one else prices[-1]
            if MIN_SQRT_RATIO < edge < MAX_SQRT_RATIO:
                object.__setattr__(self, "sqrt_price_limit_x96", edge)


MixedHop = HopReserves | V3Hop


def _v3_out(hop: V3Hop, amount_in: int) -> int | None:
    """The V3 hop's exact output (maybe 0), or None when the pool would not take all of
    `amount_in` (it runs out of liquidity) or reverts."""
    try:
        result = hop.state.swap(
            zero_for_one=hop.zero_for_one,
            amount_specified=amount_in,
            sqrt_price_limit_x96=hop.sqrt_price_limit_x96,
        )
    except V3RevertError:
        return None  # SPL: the price already sits at the end of the liquidity
    return result.amount_out if result.amount_in == amount_in else None


def hop_amount_out(hop: MixedHop, amount_in: int) -> int | None:
    """The hop's exact output, or None when the trade would fail: nothing in or out, or a V3
    pool that runs out of liquidity before taking the whole input."""
    if amount_in <= 0:
        return None
    if isinstance(hop, HopReserves):
        # UniswapV2Library.getAmountOut
        with_fee = amount_in * (_BPS - hop.fee_bps)
        out: int | None = (with_fee * hop.reserve_out) // (hop.reserve_in * _BPS + with_fee)
    else:
        out = _v3_out(hop, amount_in)
    return out if out is not None and out > 0 else None


def cheapest_input(hop: MixedHop, amount_out: int) -> int | None:
    """The least input for which `hop_amount_out` pays ≥ `amount_out` (None if none does).

    V2 in closed form (getAmountOut(x) ≥ w ⟺ x·g·(r_out − w) ≥ w·10000·r_in). V3 from the
    exact-output quote, then settled against the exact-input swap, whose output never falls as
    its input grows: the answer is the u with out(u) ≥ w > out(u − 1), usually the quote itself
    (two swaps to check it).
    """
    if amount_out <= 0:
        return None
    if isinstance(hop, HopReserves):
        if amount_out >= hop.reserve_out:
            return None
        numerator = hop.reserve_in * _BPS * amount_out
        return -(-numerator // ((_BPS - hop.fee_bps) * (hop.reserve_out - amount_out)))
    try:
        quote = hop.state.swap(
            zero_for_one=hop.zero_for_one,
            amount_specified=-amount_out,
            sqrt_price_limit_x96=hop.sqrt_price_limit_x96,
        )
    except V3RevertError:
        return None
    if quote.amount_out < amount_out:
        return None  # the pool cannot pay that much

    def pays(u: int) -> bool | None:
        out = _v3_out(hop, u) if u > 0 else 0
        return None if out is None else out >= amount_out

    # Gallop from the quote to a bracket low < high with pays(high) and not pays(low) (low 0
    # counts as not paying), then bisect.
    high = quote.amount_in
    paid = pays(high)
    if paid is None:
        return None
    step = 1
    if paid:
        low = high - step
        while low > 0 and pays(low):
            high, step = low, step * 2
            low = high - step
        low = max(low, 0)
    else:
        low = high
        high = low + step
        while not (paid := pays(high)):
            if paid is None:
                return None
            low, step = high, step * 2
            high = low + step
    while high - low > 1:
        middle = (low + high) // 2
        if pays(middle):
            high = middle
        else:
            low = middle
    return high


def mixed_route_amounts(amount_in: int, hops: Sequence[MixedHop]) -> list[int] | None:
    """[amount_in, out of hop 1, ..., out of the last hop] as the pools pay them (None if a
    hop would fail)."""
    amounts = [amount_in]
    for hop in hops:
        out = hop_amount_out(hop, amounts[-1])
        if out is None:
            return None
        amounts.append(out)
    return amounts


def mixed_route_amount_out(amount_in: int, hops: Sequence[MixedHop]) -> int:
    """The route's exact output; 0 when a hop would fail."""
    amount: int | None = amount_in
    for hop in hops:
        amount = hop_amount_out(hop, amount) if amount is not None else None
    return amount or 0


def route_work(amount_in: int, hops: Sequence[MixedHop]) -> list[tuple[int, int]]:
    """What each hop costs beyond a plain hop at `amount_in`, as (initialized ticks crossed,
    other extra steps): a V3 swap's bitmap-word edge reached without crossing a tick is one
    more loop iteration, reading another word; a constant-product hop has none. All zeros when
    a hop would fail."""
    work: list[tuple[int, int]] = []
    amount = amount_in
    for hop in hops:
        if isinstance(hop, V3Hop):
            try:
                result = hop.state.swap(
                    zero_for_one=hop.zero_for_one,
                    amount_specified=amount,
                    sqrt_price_limit_x96=hop.sqrt_price_limit_x96,
                )
            except V3RevertError:
                return [(0, 0)] * len(hops)
            crossed = result.initialized_ticks_crossed
            work.append((crossed, max(0, result.steps - 1 - crossed)))
            amount = result.amount_out
        else:
            out = hop_amount_out(hop, amount)
            if out is None:
                return [(0, 0)] * len(hops)
            work.append((0, 0))
            amount = out
    return work
