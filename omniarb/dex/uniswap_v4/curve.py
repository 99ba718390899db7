"""A Uniswap V4 pool traded in one direction, as the detector sizes it (`PiecewiseCurve`).

Between initialized ticks a hookless V4 pool is a constant-product curve exactly as a V3 pool
is, with the fee taken from the input before each step (`SwapMath.computeSwapStep`), so its
pieces are V3's (`omniarb.dex.uniswap_v3.segments`) for a V3 pool with the same price, ticks
and liquidity whose fee is the V4 pool's swap fee in that direction (LP and protocol fee
combined). The exact swaps are the V4 pool's own (`V4PoolState.swap`). As for V3, the swaps
stop at the last initialized tick's price: past it there is no liquidity, and an unlimited
swap would walk every bitmap word to the end of the price range first.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from omniarb.dex.curves import CurvePiece, SwapWork
from omniarb.dex.uniswap_v3.pool import V3PoolState
from omniarb.dex.uniswap_v3.segments import segments
from omniarb.dex.uniswap_v3.tick_math import MAX_SQRT_RATIO, MIN_SQRT_RATIO
from omniarb.dex.uniswap_v4.errors import V4RevertError
from omniarb.dex.uniswap_v4.fees import MAX_SWAP_FEE

if TYPE_CHECKING:
    from omniarb.dex.uniswap_v4.pool import V4PoolState

__all__ = ["V4Curve"]

_Q192 = 1 << 192


@dataclass(frozen=True, slots=True, kw_only=True)
class V4Curve:
    """`state` traded in direction `zero_for_one`; `fee_pips` is that direction's swap fee and
    `sqrt_price_limit_x96` the price of the last initialized tick that way (None: none)."""

    state: V4PoolState
    zero_for_one: bool
    fee_pips: int = field(init=False)
    sqrt_price_limit_x96: int | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fee_pips", self.state.swap_fee_pips(self.zero_for_one))
        prices = self.state.ticks.sqrt_prices
        if prices:
            edge = prices[0] if self.zero_for_one else prices[-1]
            if MIN_SQRT_RATIO < edge < MAX_SQRT_RATIO:
                object.__setattr__(self, "sqrt_price_limit_x96", edge)

    def pieces(self) -> Iterator[CurvePiece]:
        if self.fee_pips >= MAX_SWAP_FEE:
            return iter(())  # a 100% fee pays nothing for any input
        state = self.state
        as_v3 = V3PoolState(
            chain_id=state.chain_id,
            address=state.address,
            dex=state.dex,
            factory=state.factory,
            token0=state.token0,
            token1=state.token1,
            fee_pips=self.fee_pips,
            tick_spacing=state.key.tick_spacing,
            sqrt_price_x96=state.sqrt_price_x96,
            tick=state.tick,
            liquidity=state.liquidity,
            ticks=state.ticks,
            block_number=state.block_number,
        )
        return segments(as_v3, self.zero_for_one)

    def spot_rate(self) -> float:
        square = self.state.sqrt_price_x96**2
        price = square / _Q192 if self.zero_for_one else _Q192 / square
        return price * (MAX_SWAP_FEE - self.fee_pips) / MAX_SWAP_FEE

    def exact_out(self, amount_in: int) -> int | None:
        try:
            result = self.state.swap(
                zero_for_one=self.zero_for_one,
                amount_specified=-amount_in,
                sqrt_price_limit_x96=self.sqrt_price_limit_x96,
            )
        except V4RevertError:
            return None
        return result.amount_out if result.amount_in == amount_in else None

    def swap_exact_in(self, amount_in: int) -> SwapWork | None:
        return self._swap(-amount_in)

    def swap_exact_out(self, amount_out: int) -> SwapWork | None:
        return self._swap(amount_out)

    def _swap(self, amount_specified: int) -> SwapWork | None:
        try:
            result = self.state.swap(
                zero_for_one=self.zero_for_one,
                amount_specified=amount_specified,
                sqrt_price_limit_x96=self.sqrt_price_limit_x96,
            )
        except V4RevertError:
            return None  # e.g. the price already sits at the end of the liquidity
        crossed = result.initialized_ticks_crossed
        return SwapWork(
            amount_in=result.amount_in,
            amount_out=result.amount_out,
            crossings=crossed,
            steps=max(0, result.steps - 1 - crossed),
        )
