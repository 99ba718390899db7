"""Where a mixed V2/V3 route's continuous optimum lies: walk the V3 hops' tick ranges.

Each hop's continuous output is concave and increasing in its input: a V2 hop is one Möbius map,
a piecewise hop one Möbius piece per piece of its curve (a V3 pool: per tick range,
`omniarb.dex.uniswap_v3.segments`). Composing one piece per hop gives one
linear-fractional map F, and the route's continuous profit F(x) − x peaks where F'(x) = 1, in
closed form. `walk_pieces` starts every V3 hop in its current range and repeats: compose the
current pieces, take the optimum x_c, and find the smallest route input x_e at which some V3 hop
leaves its piece. If x_c ≤ x_e every hop stays in its piece at x_c, and since the true profit
is concave and agrees with the pieces there, x_c is the continuous optimum. Otherwise the hop(s)
leaving first move to their next range and the walk repeats: the composed pieces are concave
with slope 1 at x_c > x_e, so their slope at x_e (which the true profit shares, being C¹) is
≥ 1 and the optimum lies beyond x_e. Only the earliest leavers advance, so no hop skips the
range the optimum needs; the walk ends after at most as many steps as the ranges crossed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from omniarb.detect.mixed_hops import MixedHop
from omniarb.detect.sizing import HopReserves, Mobius
from omniarb.dex.curves import CurvePiece, FractionalMap

__all__ = ["PieceWalk", "compose", "marginally_profitable", "walk_pieces"]

# Walk steps before giving up on refining further (a route crossing this many tick ranges).
_MAX_WALK_STEPS = 4096


def _v2_map(hop: HopReserves) -> FractionalMap:
    mobius = Mobius.hop(hop)
    return FractionalMap.mobius(mobius.k, mobius.m, mobius.n)


def compose(maps: Sequence[FractionalMap]) -> FractionalMap:
    """The maps applied in order, as one map."""
    total = FractionalMap.identity()
    for piece in maps:
        total = total.then(piece)
    return total


def marginally_profitable(hops: Sequence[MixedHop]) -> bool:
    """Whether the product of the hops' marginal rates (after fees) at zero input exceeds 1.

    The route's continuous profit is concave, so this is exactly when some input earns a
    positive continuous profit. A V3 hop's rate is γ·price at the start of its first range with
    liquidity (an empty range costs nothing to cross).
    """
    maps = []
    for hop in hops:
        if isinstance(hop, HopReserves):
            maps.append(_v2_map(hop))
        else:
            first = next(hop.pieces(), None)
            if first is None:
                return False
            maps.append(first.map())
    return compose(maps).slope_above_one(0)


@dataclass(frozen=True, slots=True, kw_only=True)
class PieceWalk:
    """Where the route's continuous optimum lies: one piece per hop and the route inputs for
    which every hop stays in its piece.

    `maps` are the pieces (in each hop's own input), `segments` the V3 ranges (None for V2
    hops), `total` their composition, `optimum` the continuous optimum (rounded down) within
    [`x_start`, `x_end`] (`x_end` None: unbounded) and the cap, `steps` the ranges advanced,
    `exhausted` whether a V3 pool ran out of liquidity before the optimum.
    """

    maps: tuple[FractionalMap, ...]
    segments: tuple[CurvePiece | None, ...]
    total: FractionalMap
    optimum: int
    x_start: int
    x_end: int | None
    steps: int
    exhausted: bool


def walk_pieces(hops: Sequence[MixedHop], *, cap: int | None = None) -> PieceWalk | None:
    """Walk the V3 hops' tick ranges to the pieces holding the continuous optimum (see the
    module docstring); None when the route is not marginally profitable."""
    iterators: list[Iterator[CurvePiece] | None] = []
    current: list[CurvePiece | None] = []
    maps: list[FractionalMap] = []
    for hop in hops:
        if isinstance(hop, HopReserves):
            iterators.append(None)
            current.append(None)
            maps.append(_v2_map(hop))
            continue
        walker = hop.pieces()
        first = next(walker, None)
        if first is None:
            return None  # a pool without liquidity in this direction
        iterators.append(walker)
        current.append(first)
        maps.append(first.map())
    if not compose(maps).slope_above_one(0):
        return None
    steps, exhausted = 0, False
    while True:
        prefixes = [FractionalMap.identity()]
        for piece in maps:
            prefixes.append(prefixes[-1].then(piece))
        total = prefixes[-1]
        x_c = total.optimum()
        if x_c is None:  # no hop bends the map (never for V2 or V3 pieces)
            raise ValueError("the composed route map is affine")
        # The route input at which the first V3 hop leaves its range, and which hops do.
        x_exit: int | None = None
        leaving: list[int] = []
        for index, segment in enumerate(current):
            if segment is None:
                continue
            x = prefixes[index].preimage_floor(segment.amount_in_end)
            if x is None:
                continue  # the hops before cannot deliver that much
            if x_exit is None or x < x_exit:
                x_exit, leaving = x, [index]
            elif x == x_exit:
                leaving.append(index)
        optimum = x_c
        if x_exit is None or x_c <= x_exit:
            break
        if cap is not None and cap <= x_exit:
            optimum = cap  # the pieces hold up to the cap, and the optimum lies beyond it
            break
        if steps >= _MAX_WALK_STEPS:
            optimum = x_exit
            break
        following: dict[int, CurvePiece] = {}
        for index in leaving:
            pending = iterators[index]
            segment = next(pending, None) if pending is not None else None
            if segment is None:
                exhausted = True
                break
            following[index] = segment
        if exhausted:
            optimum = x_exit  # a pool can take no more: the route's largest input
            break
        for index, segment in following.items():
            current[index] = segment
            maps[index] = segment.map()
        steps += 1
    x_start = 0
    for index, segment in enumerate(current):
        if segment is not None and segment.amount_in_before > 0:
            x = prefixes[index].preimage_ceil(segment.amount_in_before)
            x_start = max(x_start, x if x is not None else 0)
    optimum = max(optimum, x_start)
    if cap is not None:
        optimum = min(optimum, cap)
    return PieceWalk(
        maps=tuple(maps),
        segments=tuple(current),
        total=total,
        optimum=optimum,
        x_start=x_start,
        x_end=x_exit,
        steps=steps,
        exhausted=exhausted,
    )
