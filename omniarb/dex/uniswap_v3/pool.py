"""A Uniswap V3 pool's state at one block, as an immutable value that simulates swaps exactly."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar, NamedTuple

from omniarb.dex.base import PoolIdentity, PoolState
from omniarb.dex.uniswap_v3 import price_views
from omniarb.dex.uniswap_v3.curve import V3Curve
from omniarb.dex.uniswap_v3.errors import V3RevertError
from omniarb.dex.uniswap_v3.liquidity_math import add_delta
from omniarb.dex.uniswap_v3.swap import SwapOutcome, simulate_swap
from omniarb.dex.uniswap_v3.tick_math import MAX_SQRT_RATIO, MIN_SQRT_RATIO
from omniarb.dex.uniswap_v3.tick_table import TickTable

__all__ = ["KIND", "V3PoolState", "V3SwapResult"]

KIND = "uniswap-v3"


class V3SwapResult(NamedTuple):
    """What `UniswapV3Pool.swap` returns and leaves behind.

    `amount0`/`amount1` are signed like the pool's: positive is paid into the pool, negative
    is paid out. `sqrt_price_x96`, `tick` and `liquidity` are the pool's state after the swap;
    `initialized_ticks_crossed` counts the initialized ticks whose liquidity the swap crossed;
    `steps` the iterations of the pool's swap loop (one per initialized tick or bitmap-word edge
    reached, plus the last), each of which costs gas.
    An immutable named tuple rather than a frozen dataclass: one is built per simulated swap,
    and a tuple builds about ten times faster.
    """

    zero_for_one: bool
    amount0: int
    amount1: int
    sqrt_price_x96: int
    tick: int
    liquidity: int
    initialized_ticks_crossed: int
    steps: int

    @property
    def amount_in(self) -> int:
        """The input the pool takes (fee included)."""
        return self.amount0 if self.zero_for_one else self.amount1

    @property
    def amount_out(self) -> int:
        """The output the pool pays."""
        return -(self.amount1 if self.zero_for_one else self.amount0)


@dataclass(frozen=True, slots=True, kw_only=True)
class V3PoolState(PoolIdentity):
    """A V3 pool as of `block_number` (after that block's transactions): `slot0`, the active
    liquidity and every initialized tick, which is all a swap reads.

    Replaced, never mutated: a `Swap` log gives `replace(state, sqrt_price_x96=…, tick=…,
    liquidity=…, block_number=n)`, a `Mint`/`Burn` gives `with_position_change(…)`.
    `fee_pips` is in hundredths of a basis point (3000 = 0.3%).
    """

    kind: ClassVar[str] = KIND
    fee_pips: int
    tick_spacing: int
    sqrt_price_x96: int
    tick: int
    liquidity: int
    ticks: TickTable
    block_number: int
    unlocked: bool = True

    def swap(
        self,
        *,
        zero_for_one: bool,
        amount_specified: int,
        sqrt_price_limit_x96: int | None = None,
    ) -> V3SwapResult:
        """`UniswapV3Pool.swap(recipient, zeroForOne, amountSpecified, sqrtPriceLimitX96)`.

        `amount_specified > 0` is an exact input, `< 0` an exact output. Without a limit the
        swap may run to `MIN_SQRT_RATIO + 1` / `MAX_SQRT_RATIO - 1`, as QuoterV2 and SwapRouter
        ask when given 0. Reverts (`V3RevertError`) `LOK`, `AS` and `SPL` like the pool.
        """
        amount0, amount1, sqrt_price_x96, tick, liquidity, crossed, steps = self._simulate(
            zero_for_one, amount_specified, sqrt_price_limit_x96
        )
        return V3SwapResult(
            zero_for_one, amount0, amount1, sqrt_price_x96, tick, liquidity, crossed, steps
        )

    def _simulate(
        self, zero_for_one: bool, amount_specified: int, sqrt_price_limit_x96: int | None
    ) -> SwapOutcome:
        if not self.unlocked:
            raise V3RevertError("LOK")
        if sqrt_price_limit_x96 is None:
            sqrt_price_limit_x96 = MIN_SQRT_RATIO + 1 if zero_for_one else MAX_SQRT_RATIO - 1
        ticks = self.ticks
        # Positional arguments: this call is on the hot path of every simulated trade.
        return simulate_swap(
            self.sqrt_price_x96,
            self.tick,
            self.liquidity,
            self.fee_pips,
            self.tick_spacing,
            ticks.ticks,
            ticks.liquidity_net,
            ticks.sqrt_prices,
            ticks.edge_sqrt_prices,
            zero_for_one,
            amount_specified,
            sqrt_price_limit_x96,
        )

    def swap_exact_input(
        self, *, zero_for_one: bool, amount_in: int, sqrt_price_limit_x96: int | None = None
    ) -> V3SwapResult:
        """An exact-input swap of `amount_in` (> 0); it stops early at the price limit."""
        return self.swap(
            zero_for_one=zero_for_one,
            amount_specified=amount_in,
            sqrt_price_limit_x96=sqrt_price_limit_x96,
        )

    def swap_exact_output(
        self, *, zero_for_one: bool, amount_out: int, sqrt_price_limit_x96: int | None = None
    ) -> V3SwapResult:
        """An exact-output swap of `amount_out` (> 0); it stops early at the price limit."""
        return self.swap(
            zero_for_one=zero_for_one,
            amount_specified=-amount_out,
            sqrt_price_limit_x96=sqrt_price_limit_x96,
        )

    def zero_for_one(self, token_in: str) -> bool:
        """Whether selling `token_in` is a token0 -> token1 swap (addresses in any case)."""
        return price_views.side(token_in, self.token0, self.token1, self.address)

    def constant_product(self, zero_for_one: bool) -> None:
        return None  # one constant-product curve per tick range: the detector walks them

    def piecewise(self, zero_for_one: bool) -> V3Curve:
        return V3Curve(state=self, zero_for_one=zero_for_one)

    def screen_reserves(self) -> tuple[int, int]:
        """Virtual reserves at the pool's price with its deepest range's liquidity
        (`price_views.virtual_reserves`: never less profitable than the pool at any size)."""
        return price_views.virtual_reserves(
            self.liquidity, self.ticks.liquidity_net, self.sqrt_price_x96
        )

    def spot_price(self) -> float | None:
        """(sqrtPriceX96 / 2**96)**2, the price `slot0` encodes (None before `initialize`)."""
        return price_views.spot_price(self.sqrt_price_x96)

    def swap_report(self, token_in: str, amount_in: int) -> dict[str, int]:
        result = self.swap_exact_input(
            zero_for_one=self.zero_for_one(token_in), amount_in=amount_in
        )
        return price_views.swap_fields(result)

    def amount_out(self, token_in: str, amount_in: int) -> int:
        """Output of selling `amount_in` of `token_in`, as `QuoterV2.quoteExactInputSingle` with
        no price limit answers: if the pool runs out of liquidity, what it paid for the part it
        could take."""
        zero_for_one = self.zero_for_one(token_in)
        amount0, amount1, *_ = self._simulate(zero_for_one, amount_in, None)
        return -amount1 if zero_for_one else -amount0

    def amount_in(self, token_out: str, amount_out: int) -> int:
        """Input needed to buy exactly `amount_out` of `token_out`, as
        `QuoterV2.quoteExactOutputSingle` with no price limit; reverts when the pool cannot pay
        that much (the quoter's own check)."""
        zero_for_one = not self.zero_for_one(token_out)
        result = self.swap_exact_output(zero_for_one=zero_for_one, amount_out=amount_out)
        if result.amount_out != amount_out:
            raise V3RevertError(
                f"QuoterV2: the pool can pay only {result.amount_out} of {amount_out} requested"
            )
        return result.amount_in

    def after_swap(self, result: V3SwapResult, *, block_number: int) -> V3PoolState:
        """The state the pool is left in by `result` (a swap simulated on this state)."""
        return replace(
            self,
            sqrt_price_x96=result.sqrt_price_x96,
            tick=result.tick,
            liquidity=result.liquidity,
            block_number=block_number,
        )

    def after_exact_input(self, token_in: str, amount_in: int) -> tuple[int, V3PoolState]:
        """(output, state after) of selling `amount_in` of `token_in` with no price limit, as
        SwapRouter (`exactInputInternal`) swaps a hop: past the last liquidity the pool takes
        only what it can use."""
        result = self.swap_exact_input(
            zero_for_one=self.zero_for_one(token_in), amount_in=amount_in
        )
        return result.amount_out, self.after_swap(result, block_number=self.block_number)

    def after_exact_output(self, token_out: str, amount_out: int) -> tuple[int, V3PoolState]:
        """(input, state after) of buying exactly `amount_out` of `token_out` with no price
        limit; raises where SwapRouter (`exactOutputInternal`) reverts because the pool cannot
        pay it all."""
        result = self.swap_exact_output(
            zero_for_one=not self.zero_for_one(token_out), amount_out=amount_out
        )
        if result.amount_out != amount_out:
            raise V3RevertError("SwapRouter: the pool cannot pay the exact output")
        return result.amount_in, self.after_swap(result, block_number=self.block_number)

    def with_pool_of(self, view: PoolState) -> PoolState:
        """A pool with one view: `view` if it is this pool's, else this state."""
        return view if view.state_key == self.state_key else self

    def with_position_change(
        self, *, tick_lower: int, tick_upper: int, liquidity_delta: int, block_number: int
    ) -> V3PoolState:
        """The state after a `Mint` (`liquidity_delta > 0`) or `Burn` (`< 0`) of a position.

        Mirrors `UniswapV3Pool._modifyPosition`: the ends' ticks change (`Tick.update`), and
        the active liquidity changes when the current tick is inside `[tick_lower, tick_upper)`.
        """
        liquidity = self.liquidity
        if tick_lower <= self.tick < tick_upper:
            liquidity = add_delta(liquidity, liquidity_delta)
        return replace(
            self,
            ticks=self.ticks.with_position_change(
                tick_lower, tick_upper, liquidity_delta, self.tick_spacing
            ),
            liquidity=liquidity,
            block_number=block_number,
        )
