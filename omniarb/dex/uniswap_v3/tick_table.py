"""The initialized ticks of a V3 pool as an immutable, sorted table.

The pool keeps, per initialized tick, `liquidityGross` (all liquidity referencing the tick; the
tick is initialized while it is > 0) and `liquidityNet` (liquidity added when the price crosses
the tick upward). A simulation needs the net values in tick order and a fast "next initialized
tick" search: parallel sorted tuples and `bisect` give both without walking bitmap words.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from omniarb.dex.uniswap_v3.errors import V3RevertError
from omniarb.dex.uniswap_v3.liquidity_math import add_delta
from omniarb.dex.uniswap_v3.tick_math import MAX_TICK, MIN_TICK, get_sqrt_ratio_at_tick

__all__ = ["TickTable"]


@dataclass(frozen=True, slots=True)
class TickTable(Mapping[int, int]):
    """Initialized ticks in ascending order, read as a mapping `tick -> liquidity_net`.

    `ticks`, `liquidity_net` and `liquidity_gross` are parallel tuples. Build one with
    `TickTable.from_ticks({tick: (liquidity_gross, liquidity_net)})`; change one by replacement
    with `with_position_change`. `sqrt_prices` holds `getSqrtRatioAtTick` of each tick, computed
    once here because every swap that reaches a tick needs it; `edge_sqrt_prices` memoizes the
    same for the bitmap-word edges that swaps stop at (a cache filled by `simulate_swap`, not
    part of the value: it is left out of equality, hashing and repr).
    """

    ticks: tuple[int, ...] = ()
    liquidity_net: tuple[int, ...] = ()
    liquidity_gross: tuple[int, ...] = ()
    sqrt_prices: tuple[int, ...] = field(init=False, repr=False, compare=False)
    edge_sqrt_prices: dict[int, int] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        if not len(self.ticks) == len(self.liquidity_net) == len(self.liquidity_gross):
            raise ValueError("ticks, liquidity_net and liquidity_gross differ in length")
        if any(a >= b for a, b in zip(self.ticks, self.ticks[1:], strict=False)):
            raise ValueError("ticks must be strictly ascending")
        object.__setattr__(
            self, "sqrt_prices", tuple(get_sqrt_ratio_at_tick(tick) for tick in self.ticks)
        )

    @classmethod
    def from_ticks(cls, ticks: Mapping[int, tuple[int, int]]) -> TickTable:
        """A table from `{tick: (liquidity_gross, liquidity_net)}` in any order."""
        ordered = sorted(ticks.items())
        return cls(
            ticks=tuple(tick for tick, _ in ordered),
            liquidity_gross=tuple(gross for _, (gross, _net) in ordered),
            liquidity_net=tuple(net for _, (_gross, net) in ordered),
        )

    def __getitem__(self, tick: int) -> int:
        index = bisect_left(self.ticks, tick)
        if index == len(self.ticks) or self.ticks[index] != tick:
            raise KeyError(tick)
        return self.liquidity_net[index]

    def __iter__(self) -> Iterator[int]:
        return iter(self.ticks)

    def __len__(self) -> int:
        return len(self.ticks)

    def gross(self, tick: int) -> int:
        """`liquidityGross` of `tick` (0 when it is not initialized)."""
        index = bisect_left(self.ticks, tick)
        if index == len(self.ticks) or self.ticks[index] != tick:
            return 0
        return self.liquidity_gross[index]

    def items_gross_net(self) -> Iterable[tuple[int, int, int]]:
        """`(tick, liquidity_gross, liquidity_net)` in ascending tick order."""
        return zip(self.ticks, self.liquidity_gross, self.liquidity_net, strict=True)

    def with_position_change(
        self, tick_lower: int, tick_upper: int, liquidity_delta: int, tick_spacing: int
    ) -> TickTable:
        """The table after a position in `[tick_lower, tick_upper)` changed by `liquidity_delta`.

        Mirrors `Tick.update` for both ends of `UniswapV3Pool._updatePosition` (a `Mint` adds,
        a `Burn` subtracts): gross changes at both ends, net by `+delta` at the lower and
        `-delta` at the upper tick; a tick whose gross reaches 0 is no longer initialized.
        """
        if not (tick_lower < tick_upper and tick_lower >= MIN_TICK and tick_upper <= MAX_TICK):
            raise V3RevertError("TLU/TLM/TUM: bad tick range")
        if tick_lower % tick_spacing or tick_upper % tick_spacing:
            raise V3RevertError("TickBitmap.flipTick: tick is not a multiple of the spacing")
        if liquidity_delta == 0:
            return self
        entries = {t: (g, n) for t, g, n in self.items_gross_net()}
        for tick, net_sign in ((tick_lower, 1), (tick_upper, -1)):
            gross, net = entries.get(tick, (0, 0))
            gross = add_delta(gross, liquidity_delta)
            if gross == 0:
                entries.pop(tick, None)
            else:
                entries[tick] = (gross, net + net_sign * liquidity_delta)
        return TickTable.from_ticks(entries)
