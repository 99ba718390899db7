"""The hops of a mixed route and their exact integer outcomes, as the pools pay them.

A hop is a constant-product pool's reserves (`sizing.HopReserves`, the math of
`UniswapV2Library`) or a pool whose curve has pieces, in one direction (a `PiecewiseCurve` its
state hands out: a V3 pool, simulated tick by tick exactly as QuoterV2 quotes it): a `MixedHop`,
which the piece walk sizes. A route may also pass through a pool with neither (`ExactHop`:
only its exact swap); its forward amounts and its work are here too (`RouteHop`), and the
bracketed search sizes it. Besides the forward amounts, the piece walk's search needs the
inverse: the least input that buys a given output (`cheapest_input`). A pool that runs out of
liquidity takes only part of an exact input, a pool whose contract would revert takes none; a
route that needs more than a pool can take is treated as failing.
"""

from __future__ import annotations

from collections.abc import Sequence

from omniarb.detect.exact_hop import ExactHop
from omniarb.detect.sizing import HopReserves
from omniarb.dex.curves import PiecewiseCurve

__all__ = [
    "MixedHop",
    "RouteHop",
    "cheapest_input",
    "hop_amount_out",
    "mixed_route_amount_out",
    "mixed_route_amounts",
    "route_work",
]

_BPS = 10_000


MixedHop = HopReserves | PiecewiseCurve
RouteHop = MixedHop | ExactHop


def hop_amount_out(hop: RouteHop, amount_in: int) -> int | None:
    """The hop's exact output, or None when the trade would fail: nothing in or out, a V3
    pool that runs out of liquidity before taking the whole input, or a pool that reverts."""
    if amount_in <= 0:
        return None
    if isinstance(hop, HopReserves):
        # UniswapV2Library.getAmountOut
        with_fee = amount_in * (_BPS - hop.fee_bps)
        out: int | None = (with_fee * hop.reserve_out) // (hop.reserve_in * _BPS + with_fee)
    else:
        out = hop.exact_out(amount_in)
    return out if out is not None and out > 0 else None


def cheapest_input(hop: MixedHop, amount_out: int) -> int | None:
    """The least input for which `hop_amount_out` pays ≥ `amount_out` (None if none does).

    Constant product in closed form (getAmountOut(x) ≥ w ⟺ x·g·(r_out − w) ≥ w·10000·r_in). A
    piecewise curve from its exact-output quote, then settled against the exact-input swap,
    whose output never falls as its input grows: the answer is the u with out(u) ≥ w >
    out(u − 1), usually the quote itself (two swaps to check it).
    """
    if amount_out <= 0:
        return None
    if isinstance(hop, HopReserves):
        if amount_out >= hop.reserve_out:
            return None
        numerator = hop.reserve_in * _BPS * amount_out
        return -(-numerator // ((_BPS - hop.fee_bps) * (hop.reserve_out - amount_out)))
    quote = hop.swap_exact_out(amount_out)
    if quote is None:
        return None
    if quote.amount_out < amount_out:
        return None  # the pool cannot pay that much

    def pays(u: int) -> bool | None:
        out = hop.exact_out(u) if u > 0 else 0
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


def mixed_route_amounts(amount_in: int, hops: Sequence[RouteHop]) -> list[int] | None:
    """[amount_in, out of hop 1, ..., out of the last hop] as the pools pay them (None if a
    hop would fail)."""
    amounts = [amount_in]
    for hop in hops:
        out = hop_amount_out(hop, amounts[-1])
        if out is None:
            return None
        amounts.append(out)
    return amounts


def mixed_route_amount_out(amount_in: int, hops: Sequence[RouteHop]) -> int:
    """The route's exact output; 0 when a hop would fail."""
    amount: int | None = amount_in
    for hop in hops:
        amount = hop_amount_out(hop, amount) if amount is not None else None
    return amount or 0


def route_work(amount_in: int, hops: Sequence[RouteHop]) -> list[tuple[int, int]]:
    """What each hop costs beyond a plain hop at `amount_in`, as (initialized ticks crossed,
    other extra steps of the pool's loop: for V3, a bitmap-word edge reached without crossing a
    tick); a constant-product hop, or one priced only by its swap, has none. All zeros when a
    hop would fail."""
    work: list[tuple[int, int]] = []
    amount = amount_in
    for hop in hops:
        if isinstance(hop, HopReserves | ExactHop):
            out = hop_amount_out(hop, amount)
            if out is None:
                return [(0, 0)] * len(hops)
            work.append((0, 0))
            amount = out
        else:
            swap = hop.swap_exact_in(amount)
            if swap is None:
                return [(0, 0)] * len(hops)
            work.append((swap.crossings, swap.steps))
            amount = swap.amount_out
    return work
