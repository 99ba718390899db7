"""A leg's executable price curve: output for input along a `LegPath`, cheap to evaluate.

Two forms, chosen by the path:
* **closed form** — every pool of the path is one constant-product curve (a V2 pair): the
  path is the Möbius map x ↦ A·x / (B + C·x) (hops compose by multiplying their maps), so the
  sizing evaluates it and its inverse in a few float operations. Exact integers come from
  the path (`LegPath.amount_out`, the pair's own `getAmountOut` per hop, no rounding lost).
* **sampled** — any other path (a V3 pool's tick ranges): `SAMPLES` exact outputs at sizes
  spaced geometrically up to `cap_in`, joined by straight lines. The curve is monotone, so at
  any x between samples x_k ≤ x < x_k+1 the line is bounded by the exact outputs at x_k and
  x_k+1; an AMM's output is concave in its input, so the chord lies at or below the exact
  curve (to integer rounding). Past `cap_in` the curve stays flat (never over-promises).
  The samples are taken when the curve is first evaluated, not when the pools change: a
  block that moves a pool costs only the dirty mark until a gap makes a pair worth sizing.
"""

from __future__ import annotations

import math
from bisect import bisect_right

from omniarb.detect.cross_chain.path import LegPath

__all__ = ["SAMPLES", "LegCurve"]

SAMPLES = 32
# The smallest sampled size, as a share of `cap_in`.
_FIRST_SAMPLE = 1e-5


class LegCurve:
    """Output for input along `path`, up to `cap_in` (base units of the path's input)."""

    __slots__ = ("_exact", "_mobius", "_xs", "_ys", "cap_in", "path")

    def __init__(self, path: LegPath, cap_in: int) -> None:
        self.path = path
        self.cap_in = max(cap_in, 1)
        self._mobius = _mobius_of(path)
        self._xs: list[float] = []
        self._ys: list[float] = []
        self._exact: tuple[tuple[int, int], ...] = ()

    @property
    def closed_form(self) -> bool:
        return self._mobius is not None

    def points(self) -> tuple[tuple[int, int], ...]:
        """The exact sample points (amount in, amount out), taken now if not yet."""
        self._sample()
        return self._exact

    def out(self, amount_in: float) -> float:
        """Output for `amount_in` (floats in base units)."""
        if amount_in <= 0:
            return 0.0
        if self._mobius is not None:
            a, b, c = self._mobius
            return a * amount_in / (b + c * amount_in)
        self._sample()
        xs, ys = self._xs, self._ys
        index = bisect_right(xs, amount_in)
        if index >= len(xs):
            return ys[-1]
        x0, y0, x1, y1 = xs[index - 1], ys[index - 1], xs[index], ys[index]
        return y0 + (y1 - y0) * (amount_in - x0) / (x1 - x0)

    def input_for(self, amount_out: float) -> float:
        """The input that yields `amount_out` (inf where the curve never pays that much)."""
        if amount_out <= 0:
            return 0.0
        if self._mobius is not None:
            a, b, c = self._mobius
            room = a - c * amount_out
            return b * amount_out / room if room > 0 else math.inf
        self._sample()
        xs, ys = self._xs, self._ys
        index = bisect_right(ys, amount_out)
        if index >= len(ys):
            return math.inf if amount_out > ys[-1] else xs[-1]
        x0, y0, x1, y1 = xs[index - 1], ys[index - 1], xs[index], ys[index]
        if y1 == y0:
            return x1
        return x0 + (x1 - x0) * (amount_out - y0) / (y1 - y0)

    def _sample(self) -> None:
        if self._xs:
            return
        exact = [(0, 0)]
        ratio = (1.0 / _FIRST_SAMPLE) ** (1.0 / (SAMPLES - 1))
        size = self.cap_in * _FIRST_SAMPLE
        last = -1
        for _ in range(SAMPLES):
            amount = max(int(size), 1)
            size *= ratio
            if amount <= last:
                continue
            last = amount
            paid = self.path.amount_out(amount)
            # A pool that cannot take more pays nothing: the curve ends where it did.
            if paid == 0:
                break
            exact.append((amount, paid))
        self._exact = tuple(exact)
        self._xs = [float(x) for x, _ in exact]
        # Exact outputs never fall with size; the running max only guards float ties.
        ys: list[float] = []
        for _, paid in exact:
            ys.append(max(float(paid), ys[-1] if ys else 0.0))
        self._ys = ys


def _mobius_of(path: LegPath) -> tuple[float, float, float] | None:
    """(A, B, C) of the path's map x ↦ A·x / (B + C·x), None unless every pool is one
    constant-product curve. A hop of reserves (r_in, r_out) and fee f bps is
    A = g·r_out, B = r_in, C = g with g = (10000 − f) / 10000 (`getAmountOut`)."""
    composed: tuple[float, float, float] | None = None
    for state, hop in zip(path.states, path.hops, strict=True):
        curve = state.constant_product(hop.zero_for_one)
        if curve is None:
            return None
        reserve_in, reserve_out, fee_bps = curve
        if reserve_in <= 0 or reserve_out <= 0:
            return None
        keep = (10_000 - fee_bps) / 10_000
        a2, b2, c2 = keep * reserve_out, float(reserve_in), keep
        if composed is None:
            composed = (a2, b2, c2)
        else:
            a1, b1, c1 = composed
            composed = (a1 * a2, b1 * b2, b2 * c1 + c2 * a1)
    return composed
