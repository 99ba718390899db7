"""Sizing a cycle of Uniswap V2 and V3 hops: walk the tick ranges to the optimal piece
(`piece_walk`), then the exact integer optimum.

The integer search is the one `sizing` does for V2 routes (`pivot_search`): on the amount v
entering a pivot hop, with the cheapest integer input reaching v through the hops before it (V3:
the exact-output quote, settled by the exact-input swap, whose output is non-decreasing in its
input), a window around the continuous optimum, and a certificate. The pools round in their
favour and each piece bounds its hop from above, so on the walk's final pieces
q(v) = down(v) − up⁻¹(v) is a concave upper bound of the integer profit; every v that could earn
≥ P lies where q(v) ≥ P, a quadratic solved in integers. That interval is proven only when the
walk's domain brackets it: q is below P at both ends of the domain where the pieces hold, and the
best found lies inside, so by concavity of the true profit nothing outside the domain earns P
either.

In practice a V3 hop's integer output trails its piece by up to about one input unit's worth
per step (the fee and price roundings of `computeSwapStep`), so around the optimum the integer
profit is a plateau millions of units wide whose wobble is that loss: the certificate rarely
fits a budget, `exact` stays False, and `gap_bound` (the continuous maximum above the profit
found) says what at most was left: a few 10⁻⁸ of the profit on the planted test cases (loose
when the input is capped or a pool runs dry, where the bound ignores the limit).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from omniarb.detect.mixed_hops import (
    MixedHop,
    cheapest_input,
    hop_amount_out,
    mixed_route_amount_out,
)
from omniarb.detect.piece_walk import PieceWalk, compose, walk_pieces
from omniarb.detect.pivot_search import search_pivot
from omniarb.detect.sizing import HopReserves, Sizing, replayed_sizing

__all__ = ["size_mixed_at_optimum", "size_mixed_route"]

_BPS = 10_000
_MAX_RESERVE = 2**112 - 1


def _rate(hop: MixedHop) -> float:
    """The hop's marginal rate after fee at its current price (output per input unit)."""
    if isinstance(hop, HopReserves):
        return (hop.reserve_out / hop.reserve_in) * (_BPS - hop.fee_bps) / _BPS
    return hop.spot_rate()


def _heuristic_pivot(hops: Sequence[MixedHop]) -> int:
    """The position whose token has the largest value per base unit (as `sizing` chooses)."""
    best, best_rate, rate = 0, 1.0, 1.0
    for index, hop in enumerate(hops[:-1], start=1):
        rate *= _rate(hop)
        if rate < best_rate:
            best, best_rate = index, rate
    return best


def _cap(hops: Sequence[MixedHop], max_amount_in: int | None) -> int | None:
    """A V2 first hop caps the input at its reserve (as `sizing._cap`); a V3 one only at its
    liquidity, which the exact swap enforces."""
    first = hops[0]
    cap = None
    if isinstance(first, HopReserves):
        cap = min(first.reserve_in, _MAX_RESERVE - first.reserve_in)
    if max_amount_in is not None:
        cap = max_amount_in if cap is None else min(cap, max_amount_in)
    return cap


