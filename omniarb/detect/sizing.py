"""Sizing a constant-product cycle: the closed-form optimum, then the exact integer optimum.

One Uniswap V2 hop with reserves (r_in, r_out) and fee factor g/10000 (g = 10000 − fee_bps) maps
an input x to f(x) = g·r_out·x / (10000·r_in + g·x) before the pair floors it
(`UniswapV2Library.getAmountOut`). Maps K·x / (M + N·x) are closed under composition, so a whole
route is one such map, here in exact integers: the route is profitable iff K > M (its slope at
zero exceeds one) and the continuous profit G(x) − x peaks at x* = (√(K·M) − M) / N.

The pair floors each hop, so the integer profit P(x) = F(x) − x is not concave: it wobbles below
G(x) − x by up to a few units of the route's tokens. We search on the amount `v` entering one hop
(the pivot: where the route holds its coarsest token, so that token's rounding drops out of the
search). For each v the cheapest input reaching it is the chain of minimal inputs back to the
start; every maximiser of P is such a cheapest input, so maximising over v is exact. Over v the
continuous profit q(v) is concave and bounds the integer profit from above, so once a window of
±`window` around the continuous optimum has found some profit P, every v that could earn ≥ P
(or > P) lies in the interval q(v) ≥ P (or ≥ P + 1), solved exactly as a quadratic in integers.

Scanning the first interval proves the smallest maximiser (`exact` and `smallest`); scanning the
second proves the maximum profit (`exact`), and is empty when the window already sits on a flat
optimum (a route whose start token is its coarsest, e.g. USDC → DAI → USDC, has a plateau of
~√reserve equally profitable inputs). When neither interval fits in `certify_budget` integers, the
answer is the window's best and `gap_bound` bounds what any input could earn beyond it. The
window and the certificate are `pivot_search`'s, which `mixed_sizing` runs too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from omniarb.detect.pivot_search import search_pivot

__all__ = [
    "HopReserves",
    "Mobius",
    "Sizing",
    "replayed_sizing",
    "route_amount_out",
    "route_amounts",
    "route_map",
    "size_at_optimum",
    "size_route",
]

_BPS = 10_000
# uint112: a pair's reserves and balances must stay below this (UniswapV2Pair._update).
_MAX_RESERVE = 2**112 - 1


@dataclass(frozen=True, slots=True, kw_only=True)
class HopReserves:
    """One hop as the sizing sees it: the reserves on its input and output sides, and its fee."""

    reserve_in: int
    reserve_out: int
    fee_bps: int


@dataclass(frozen=True, slots=True)
class Mobius:
    """The map x ↦ k·x / (m + n·x) with integer coefficients (k, m > 0, n ≥ 0)."""

    k: int
    m: int
    n: int

    @classmethod
    def identity(cls) -> Mobius:
        return cls(1, 1, 0)

    @classmethod
    def hop(cls, hop: HopReserves) -> Mobius:
        """`getAmountOut` before its floor, scaled by 10000 like the library."""
        fee_factor = _BPS - hop.fee_bps
        return cls(fee_factor * hop.reserve_out, _BPS * hop.reserve_in, fee_factor)

    def then(self, after: Mobius) -> Mobius:
        """`after ∘ self`: K = k₁k₂, M = m₁m₂, N = n₁m₂ + n₂k₁."""
        return Mobius(self.k * after.k, self.m * after.m, self.n * after.m + after.n * self.k)

    @property
    def profitable(self) -> bool:
        return self.k > self.m

    def optimum(self) -> int:
        """floor(x*) of the continuous profit k·x/(m+n·x) − x; 0 when not profitable."""
        if self.k <= self.m or self.n == 0:
            return 0
        return max((math.isqrt(self.k * self.m) - self.m) // self.n, 0)

    def max_profit_ceil(self) -> int:
        """An integer ≥ the continuous maximum profit (√k − √m)² / n."""
        if self.k <= self.m or self.n == 0:
            return 0
        root = math.isqrt(self.k * self.m)
        return -(-(self.k + self.m - 2 * root) // self.n)

    def value_floor(self, x: int) -> int:
        return (self.k * x) // (self.m + self.n * x)


def route_map(hops: Sequence[HopReserves]) -> Mobius:
    """The composed continuous map of a route."""
    total = Mobius.identity()
    for hop in hops:
        total = total.then(Mobius.hop(hop))
    return total


def _amount_out(amount_in: int, hop: HopReserves) -> int:
    # UniswapV2Library.getAmountOut, inlined: this runs thousands of times per candidate.
    with_fee = amount_in * (_BPS - hop.fee_bps)
    return (with_fee * hop.reserve_out) // (hop.reserve_in * _BPS + with_fee)


def route_amounts(amount_in: int, hops: Sequence[HopReserves]) -> list[int]:
    """[amount_in, out of hop 1, ..., out of the last hop], exactly as the pairs pay them."""
    amounts = [amount_in]
    for hop in hops:
        amounts.append(_amount_out(amounts[-1], hop))
    return amounts


def route_amount_out(amount_in: int, hops: Sequence[HopReserves]) -> int:
    """The route's exact output; 0 when any hop would pay nothing (the pair would revert)."""
    amount = amount_in
    for hop in hops:
        if amount <= 0:
            return 0
        amount = _amount_out(amount, hop)
    return amount


