"""The maximum of a unimodal function of an integer, inside a bracket: Brent's method.

    found = maximize(value, low, high, best, best_value, relative_bits=32)

`value(x)` is an integer, or None where x lies outside the function's domain (past a wall: it
counts as −∞, so a wall is one more reason the maximum lies on the near side). The function
rises to its maximum and falls after it, up to small local wobbles (a pool's integer rounding):
then Brent's method (R. P. Brent, *Algorithms for Minimization without Derivatives*, 1973,
ch. 5) finds it in far fewer evaluations than a golden-section search where the function is
smooth (a parabola through the three best points lands next to the peak, so the bracket
shrinks superlinearly), and falls back to golden-section steps where it is not (a wall, a knee,
a wobble), so it never needs more than about twice as many. The arithmetic that picks the next
point is in floats (it only guides the search); every point is an integer, and the answer is
the best point evaluated.

It stops when the bracket is within `2·tol` of the best point on both sides, tol being the best
point's 2^−`relative_bits` (at least 1): past that, a route's profit is flat to far below what
matters (moving the input by a fraction δ of itself costs about δ² of the profit at a smooth
peak, about δ at a wall).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

__all__ = ["LineMaximum", "maximize"]

# The golden section's smaller part, 1 − 1/φ.
_GOLDEN = 0.3819660112501051


class LineMaximum(NamedTuple):
    """The best point found, its value, and how many evaluations the search took."""

    x: int
    value: int
    evaluated: int


def maximize(
    value: Callable[[int], int | None],
    low: int,
    high: int,
    best: int,
    best_value: int,
    *,
    relative_bits: int,
) -> LineMaximum:
    """The maximum of `value` on (`low`, `high`), given `best` in [`low`, `high`] with
    `best_value` ≥ the value at either end that was evaluated (an end never evaluated, such as
    0, only bounds the search). Only points strictly inside are evaluated."""
    if not low <= best <= high:
        raise ValueError(f"the best point {best} lies outside [{low}, {high}]")
    # Brent's bookkeeping: x the best point, w the second best, v the previous w (values None
    # past a wall); d the last step and e the one before it. Values compare exactly; only the
    # parabola is in floats.
    x = w = v = best
    fx: int | None = best_value
    fw, fv = fx, fx
    top, top_value = best, best_value
    d = e = 0.0
    evaluated = 0
    while True:
        middle = (low + high) / 2
        tol = max(x >> relative_bits, 1)
        if abs(x - middle) <= 2 * tol - (high - low) / 2 or high - low <= 2:
            return LineMaximum(x=top, value=top_value, evaluated=evaluated)
        golden = True
        if abs(e) > tol and fx is not None and fw is not None and fv is not None:
            # The vertex of the parabola through (v, fv), (w, fw), (x, fx).
            r = float(x - w) * float(fx - fv)
            q = float(x - v) * float(fx - fw)
            p = float(x - v) * q - float(x - w) * r
            q = 2.0 * (q - r)
            if q > 0:
                p = -p
            q = abs(q)
            last_e, e = e, d
            # Taken only inside the bracket and when it moves less than half the step before
            # last, so the steps shrink at least geometrically.
            if abs(p) < abs(0.5 * q * last_e) and q * (low - x) < p < q * (high - x):
                d = p / q
                if (x + d) - low < 2 * tol or high - (x + d) < 2 * tol:
                    d = math.copysign(tol, middle - x)
                golden = False
        if golden:
            e = float((low - x) if x >= middle else (high - x))
            d = _GOLDEN * e
        step = round(d) if abs(d) >= tol else int(math.copysign(tol, d))
        u = min(max(x + step, low + 1), high - 1)
        if u == x:
            u = x + 1 if x + 1 < high else x - 1
        fu = value(u)
        evaluated += 1
        if fu is not None and (fu > top_value or (fu == top_value and u < top)):
            top, top_value = u, fu
        if _at_least(fu, fx):
            if u >= x:
                low = x
            else:
                high = x
            v, w, x = w, x, u
            fv, fw, fx = fw, fx, fu
        else:
            if u < x:
                low = u
            else:
                high = u
            if _at_least(fu, fw) or w == x:
                v, w = w, u
                fv, fw = fw, fu
            elif _at_least(fu, fv) or v in (x, w):
                v, fv = u, fu


def _at_least(a: int | None, b: int | None) -> bool:
    """a ≥ b, None being below everything (past a wall)."""
    if a is None:
        return b is None
    return b is None or a >= b