class _Search:
    """The integer search of one mixed route at one pivot position, on the walk's pieces."""

    def __init__(
        self, hops: Sequence[MixedHop], pivot: int, cap: int | None, walk: PieceWalk
    ) -> None:
        self.pivot = pivot
        self.cap = cap
        self._up_hops = list(hops[:pivot])[::-1]
        self._down_hops = list(hops[pivot:])
        self.up = compose(walk.maps[:pivot])
        self.down = compose(walk.maps[pivot:])
        # The largest pivot amount whose cheapest input is within the cap (None: unbounded).
        self.v_cap: int | None = cap
        if pivot and cap is not None:
            self.v_cap = mixed_route_amount_out(cap, hops[:pivot]) or None
        # The pivot amounts where every hop stays in its walked piece.
        self.v_start = self._up_value_ceil(walk.x_start)
        self.v_end = None if walk.x_end is None else self.up.value_floor(walk.x_end)
        self.evaluated = 0

    def _up_value_ceil(self, x: int) -> int:
        up = self.up
        return -(-(up.a * x + up.b) // (up.c * x + up.d))

    def pivot_amount(self, amount_in: int) -> int:
        return self.up.value_floor(amount_in) if self.pivot else amount_in

    def profit_at(self, v: int) -> tuple[int, int] | None:
        """(profit, amount_in) of the cheapest input reaching `v` at the pivot (see
        `sizing._Search.profit_at`: an overshooting cheapest input is scanned at its own v)."""
        if v < 1 or (self.v_cap is not None and v > self.v_cap):
            return None
        x: int | None = v
        for hop in self._up_hops:
            x = cheapest_input(hop, x) if x is not None else None
        if x is None or (self.cap is not None and x > self.cap):
            return None
        self.evaluated += 1
        out: int | None = v
        for hop in self._down_hops:
            out = hop_amount_out(hop, out) if out is not None else None
        if out is None:
            return None
        return out - x, x

    def _quadratic(self, threshold: int) -> tuple[int, int, int]:
        """(α, β, κ) with q(v) ≥ T ⟺ α·v² + β·v + κ ≥ 0 on the pieces' domain.

        q(v) = (A·v + B)/(C·v + D) − (D'·v − B')/(A' − C'·v) for down = (A, B, C, D) and
        up = (A', B', C', D'), multiplied out by the positive denominators.
        """
        a, b, c, d = self.down.a, self.down.b, self.down.c, self.down.d
        a2, b2, c2, d2 = self.up.a, self.up.b, self.up.c, self.up.d
        t = threshold
        alpha = -a * c2 - d2 * c + t * c * c2
        beta = a * a2 - b * c2 - d2 * d + b2 * c - t * (c * a2 - d * c2)
        kappa = b * a2 + b2 * d - t * d * a2
        return alpha, beta, kappa

    def interval(self, threshold: int, found: int) -> tuple[int, int] | None:
        """All v in the pieces' domain whose q(v) is ≥ `threshold`; None unless q is below
        `found` (a profit found inside the domain) at both of the domain's ends.

        Then the true continuous profit g ≤ q is below `found` at both ends and reaches it
        inside, so, being concave, it stays below `found` ≤ `threshold` outside the domain.
        """
        alpha, beta, kappa = self._quadratic(threshold)
        bracket = self._quadratic(found)
        if alpha >= 0 or bracket[0] >= 0:
            return None

        def ok(v: int) -> bool:
            return alpha * v * v + beta * v + kappa >= 0

        def reaches_found(v: int) -> bool:
            return bracket[0] * v * v + bracket[1] * v + bracket[2] >= 0

        if reaches_found(self.v_start) or (self.v_end is not None and reaches_found(self.v_end)):
            return None
        disc = beta * beta - 4 * alpha * kappa
        if disc < 0:
            return 1, 0
        root = math.isqrt(disc)
        two_a = -2 * alpha
        lo = max((beta - root) // two_a, self.v_start, 1)
        hi = (beta + root) // two_a + 1
        if self.v_end is not None:
            hi = min(hi, self.v_end)
        if self.v_cap is not None:
            hi = min(hi, self.v_cap)
        while lo > max(self.v_start, 1) and ok(lo - 1):
            lo -= 1
        while lo <= hi and not ok(lo):
            lo += 1
        while (self.v_end is None or hi < self.v_end) and ok(hi + 1):
            if self.v_cap is not None and hi >= self.v_cap:
                break
            hi += 1
        while hi >= lo and not ok(hi):
            hi -= 1
        return lo, hi

    def certified_interval(
        self, threshold: int, *, window_best: int, best_v: int
    ) -> tuple[int, int] | None:
        """`interval` when the window earned `window_best` > 0 at a `best_v` inside the pieces'
        domain, which that interval needs for a proof; None otherwise."""
        if window_best <= 0 or not self.inside(best_v):
            return None
        return self.interval(threshold, window_best)

    def inside(self, v: int) -> bool:
        return self.v_start <= v and (self.v_end is None or v <= self.v_end)


def _walk(
    hops: Sequence[MixedHop], max_amount_in: int | None
) -> tuple[int | None, PieceWalk, int] | None:
    """(cap, walk, x_center): the route's input cap, its walked pieces and the walked
    continuous optimum within the cap; None when no input within the cap can earn."""
    if not hops:
        raise ValueError("a route needs at least one hop")
    cap = _cap(hops, max_amount_in)
    if cap is not None and cap < 1:
        return None
    walk = walk_pieces(hops, cap=cap)
    if walk is None:
        return None  # unprofitable: the continuous profit is concave and falls from zero
    x_center = max(walk.optimum, 1)
    if cap is not None:
        x_center = min(x_center, cap)
    return cap, walk, x_center


def size_mixed_route(
    hops: Sequence[MixedHop],
    *,
    max_amount_in: int | None = None,
    window: int = 8,
    certify_budget: int = 256,
) -> Sizing | None:
    """The profit-maximising integer input of a cycle of V2 and V3 hops, or None when no input
    earns > 0 (`exact`: proven, see the module docstring).

    The input is capped by `max_amount_in` and, for a V2 first hop, by its input reserve.
    """
    walked = _walk(hops, max_amount_in)
    if walked is None:
        return None
    cap, walk, x_center = walked
    search = _Search(hops, _heuristic_pivot(hops), cap, walk)
    found = search_pivot(search, x_center, window=window, certify_budget=certify_budget)
    if found is None:
        return None
    return replayed_sizing(
        found.amount_in,
        mixed_route_amount_out(found.amount_in, hops),
        exact=found.exact,
        smallest=found.smallest,
        max_profit_ceil=walk.total.max_gain_ceil(),
        continuous_optimum=walk.optimum,
        pivot=search.pivot,
        evaluated=found.evaluated,
    )


def size_mixed_at_optimum(
    hops: Sequence[MixedHop], *, max_amount_in: int | None = None
) -> Sizing | None:
    """The quick sizing: the exact integer outcome at the walked continuous optimum, no search.

    For candidates that will not be traded this block (see `sizing.size_at_optimum`).
    """
    walked = _walk(hops, max_amount_in)
    if walked is None:
        return None
    _, walk, amount_in = walked
    return replayed_sizing(
        amount_in,
        mixed_route_amount_out(amount_in, hops),
        exact=False,
        smallest=False,
        max_profit_ceil=walk.total.max_gain_ceil(),
        continuous_optimum=walk.optimum,
        pivot=0,
        evaluated=1,
    )
