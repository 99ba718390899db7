"""How deep a route's shallowest pool is, in its start token: an input of the profit predictor
(a thin pool is one a rival's swap moves and a small mistake drains), read from the states the
route was priced on, no node round trip.

    depth = route_depth([state.screen_reserves() ...], zero_for_one)   # start-token base units

Each hop's depth is its pool's reserve of the token it takes in (the screen's constant-product
stand-in, `PoolState.screen_reserves`: a V3 pool's current price with its deepest range's
liquidity), valued in the start token at the mid prices of the hops before it (reserve ratios,
as `pricing` values an amount: this values the pool, it does not trade it).
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["route_depth"]


def route_depth(reserves: Sequence[tuple[int, int]], zero_for_one: Sequence[bool]) -> int:
    """The smallest hop depth of a route, in base units of its start token (rounded down).

    `reserves` are each hop's pool reserves (token0, token1) in route order, `zero_for_one`
    each hop's direction. 0 for an empty route or one through a pool with an empty side (its
    depth is unknown, and a feature reads 0 as that)."""
    # Start-token units per base unit of the token the current hop takes in, as a fraction.
    numerator, denominator = 1, 1
    smallest: int | None = None
    for (reserve0, reserve1), forward in zip(reserves, zero_for_one, strict=True):
        reserve_in, reserve_out = (reserve0, reserve1) if forward else (reserve1, reserve0)
        if reserve_in <= 0 or reserve_out <= 0:
            return 0
        depth = reserve_in * numerator // denominator
        smallest = depth if smallest is None else min(smallest, depth)
        # One unit of the hop's output is worth reserve_in / reserve_out of its input at mid.
        numerator *= reserve_in
        denominator *= reserve_out
    return smallest or 0
