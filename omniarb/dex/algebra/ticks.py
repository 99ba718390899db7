"""The initialized ticks of an Algebra Integral pool as an immutable, sorted table.

Integral keeps its initialized ticks as a doubly linked list (`TickManagement.Tick.prevTick` /
`nextTick`, searched through the two-layer bitmap tree of `TickTree`), always bounded by
`MIN_TICK` and `MAX_TICK` (`TickManagement.initTickState`), which no swap can cross (their
prices are the bounds every price limit must stay strictly inside). A swap walks the list from
the pool's `prevTickGlobal` (the greatest initialized tick at or below the current tick) or
`nextTickGlobal` (the least one above it), so in a sorted table the next tick in either
direction is a bisection away, as in `omniarb.dex.uniswap_v3.tick_table`. Each tick holds
`liquidityTotal` (all position liquidity that references it; the tick is in the list while it
is > 0) and `liquidityDelta` (added when the price crosses the tick upward).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from omniarb.dex.algebra.errors import AlgebraRevertError
from omniarb.dex.uniswap_v3.tick_math import MAX_TICK, MIN_TICK, get_sqrt_ratio_at_tick

__all__ = ["MAX_LIQUIDITY_PER_TICK", "AlgebraTicks"]

# Constants.MAX_LIQUIDITY_PER_TICK: max(uint128) / (MAX_TICK - MIN_TICK).
MAX_LIQUIDITY_PER_TICK = 191757638537527648490752896198553
_MAX_UINT128 = (1 << 128) - 1


@dataclass(frozen=True, slots=True)
class AlgebraTicks(Mapping[int, int]):
    """Initialized ticks in ascending order, read as a mapping `tick -> liquidity_delta`.

    Build one with `AlgebraTicks.from_ticks({tick: (liquidity_total, liquidity_delta)})`;
    change it by replacement with `with_position_change`. The `MIN_TICK`/`MAX_TICK` bounds of
    the pool's list are not entries unless a position ends there. `sqrt_prices` holds
    `getSqrtRatioAtTick` of each tick, computed once: every swap that reaches a tick needs it.
    """

    ticks: tuple[int, ...] = ()
    liquidity_delta: tuple[int, ...] = ()
    liquidity_total: tuple[int, ...] = ()
    sqrt_prices: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not len(self.ticks) == len(self.liquidity_delta) == len(self.liquidity_total):
            raise ValueError("ticks, liquidity_delta and liquidity_total differ in length")
        if any(a >= b for a, b in zip(self.ticks, self.ticks[1:], strict=False)):
            raise ValueError("ticks must be strictly ascending")
        object.__setattr__(
            self, "sqrt_prices", tuple(get_sqrt_ratio_at_tick(tick) for tick in self.ticks)
        )

    @classmethod
    def from_ticks(cls, ticks: Mapping[int, tuple[int, int]]) -> AlgebraTicks:
        """A table from `{tick: (liquidity_total, liquidity_delta)}` in any order."""
        ordered = sorted(ticks.items())
        return cls(
            ticks=tuple(tick for tick, _ in ordered),
            liquidity_total=tuple(total for _, (total, _delta) in ordered),
            liquidity_delta=tuple(delta for _, (_total, delta) in ordered),
        )

    def __getitem__(self, tick: int) -> int:
        index = bisect_left(self.ticks, tick)
        if index == len(self.ticks) or self.ticks[index] != tick:
            raise KeyError(tick)
        return self.liquidity_delta[index]

    def __iter__(self) -> Iterator[int]:
        return iter(self.ticks)

    def __len__(self) -> int:
        return len(self.ticks)

    def items_total_delta(self) -> Iterable[tuple[int, int, int]]:
        """`(tick, liquidity_total, liquidity_delta)` in ascending tick order."""
        return zip(self.ticks, self.liquidity_total, self.liquidity_delta, strict=True)

    def with_position_change(
        self, bottom_tick: int, top_tick: int, liquidity_delta: int
    ) -> AlgebraTicks:
        """The table after a position in `[bottom_tick, top_tick)` changed by `liquidity_delta`.

        Mirrors `TickManagement.update` at both ends (`Positions._updatePositionTicksAndFees`;
        a `Mint` adds, a `Burn` subtracts): the total changes at both ends, the delta by
        `+liquidity_delta` at the bottom and `-liquidity_delta` at the top, and a tick whose
        total reaches 0 leaves the list (`TickManagement.removeTick`). No tick-spacing check:
        `burn` has none (a pool's spacing may change under its positions), and `mint`'s is
        done by the pool before it logs.
        """
        if top_tick > MAX_TICK:
            raise AlgebraRevertError("topTickAboveMAX")
        if top_tick <= bottom_tick:
            raise AlgebraRevertError("topTickLowerOrEqBottomTick")
        if bottom_tick < MIN_TICK:
            raise AlgebraRevertError("bottomTickLowerThanMIN")
        if liquidity_delta == 0:
            return self
        entries = {t: (total, delta) for t, total, delta in self.items_total_delta()}
        for tick, sign in ((bottom_tick, 1), (top_tick, -1)):
            total, delta = entries.get(tick, (0, 0))
            total += liquidity_delta
            if total < 0:
                raise AlgebraRevertError("liquiditySub")
            if total > _MAX_UINT128:
                raise AlgebraRevertError("liquidityAdd")
            if total > MAX_LIQUIDITY_PER_TICK:
                raise AlgebraRevertError("liquidityOverflow")
            if total == 0:
                entries.pop(tick, None)
            else:
                entries[tick] = (total, delta + sign * liquidity_delta)
        return AlgebraTicks.from_ticks(entries)
