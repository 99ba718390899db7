"""An Algebra Integral pool's state at one block, as an immutable value that simulates swaps
exactly (`AlgebraPool.swap`, `@cryptoalgebra/integral-core` 1.2.10)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar, NamedTuple

from omniarb.dex.algebra.curve import AlgebraCurve
from omniarb.dex.algebra.errors import AlgebraRevertError
from omniarb.dex.algebra.price_movement import FEE_DENOMINATOR
from omniarb.dex.algebra.swap import SwapOutcome, calculate_swap
from omniarb.dex.algebra.ticks import AlgebraTicks
from omniarb.dex.base import PoolIdentity, PoolState
from omniarb.dex.uniswap_v3 import price_views
from omniarb.dex.uniswap_v3.tick_math import MAX_SQRT_RATIO, MIN_SQRT_RATIO

__all__ = ["DYNAMIC_FEE_FLAG", "FLASH_FEE_PIPS", "KIND", "AlgebraPoolState", "AlgebraSwapResult"]

KIND = "algebra-integral"
# Constants.FLASH_FEE: what `AlgebraPool.flash` charges (0.01%, rounded up per token:
# FullMath.mulDivRoundingUp(amount, FLASH_FEE, FEE_DENOMINATOR)), whatever the swap fee.
FLASH_FEE_PIPS = 100
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
# Plugins.sol: the plugin-config bits. With BEFORE_SWAP_FLAG the pool asks its plugin before
# each swap, and with DYNAMIC_FEE the plugin may then override the fee and add its own.
BEFORE_SWAP_FLAG = 1
DYNAMIC_FEE_FLAG = 1 << 7
_UINT24 = 1 << 24


class AlgebraSwapResult(NamedTuple):
    """What `AlgebraPool.swap` returns and leaves behind.

    `amount0`/`amount1` are signed like the pool's: positive is paid into the pool, negative
    out. `sqrt_price_x96`, `tick` and `liquidity` are the pool's state after the swap (what its
    `Swap` log carries); `initialized_ticks_crossed` counts the ticks crossed, `steps` the
    iterations of the swap loop (one per tick crossed, plus the last). `fee_pips` is the fee the
    swap was priced at. A named tuple rather than a frozen dataclass: one is built per simulated
    swap, and a tuple builds about ten times faster.
    """

    zero_for_one: bool
    amount0: int
    amount1: int
    sqrt_price_x96: int
    tick: int
    liquidity: int
    initialized_ticks_crossed: int
    steps: int
    fee_pips: int

    @property
    def amount_in(self) -> int:
        """The input the pool takes (fee included)."""
        return self.amount0 if self.zero_for_one else self.amount1

    @property
    def amount_out(self) -> int:
        """The output the pool pays."""
        return -(self.amount1 if self.zero_for_one else self.amount0)


@dataclass(frozen=True, slots=True, kw_only=True)
class AlgebraPoolState(PoolIdentity):
    """An Algebra Integral pool as of `block_number`: `globalState`, the active liquidity and
    every initialized tick, which is all a swap reads, plus what says whether its plugin may
    change the fee of a swap.

    `fee_pips` is `globalState.lastFee` in hundredths of a bip (one pool per pair; the fee is
    the pool's, dynamic in production: an adaptive-fee plugin rewrites it through `setFee`,
    which logs `Fee`). `community_fee` (thousandths of the fee) goes to the community vault and
    never changes what a trader pays. `plugin_config` is `globalState.pluginConfig`: with both
    `BEFORE_SWAP_FLAG` and `DYNAMIC_FEE_FLAG` set, the plugin's `beforeSwap` may price a swap
    at another fee (`override_fee_pips`, `plugin_fee_pips` of `swap`), which no state can know.
    Replaced, never mutated (`after_swap`, `with_position_change`, `dataclasses.replace`).
    """

    kind: ClassVar[str] = KIND
    fee_pips: int
    tick_spacing: int
    sqrt_price_x96: int
    tick: int
    liquidity: int
    ticks: AlgebraTicks
    block_number: int
    community_fee: int = 0
    plugin: str = ZERO_ADDRESS
    plugin_config: int = 0
    unlocked: bool = True

    @property
    def fee_may_be_overridden(self) -> bool:
        """Whether the plugin's `beforeSwap` may price a swap at a fee other than `fee_pips`."""
        wanted = BEFORE_SWAP_FLAG | DYNAMIC_FEE_FLAG
        return self.plugin_config & wanted == wanted

    def fee_in_force(self, override_fee_pips: int = 0, plugin_fee_pips: int = 0) -> int:
        """The fee a swap is priced at (`_beforeSwap`, then `_calculateSwap`): the override if
        the plugin gives one, else `lastFee`, plus the plugin's fee; reverts like the pool."""
        if override_fee_pips or plugin_fee_pips:
            if not self.plugin_config & DYNAMIC_FEE_FLAG:
                raise AlgebraRevertError("dynamicFeeDisabled")
            fee = (override_fee_pips or self.fee_pips) + plugin_fee_pips
            if fee >= _UINT24:
                raise AlgebraRevertError("Panic(0x11): uint24 overflow")
            if fee >= FEE_DENOMINATOR:
                raise AlgebraRevertError("incorrectPluginFee")
            return fee
        return self.fee_pips

    def swap(
        self,
        *,
        zero_for_one: bool,
        amount_specified: int,
        sqrt_price_limit_x96: int | None = None,
        override_fee_pips: int = 0,
        plugin_fee_pips: int = 0,
    ) -> AlgebraSwapResult:
        """`AlgebraPool.swap(recipient, zeroToOne, amountRequired, limitSqrtPrice, data)`.

        `amount_specified > 0` is an exact input, `< 0` an exact output. Without a limit the
        swap may run to `MIN_SQRT_RATIO + 1` / `MAX_SQRT_RATIO - 1`, as QuoterV2 and SwapRouter
        ask when given 0. Reverts (`AlgebraRevertError`) like the pool: `locked`,
        `zeroAmountRequired`, `notInitialized`, `invalidLimitSqrtPrice`, ...
        """
        fee = self.fee_in_force(override_fee_pips, plugin_fee_pips)
        amount0, amount1, price, tick, liquidity, crossed, steps = self._simulate(
            zero_for_one, amount_specified, sqrt_price_limit_x96, fee
        )
        return AlgebraSwapResult(
            zero_for_one, amount0, amount1, price, tick, liquidity, crossed, steps, fee
        )

    def _simulate(
        self, zero_for_one: bool, amount_specified: int, limit: int | None, fee: int
    ) -> SwapOutcome:
        if not self.unlocked:
            raise AlgebraRevertError("locked")
        if limit is None:
            limit = MIN_SQRT_RATIO + 1 if zero_for_one else MAX_SQRT_RATIO - 1
        ticks = self.ticks
        # Positional arguments: this call is on the hot path of every simulated trade.
        return calculate_swap(
            self.sqrt_price_x96,
            self.tick,
            self.liquidity,
            fee,
            ticks.ticks,
            ticks.liquidity_delta,
            ticks.sqrt_prices,
            zero_for_one,
            amount_specified,
            limit,
        )

    def swap_exact_input(
        self, *, zero_for_one: bool, amount_in: int, sqrt_price_limit_x96: int | None = None
    ) -> AlgebraSwapResult:
        """An exact-input swap of `amount_in` (> 0); it stops early at the price limit."""
        return self.swap(
            zero_for_one=zero_for_one,
            amount_specified=amount_in,
            sqrt_price_limit_x96=sqrt_price_limit_x96,
        )

    def swap_exact_output(
        self, *, zero_for_one: bool, amount_out: int, sqrt_price_limit_x96: int | None = None
    ) -> AlgebraSwapResult:
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

    def piecewise(self, zero_for_one: bool) -> AlgebraCurve:
        return AlgebraCurve(state=self, zero_for_one=zero_for_one)

    def screen_reserves(self) -> tuple[int, int]:
        """Virtual reserves at the pool's price with its deepest range's liquidity
        (`price_views.virtual_reserves`: never less profitable than the pool at any size)."""
        return price_views.virtual_reserves(
            self.liquidity, self.ticks.liquidity_delta, self.sqrt_price_x96
        )

    def spot_price(self) -> float | None:
        """(sqrtPriceX96 / 2**96)**2, the price `globalState` encodes (None before `initialize`)."""
        return price_views.spot_price(self.sqrt_price_x96)

    def swap_report(self, token_in: str, amount_in: int) -> dict[str, int]:
        result = self.swap_exact_input(
            zero_for_one=self.zero_for_one(token_in), amount_in=amount_in
        )
        return {**price_views.swap_fields(result), "fee_pips": result.fee_pips}

    def amount_out(self, token_in: str, amount_in: int) -> int:
        """Output of selling `amount_in` of `token_in`, as `QuoterV2.quoteExactInputSingle` with
        no price limit answers (at the pool's `lastFee`): if the pool runs out of liquidity,
        what it paid for the part it could take."""
        zero_for_one = self.zero_for_one(token_in)
        amount0, amount1, *_ = self._simulate(zero_for_one, amount_in, None, self.fee_pips)
        return -amount1 if zero_for_one else -amount0

    def amount_in(self, token_out: str, amount_out: int) -> int:
        """Input needed to buy exactly `amount_out` of `token_out`, as
        `QuoterV2.quoteExactOutputSingle` with no price limit; reverts when the pool cannot pay
        that much (the quoter's own check)."""
        zero_for_one = not self.zero_for_one(token_out)
        result = self.swap_exact_output(zero_for_one=zero_for_one, amount_out=amount_out)
        if result.amount_out != amount_out:
            raise AlgebraRevertError(
                f"QuoterV2: the pool can pay only {result.amount_out} of {amount_out} requested"
            )
        return result.amount_in

    def after_swap(self, result: AlgebraSwapResult, *, block_number: int) -> AlgebraPoolState:
        """The state the pool is left in by `result` (a swap simulated on this state)."""
        return replace(
            self,
            sqrt_price_x96=result.sqrt_price_x96,
            tick=result.tick,
            liquidity=result.liquidity,
            block_number=block_number,
        )

    def after_exact_input(self, token_in: str, amount_in: int) -> tuple[int, AlgebraPoolState]:
        """(output, state after) of selling `amount_in` of `token_in` with no price limit, as
        SwapRouter (`exactInputInternal`) swaps a hop: past the last liquidity the pool takes
        only what it can use."""
        result = self.swap_exact_input(
            zero_for_one=self.zero_for_one(token_in), amount_in=amount_in
        )
        return result.amount_out, self.after_swap(result, block_number=self.block_number)

    def after_exact_output(self, token_out: str, amount_out: int) -> tuple[int, AlgebraPoolState]:
        """(input, state after) of buying exactly `amount_out` of `token_out` with no price
        limit; raises where SwapRouter (`exactOutputInternal`) reverts because the pool cannot
        pay it all."""
        result = self.swap_exact_output(
            zero_for_one=not self.zero_for_one(token_out), amount_out=amount_out
        )
        if result.amount_out != amount_out:
            raise AlgebraRevertError("SwapRouter: the pool cannot pay the exact output")
        return result.amount_in, self.after_swap(result, block_number=self.block_number)

    def with_pool_of(self, view: PoolState) -> PoolState:
        """A pool with one view: `view` if it is this pool's, else this state."""
        return view if view.state_key == self.state_key else self

    def with_position_change(
        self, *, bottom_tick: int, top_tick: int, liquidity_delta: int, block_number: int
    ) -> AlgebraPoolState:
        """The state after a `Mint` (`liquidity_delta > 0`) or `Burn` (`< 0`) of a position.

        Mirrors `Positions._updatePositionTicksAndFees`: the ends' ticks change, and the active
        liquidity changes when the current tick is inside `[bottom_tick, top_tick)`
        (`LiquidityMath.getAmountsForLiquidity`'s `globalLiquidityDelta`).
        """
        liquidity = self.liquidity
        if bottom_tick <= self.tick < top_tick:
            liquidity += liquidity_delta
            if liquidity < 0:
                raise AlgebraRevertError("liquiditySub")
        return replace(
            self,
            ticks=self.ticks.with_position_change(bottom_tick, top_tick, liquidity_delta),
            liquidity=liquidity,
            block_number=block_number,
        )
