"""A Uniswap V4 pool's state at one block, as an immutable value that simulates swaps exactly."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar, NamedTuple

from eth_utils.address import to_checksum_address

from omniarb.dex.base import PoolIdentity, PoolState
from omniarb.dex.uniswap_v3 import price_views
from omniarb.dex.uniswap_v3.errors import V3RevertError
from omniarb.dex.uniswap_v3.liquidity_math import add_delta
from omniarb.dex.uniswap_v3.tick_math import MAX_SQRT_RATIO, MIN_SQRT_RATIO
from omniarb.dex.uniswap_v3.tick_table import TickTable
from omniarb.dex.uniswap_v4.curve import V4Curve
from omniarb.dex.uniswap_v4.errors import V4RevertError
from omniarb.dex.uniswap_v4.fees import swap_fee
from omniarb.dex.uniswap_v4.pool_key import PoolKey
from omniarb.dex.uniswap_v4.swap import SwapOutcome, simulate_swap

__all__ = ["KIND", "V4PoolState", "V4SwapResult", "route_tokens"]

KIND = "uniswap-v4"


def route_tokens(key: PoolKey, wrapped_native: str | None) -> tuple[str, str]:
    """The key's currencies as routes carry them (`PoolIdentity`): the native coin, currency
    0 where the pool holds it, as the chain's wrapped native token (when one is given)."""
    if key.has_native and wrapped_native is not None:
        return str(to_checksum_address(wrapped_native)), key.currency1
    return key.currency0, key.currency1