@dataclass(frozen=True, slots=True, kw_only=True)
class Sizing:
    """The chosen input of a route and what it earns, in the start token's base units.

    `exact` means `profit` is proven to be the largest integer profit of any input within the
    cap, and `smallest` that `amount_in` is moreover the smallest input earning it (otherwise it
    is the smallest among the inputs evaluated). When not `exact`, no input earns more than
    `profit + gap_bound`. `evaluated` counts exact route evaluations (a cost figure).
    """

    amount_in: int
    amount_out: int
    profit: int
    exact: bool
    smallest: bool
    gap_bound: int
    continuous_optimum: int
    pivot: int
    evaluated: int


class _Search:
    """The integer search of one route at one pivot position."""

    def __init__(self, hops: Sequence[HopReserves], pivot: int, cap: int) -> None:
        self.hops = hops
        self.pivot = pivot
        self.cap = cap
        self.up = route_map(hops[:pivot])
        self.down = route_map(hops[pivot:])
        # The largest pivot amount whose cheapest input is within the cap.
        self.v_cap = route_amount_out(cap, hops[:pivot]) if pivot else cap
        # Per hop (10000·r_in, r_out, g): the integers of getAmountOut, hoisted out of the loop.
        coefficients = [(_BPS * h.reserve_in, h.reserve_out, _BPS - h.fee_bps) for h in hops]
        self._up = coefficients[:pivot][::-1]
        self._down = coefficients[pivot:]
        self.evaluated = 0

    def pivot_amount(self, amount_in: int) -> int:
        return self.up.value_floor(amount_in) if self.pivot else amount_in

    def profit_at(self, v: int) -> tuple[int, int] | None:
        """(profit, amount_in) of the cheapest input reaching `v` at the pivot.

        The profit is computed as if exactly `v` arrived at the pivot; where the cheapest
        input overshoots `v` this undercounts, but that input is also the cheapest one of the
        amount it does reach, which is scanned too, so the maximum is unaffected.
        """
        if v < 1 or v > self.v_cap:
            return None
        x = v
        for r_in_bps, r_out, g in self._up:
            if x >= r_out:
                return None
            x = -(-(r_in_bps * x) // (g * (r_out - x)))
        if x > self.cap:
            return None
        self.evaluated += 1
        out = v
        for r_in_bps, r_out, g in self._down:
            if out <= 0:
                return None
            with_fee = out * g
            out = (with_fee * r_out) // (r_in_bps + with_fee)
        if out <= 0:
            return None
        return out - x, x

    def certified_interval(
        self, threshold: int, *, window_best: int, best_v: int
    ) -> tuple[int, int] | None:
        """All v in [1, v_cap] whose continuous profit q(v) is ≥ `threshold` (None if none).

        q(v) = down(v) − up⁻¹(v) ≥ T, multiplied out by the positive denominators, is
        A·v² + B·v + C ≥ 0 with A < 0: an interval between the roots. The maps hold for every
        v, so the interval needs nothing from the window (`window_best`, `best_v`).
        """
        up, down, t = self.up, self.down, threshold
        a = -down.k * up.n - up.m * down.n + t * down.n * up.n
        b = down.k * up.k - up.m * down.m + t * down.m * up.n - t * down.n * up.k
        c = -t * down.m * up.k
        if a >= 0:
            return None  # not concave: cannot certify (never happens for a real route)

        def ok(v: int) -> bool:
            return a * v * v + b * v + c >= 0

        disc = b * b - 4 * a * c
        if disc < 0:
            return 1, 0
        root = math.isqrt(disc)
        two_a = -2 * a  # > 0; roots are (b ∓ √disc) / two_a
        lo = max((b - root) // two_a, 1)
        hi = min((b + root) // two_a + 1, self.v_cap)
        # isqrt is within one of √disc: nudge each end onto the exact boundary.
        while lo > 1 and ok(lo - 1):
            lo -= 1
        while lo <= hi and not ok(lo):
            lo += 1
        while hi < self.v_cap and ok(hi + 1):
            hi += 1
        while hi >= lo and not ok(hi):
            hi -= 1
        return lo, hi


def _heuristic_pivot(hops: Sequence[HopReserves]) -> int:
    """The position whose token has the largest value per base unit.

    Flooring loses up to one base unit per hop; pivoting on the coarsest token removes the
    largest of those losses from the search, which keeps the certified interval narrow.
    """
    best, best_rate, rate = 0, 1.0, 1.0
    for index, hop in enumerate(hops[:-1], start=1):
        rate *= (hop.reserve_out / hop.reserve_in) * (_BPS - hop.fee_bps) / _BPS
        if rate < best_rate:
            best, best_rate = index, rate
    return best


def _cap(hops: Sequence[HopReserves], max_amount_in: int | None) -> int:
    """The input cap: `max_amount_in` and the first pool's input reserve.

    Doubling a pool is never a sane arbitrage, and the cap keeps every balance within uint112.
    """
    cap = min(hops[0].reserve_in, _MAX_RESERVE - hops[0].reserve_in)
    return cap if max_amount_in is None else min(cap, max_amount_in)


def size_at_optimum(
    hops: Sequence[HopReserves], *, max_amount_in: int | None = None
) -> Sizing | None:
    """The quick sizing: the exact integer outcome at floor(x*), with no search around it.

    For candidates that will not be traded this block (they share the changed pool with a
    better one): the amounts are exact on-chain values, the optimality is not proven.
    """
    if not hops:
        raise ValueError("a route needs at least one hop")
    # route_map inlined: this runs for every candidate that is not searched.
    k, m, n = 1, 1, 0
    for hop in hops:
        fee_factor = _BPS - hop.fee_bps
        hop_k, hop_m = fee_factor * hop.reserve_out, _BPS * hop.reserve_in
        k, m, n = k * hop_k, m * hop_m, n * hop_m + fee_factor * k
    cap = _cap(hops, max_amount_in)
    if k <= m or cap < 1:
        return None
    root = math.isqrt(k * m)
    x_star = max((root - m) // n, 0)
    amount_in = min(max(x_star, 1), cap)
    return replayed_sizing(
        amount_in,
        route_amount_out(amount_in, hops),
        exact=False,
        smallest=False,
        max_profit_ceil=-(-(k + m - 2 * root) // n),
        continuous_optimum=x_star,
        pivot=0,
        evaluated=1,
    )


def size_route(
    hops: Sequence[HopReserves],
    *,
    max_amount_in: int | None = None,
    window: int = 8,
    certify_budget: int = 256,
) -> Sizing | None:
    """The profit-maximising integer input of a cycle, or None when no input earns > 0.

    The input is capped by `max_amount_in` and by the first pool's input reserve (see `_cap`).
    """
    if not hops:
        raise ValueError("a route needs at least one hop")
    cap = _cap(hops, max_amount_in)
    search = _Search(hops, _heuristic_pivot(hops), cap)
    total = search.up.then(search.down)
    if not total.profitable or cap < 1:
        return None  # unprofitable: G(x) ≤ x·K/M ≤ x, so no input can earn anything
    x_star = total.optimum()
    x_center = min(max(x_star, 1), cap)
    found = search_pivot(search, x_center, window=window, certify_budget=certify_budget)
    if found is None:
        return None
    return replayed_sizing(
        found.amount_in,
        route_amount_out(found.amount_in, hops),
        exact=found.exact,
        smallest=found.smallest,
        max_profit_ceil=total.max_profit_ceil(),
        continuous_optimum=x_star,
        pivot=search.pivot,
        evaluated=found.evaluated,
    )


def replayed_sizing(
    amount_in: int,
    amount_out: int,
    *,
    exact: bool,
    smallest: bool,
    max_profit_ceil: int,
    continuous_optimum: int,
    pivot: int,
    evaluated: int,
) -> Sizing | None:
    """The `Sizing` of `amount_in`, whose exact output through the pools is `amount_out`; None
    when that earns nothing.

    `max_profit_ceil` is an integer ≥ the route's continuous maximum profit: what no input can
    earn beyond, for the `gap_bound` of a sizing not proven `exact`.
    """
    profit = amount_out - amount_in
    if amount_out <= 0 or profit <= 0:
        return None
    return Sizing(
        amount_in=amount_in,
        amount_out=amount_out,
        profit=profit,
        exact=exact,
        smallest=smallest,
        gap_bound=0 if exact else max(max_profit_ceil - profit, 0),
        continuous_optimum=continuous_optimum,
        pivot=pivot,
        evaluated=evaluated,
    )
