"""A hop through a pool that offers the sizing no closed form: only its exact swap, and the
screen's constant-product bound.

A pool whose state has neither one constant-product curve nor Möbius pieces (`constant_product`
and `piecewise` both None: a Balancer weighted or stable pool, whose power and StableSwap curves
are neither) is sized on its exact `amount_out` alone (`bracket_sizing`). Where its contract
would revert (a weighted pool beyond 30% of its balance in, a stable pool asked for more than
it holds) the hop fails like a V3 pool that runs dry: that input lies past a wall of the
route's domain, it is not an error. What bounds the hop from above is the constant-product
pool its state gives the screen (`screen_reserves`), which never pays less than the pool.
"""

from __future__ import annotations

from dataclasses import dataclass

from omniarb.detect.sizing import HopReserves
from omniarb.dex.base import PoolState
from omniarb.errors import RevertError

__all__ = ["ExactHop", "screen_bound"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ExactHop:
    """`state` sold `token_in` at, priced only by its exact swap."""

    state: PoolState
    token_in: str

    @classmethod
    def of(cls, state: PoolState, zero_for_one: bool) -> ExactHop:
        return cls(state=state, token_in=state.token0 if zero_for_one else state.token1)

    def exact_out(self, amount_in: int) -> int | None:
        """What the pool pays for `amount_in` (maybe 0); None where its contract reverts."""
        try:
            return self.state.amount_out(self.token_in, amount_in)
        except RevertError:
            return None


def screen_bound(
    screen_reserves: tuple[int, int], fee_pips: int, zero_for_one: bool
) -> HopReserves:
    """The constant-product hop that pays at least what a pool pays in that direction at any
    size: its state's `screen_reserves` (token0, token1), with its fee rounded down to basis
    points as the screen takes it (a bound may only be optimistic)."""
    reserve0, reserve1 = screen_reserves
    reserve_in, reserve_out = (reserve0, reserve1) if zero_for_one else (reserve1, reserve0)
    return HopReserves(reserve_in=reserve_in, reserve_out=reserve_out, fee_bps=fee_pips // 100)
