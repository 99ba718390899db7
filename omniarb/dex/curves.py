"""Curves made of pieces: the values and protocols through which the detector sizes a hop whose
pool prices each stretch of input by its own map.

Within one piece a hop pays a linear-fractional (Möbius) amount of its input, x ↦ (a·x + b) /
(c·x + d) (`FractionalMap`; a constant-product pair is one such map for every size). A pool
whose curve has pieces (a V3 pool: one per tick range) hands the detector a `PiecewiseCurve`
for one direction; the sizing composes the current pieces of a route, walks a hop to its next
piece when the continuous optimum leaves the current one, and confirms with the pool's exact
integer swap. The pool's package says what its pieces are; the detector never looks inside.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple, Protocol

__all__ = ["CurvePiece", "FractionalMap", "PiecewiseCurve", "SwapWork"]


@dataclass(frozen=True, slots=True)
class FractionalMap:
    """The map x ↦ (a·x + b) / (c·x + d) in integers, for x where c·x + d > 0.

    A V2 hop is (k, 0, n, m) of its Möbius map k·x/(m + n·x); a V3 piece adds offsets. Every
    map used here is increasing (a·d − b·c > 0) and concave (c > 0) on its domain, and
    composing such maps keeps both: the matrices multiply.
    """

    a: int
    b: int
    c: int
    d: int

    @classmethod
    def identity(cls) -> FractionalMap:
        return cls(1, 0, 0, 1)

    @classmethod
    def mobius(cls, k: int, m: int, n: int) -> FractionalMap:
        """k·x / (m + n·x)."""
        return cls(k, 0, n, m)

    def then(self, after: FractionalMap) -> FractionalMap:
        """`after ∘ self` (apply self first)."""
        a, b, c, d = self.a, self.b, self.c, self.d
        return FractionalMap(
            after.a * a + after.b * c,
            after.a * b + after.b * d,
            after.c * a + after.d * c,
            after.c * b + after.d * d,
        )

    @property
    def determinant(self) -> int:
        return self.a * self.d - self.b * self.c

    def value_floor(self, x: int) -> int:
        return (self.a * x + self.b) // (self.c * x + self.d)

    def preimage_floor(self, y: int) -> int | None:
        """floor of the x mapped to y; None when y is at or beyond the map's asymptote a/c."""
        denominator = self.a - self.c * y
        if denominator <= 0:
            return None
        return (self.d * y - self.b) // denominator

    def preimage_ceil(self, y: int) -> int | None:
        """ceil of the x mapped to y; None when y is at or beyond the map's asymptote a/c."""
        denominator = self.a - self.c * y
        if denominator <= 0:
            return None
        return -((self.b - self.d * y) // denominator)

    def slope_above_one(self, x: int) -> bool:
        """Whether the map's slope det/(c·x + d)² exceeds 1 at x: the profit still rises."""
        denominator = self.c * x + self.d
        return self.determinant > denominator * denominator

    def optimum(self) -> int | None:
        """floor of the x where the slope is 1 (the gain value(x) − x peaks); None if c ≤ 0."""
        if self.c <= 0:
            return None
        return (math.isqrt(self.determinant) - self.d) // self.c

    def max_gain_ceil(self) -> int:
        """An integer ≥ the largest value(x) − x: (a + d − 2·√det) / c, rounded up."""
        if self.c <= 0:
            raise ValueError("an affine map has no finite maximum gain")
        return -(-(self.a + self.d - 2 * math.isqrt(self.determinant)) // self.c)


class CurvePiece(Protocol):
    """One piece of a hop's curve: valid for total hop inputs in [`amount_in_before`,
    `amount_in_end`], where the hop pays `map()` of its total input."""

    @property
    def amount_in_before(self) -> int: ...
    @property
    def amount_in_end(self) -> int: ...
    def map(self) -> FractionalMap: ...


class SwapWork(NamedTuple):
    """An exact swap through a piecewise hop: what it took and paid, and the pieces' work
    the gas model charges (initialized ticks crossed, other extra steps of the pool's loop)."""

    amount_in: int
    amount_out: int
    crossings: int
    steps: int


class PiecewiseCurve(Protocol):
    """A pool traded in one direction whose curve has pieces (a state's `piecewise`).

    What the sizing relies on: each piece's map is increasing and concave on its domain and
    never below what the pool pays there in integers (the pool rounds in its own favour; a
    curve that is not Möbius within a piece bounds it from above with one), consecutive pieces
    meet, and the exact swaps are the contract's to the wei: the sizing confirms every size it
    picks with them."""

    def pieces(self) -> Iterator[CurvePiece]:
        """The pieces in swap order, lazily, from the current price; none past the last one
        the pool can fill."""
        ...

    def spot_rate(self) -> float:
        """The marginal output per unit of input after the fee, at the current price."""
        ...

    def exact_out(self, amount_in: int) -> int | None:
        """What the pool pays for all of `amount_in` (maybe 0); None when it would take less
        (it runs out of liquidity) or revert. The sizing's hot path: no work counted."""
        ...

    def swap_exact_in(self, amount_in: int) -> SwapWork | None:
        """The pool's exact swap of `amount_in` (it may take less when it runs out of
        liquidity); None when the pool would revert."""
        ...

    def swap_exact_out(self, amount_out: int) -> SwapWork | None:
        """The pool's exact-output quote for `amount_out` (it may pay less when it runs out of
        liquidity); None when the pool would revert."""
        ...