class V4SwapResult(NamedTuple):
    """What `PoolManager.swap` returns and leaves behind for a hookless pool.

    `amount0`/`amount1` are the `BalanceDelta`, signed from the caller's side: negative is
    what the caller owes the PoolManager (the input), positive what it is owed (the output) —
    the opposite of V3's pool-side signs. `sqrt_price_x96`, `tick`, `liquidity` are the pool's
    state after the swap (the `Swap` event's fields); `initialized_ticks_crossed` and `steps`
    (iterations of the loop) are what the swap's gas grows with.
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
        """The input the caller pays (fees included)."""
        return -(self.amount0 if self.zero_for_one else self.amount1)

    @property
    def amount_out(self) -> int:
        """The output the caller is paid."""
        return self.amount1 if self.zero_for_one else self.amount0


@dataclass(frozen=True, slots=True, kw_only=True)
class V4PoolState(PoolIdentity):
    """A V4 pool as of `block_number`: its key, `slot0` (price, tick, protocol and LP fee),
    the active liquidity and every initialized tick, which is all a hookless swap reads.

    Naming (see `omniarb.dex.uniswap_v4.pool_key`): `address` is `pool_address(pool_id)`, the
    leading 20 bytes of the pool id; `factory` is the PoolManager; `token0`/`token1` are the
    key's currencies as routes carry them (`route_tokens`: the native coin, `0x000…0` in the
    key, as the chain's wrapped native token where the book knows it; `currency` maps back).
    `fee_pips` is the LP fee from `slot0`;
    `protocol_fee` packs both directions' protocol fees (12 bits each, zero-for-one low).
    Replaced, never mutated: a `Swap` log gives `after_swap`-like replacement, a
    `ModifyLiquidity` log gives `with_position_change`.
    """

    kind: ClassVar[str] = KIND
    pool_id: str
    key: PoolKey
    sqrt_price_x96: int
    tick: int
    liquidity: int
    protocol_fee: int
    fee_pips: int
    ticks: TickTable
    block_number: int

    @property
    def tick_spacing(self) -> int:
        return self.key.tick_spacing

    def swap_fee_pips(self, zero_for_one: bool) -> int:
        """The fee a swap in that direction pays, LP and protocol fee combined."""
        return swap_fee(self.protocol_fee, self.fee_pips, zero_for_one)

    def swap(
        self,
        *,
        zero_for_one: bool,
        amount_specified: int,
        sqrt_price_limit_x96: int | None = None,
    ) -> V4SwapResult:
        """`PoolManager.swap(key, SwapParams(zeroForOne, amountSpecified, sqrtPriceLimitX96))`.

        `amount_specified < 0` is an exact input, `> 0` an exact output (v4's convention).
        Without a limit the swap may run to `MIN_SQRT_PRICE + 1` / `MAX_SQRT_PRICE - 1`, the
        limits V4Quoter passes. Raises `V4RevertError` where the PoolManager reverts.
        """
        return V4SwapResult(
            zero_for_one, *self._simulate(zero_for_one, amount_specified, sqrt_price_limit_x96)
        )

    def _simulate(
        self, zero_for_one: bool, amount_specified: int, sqrt_price_limit_x96: int | None
    ) -> SwapOutcome:
        if sqrt_price_limit_x96 is None:
            sqrt_price_limit_x96 = MIN_SQRT_RATIO + 1 if zero_for_one else MAX_SQRT_RATIO - 1
        ticks = self.ticks
        return simulate_swap(
            self.sqrt_price_x96,
            self.tick,
            self.liquidity,
            swap_fee(self.protocol_fee, self.fee_pips, zero_for_one),
            self.key.tick_spacing,
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
    ) -> V4SwapResult:
        """An exact-input swap of `amount_in` (> 0); it stops early at the price limit."""
        return self.swap(
            zero_for_one=zero_for_one,
            amount_specified=-amount_in,
            sqrt_price_limit_x96=sqrt_price_limit_x96,
        )

    def swap_exact_output(
        self, *, zero_for_one: bool, amount_out: int, sqrt_price_limit_x96: int | None = None
    ) -> V4SwapResult:
        """An exact-output swap of `amount_out` (> 0); it stops early at the price limit."""
        return self.swap(
            zero_for_one=zero_for_one,
            amount_specified=amount_out,
            sqrt_price_limit_x96=sqrt_price_limit_x96,
        )

    def zero_for_one(self, token_in: str) -> bool:
        """Whether selling `token_in` is a currency0 -> currency1 swap (addresses in any case);
        the native coin may be named by its address 0 or by the token routes carry for it."""
        lowered = token_in.lower()
        if lowered in (self.token0.lower(), self.key.currency0.lower()):
            return True
        if lowered in (self.token1.lower(), self.key.currency1.lower()):
            return False
        raise ValueError(f"{token_in} is not a currency of V4 pool {self.pool_id}")

    def currency(self, token: str) -> str:
        """The key's currency on `token`'s side: the native coin (address 0) for the wrapped
        native token that stands in for it."""
        return self.key.currency0 if self.zero_for_one(token) else self.key.currency1

    def constant_product(self, zero_for_one: bool) -> None:
        return None  # one constant-product curve per tick range: the detector walks them

    def piecewise(self, zero_for_one: bool) -> V4Curve:
        return V4Curve(state=self, zero_for_one=zero_for_one)

    def screen_reserves(self) -> tuple[int, int]:
        """Virtual reserves at the pool's price with its deepest range's liquidity
        (`price_views.virtual_reserves`: never less profitable than the pool at any size)."""
        return price_views.virtual_reserves(
            self.liquidity, self.ticks.liquidity_net, self.sqrt_price_x96
        )

    def spot_price(self) -> float | None:
        """(sqrtPriceX96 / 2**96)**2 (None before `initialize`)."""
        return price_views.spot_price(self.sqrt_price_x96)

    def swap_report(self, token_in: str, amount_in: int) -> dict[str, int]:
        result = self.swap_exact_input(
            zero_for_one=self.zero_for_one(token_in), amount_in=amount_in
        )
        # `amount_in_used` short of `amount_in`: V4Quoter reverts NotEnoughLiquidity there, the
        # PoolManager itself takes only this much.
        fee_pips = self.swap_fee_pips(result.zero_for_one)
        return {**price_views.swap_fields(result), "swap_fee_pips": fee_pips}

    def amount_out(self, token_in: str, amount_in: int) -> int:
        """Output of selling `amount_in` of `token_in` through `PoolManager.swap` with no price
        limit: if the pool runs out of liquidity, what it paid for the part it could take."""
        zero_for_one = self.zero_for_one(token_in)
        amount0, amount1, *_ = self._simulate(zero_for_one, -amount_in, None)
        return amount1 if zero_for_one else amount0

    def amount_in(self, token_out: str, amount_out: int) -> int:
        """Input needed to buy exactly `amount_out` of `token_out`, as
        `V4Quoter.quoteExactOutputSingle` answers; reverts `NotEnoughLiquidity` when the pool
        cannot pay that much (the quoter's own check)."""
        zero_for_one = not self.zero_for_one(token_out)
        result = self.swap_exact_output(zero_for_one=zero_for_one, amount_out=amount_out)
        if result.amount_out != amount_out:
            raise V4RevertError("NotEnoughLiquidity")
        return result.amount_in

    def after_swap(self, result: V4SwapResult, *, block_number: int) -> V4PoolState:
        """The state the pool is left in by `result` (a swap simulated on this state)."""
        return replace(
            self,
            sqrt_price_x96=result.sqrt_price_x96,
            tick=result.tick,
            liquidity=result.liquidity,
            block_number=block_number,
        )

    def after_exact_input(self, token_in: str, amount_in: int) -> tuple[int, V4PoolState]:
        """(output, state after) of selling `amount_in` of `token_in` with no price limit, as
        V4Router (`_swap`) swaps a hop: past the last liquidity the pool takes only what it
        can use."""
        result = self.swap_exact_input(
            zero_for_one=self.zero_for_one(token_in), amount_in=amount_in
        )
        return result.amount_out, self.after_swap(result, block_number=self.block_number)

    def after_exact_output(self, token_out: str, amount_out: int) -> tuple[int, V4PoolState]:
        """(input, state after) of buying exactly `amount_out` of `token_out` with no price
        limit; raises where V4Router (`_swap`) reverts because the pool cannot pay it all."""
        result = self.swap_exact_output(
            zero_for_one=not self.zero_for_one(token_out), amount_out=amount_out
        )
        if result.amount_out != amount_out:
            raise V4RevertError("NotEnoughLiquidity")
        return result.amount_in, self.after_swap(result, block_number=self.block_number)

    def with_pool_of(self, view: PoolState) -> PoolState:
        """A pool with one view: `view` if it is this pool's, else this state."""
        return view if view.state_key == self.state_key else self

    def with_position_change(
        self, *, tick_lower: int, tick_upper: int, liquidity_delta: int, block_number: int
    ) -> V4PoolState:
        """The state after a `ModifyLiquidity` of `liquidity_delta` in `[tick_lower, tick_upper)`.

        Mirrors `Pool.modifyLiquidity`: both ends' ticks change (`updateTick`, `clearTick`),
        and the active liquidity changes when `tick_lower <= slot0.tick < tick_upper`.
        """
        if liquidity_delta == 0:
            return replace(self, block_number=block_number)
        liquidity = self.liquidity
        try:
            if tick_lower <= self.tick < tick_upper:
                liquidity = add_delta(liquidity, liquidity_delta)
            ticks = self.ticks.with_position_change(
                tick_lower, tick_upper, liquidity_delta, self.key.tick_spacing
            )
        except V3RevertError as exc:  # the same checks as v4's, under v3's names
            raise V4RevertError(exc.reason) from exc
        return replace(self, ticks=ticks, liquidity=liquidity, block_number=block_number)
