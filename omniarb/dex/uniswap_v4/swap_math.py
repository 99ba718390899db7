"""v4-core `SwapMath` (`src/libraries/SwapMath.sol`), line by line: the price target of a step
and one step of a swap within a single tick range.

What differs from v3-core's `SwapMath.computeSwapStep` (`omniarb.dex.uniswap_v3.swap_math`):
- the sign of `amountRemaining`: negative is an exact input, positive an exact output;
- an exact-input step that stops short of its target books the whole net input as `amountIn`
  (`amountRemainingLessFee`) instead of recomputing it from the price it reached: the total
  it takes (`amountIn + feeAmount`, the whole remaining amount) and what it pays are the same,
  only the split between input and fee moves (which feeds fee growth and the protocol fee);
- the fee may be 100% (`MAX_SWAP_FEE`): an exact-input step that reaches its target then takes
  no fee (it took no input either), and an exact output is refused earlier by `Pool.swap`;
- an exact-output step caps `amountOut` before it moves the price, not after.
The `SqrtPriceMath` functions it calls are v3-core's to the bit (v4's assembly rewrites keep
every rounding), so they are reused from `omniarb.dex.uniswap_v3.sqrt_price_math`, with v4's
error names put on their reverts.
"""

from __future__ import annotations

from omniarb.dex.uniswap_v3.errors import V3RevertError
from omniarb.dex.uniswap_v3.full_math import mul_div, mul_div_rounding_up
from omniarb.dex.uniswap_v3.sqrt_price_math import (
    get_amount0_delta,
    get_amount1_delta,
    get_next_sqrt_price_from_input,
    get_next_sqrt_price_from_output,
)
from omniarb.dex.uniswap_v4.errors import V4RevertError
from omniarb.dex.uniswap_v4.fees import MAX_SWAP_FEE

__all__ = ["compute_swap_step", "get_sqrt_price_target", "v4_error_of"]

# v3's revert reasons (by prefix) under v4's custom error names.
_V4_NAMES = (
    ("SqrtPriceMath.getNextSqrtPriceFromAmount1RoundingDown: underflow", "NotEnoughLiquidity"),
    ("SqrtPriceMath.getNextSqrtPriceFromAmount0RoundingUp: underflow", "PriceOverflow"),
    ("SqrtPriceMath.getNextSqrtPriceFromInput", "InvalidPriceOrLiquidity"),
    ("SqrtPriceMath.getNextSqrtPriceFromOutput", "InvalidPriceOrLiquidity"),
    ("SqrtPriceMath.getAmount0Delta", "InvalidPrice"),
    ("SafeCast", "SafeCastOverflow"),
)


def v4_error_of(error: V3RevertError) -> V4RevertError:
    """The v4 custom error that the same failing line raises in v4-core."""
    for prefix, name in _V4_NAMES:
        if error.reason.startswith(prefix):
            return V4RevertError(name)
    return V4RevertError(error.reason)  # arithmetic panics: the same in both


def get_sqrt_price_target(zero_for_one: bool, sqrt_price_next_x96: int, limit_x96: int) -> int:
    """`SwapMath.getSqrtPriceTarget`: the next tick's price unless the limit comes first
    (`max` of the two going down, `min` going up); the assembly's xor trick computes the same."""
    if zero_for_one:
        return sqrt_price_next_x96 if sqrt_price_next_x96 >= limit_x96 else limit_x96
    return sqrt_price_next_x96 if sqrt_price_next_x96 < limit_x96 else limit_x96


def compute_swap_step(
    sqrt_price_current_x96: int,
    sqrt_price_target_x96: int,
    liquidity: int,
    amount_remaining: int,
    fee_pips: int,
) -> tuple[int, int, int, int]:
    """`SwapMath.computeSwapStep`: `(sqrt_price_next_x96, amount_in, amount_out, fee_amount)`.

    `amount_remaining < 0` is an exact input of `-amount_remaining`, `>= 0` an exact output.
    `fee_pips` is the swap fee (LP and protocol fee together), at most `MAX_SWAP_FEE`.
    """
    try:
        return _step(
            sqrt_price_current_x96, sqrt_price_target_x96, liquidity, amount_remaining, fee_pips
        )
    except V3RevertError as exc:
        raise v4_error_of(exc) from exc


def _step(
    current: int, target: int, liquidity: int, amount_remaining: int, fee_pips: int
) -> tuple[int, int, int, int]:
    zero_for_one = current >= target
    if amount_remaining < 0:  # exact input
        less_fee = mul_div(-amount_remaining, MAX_SWAP_FEE - fee_pips, MAX_SWAP_FEE)
        amount_in = (
            get_amount0_delta(target, current, liquidity, True)
            if zero_for_one
            else get_amount1_delta(current, target, liquidity, True)
        )
        if less_fee >= amount_in:
            sqrt_next = target
            fee_amount = (
                amount_in
                if fee_pips == MAX_SWAP_FEE
                else mul_div_rounding_up(amount_in, fee_pips, MAX_SWAP_FEE - fee_pips)
            )
        else:
            amount_in = less_fee
            sqrt_next = get_next_sqrt_price_from_input(current, liquidity, less_fee, zero_for_one)
            fee_amount = -amount_remaining - amount_in
        amount_out = (
            get_amount1_delta(sqrt_next, current, liquidity, False)
            if zero_for_one
            else get_amount0_delta(current, sqrt_next, liquidity, False)
        )
        return sqrt_next, amount_in, amount_out, fee_amount
    amount_out = (
        get_amount1_delta(target, current, liquidity, False)
        if zero_for_one
        else get_amount0_delta(current, target, liquidity, False)
    )
    if amount_remaining >= amount_out:
        sqrt_next = target
    else:
        amount_out = amount_remaining
        sqrt_next = get_next_sqrt_price_from_output(current, liquidity, amount_out, zero_for_one)
    amount_in = (
        get_amount0_delta(sqrt_next, current, liquidity, True)
        if zero_for_one
        else get_amount1_delta(current, sqrt_next, liquidity, True)
    )
    fee_amount = mul_div_rounding_up(amount_in, fee_pips, MAX_SWAP_FEE - fee_pips)
    return sqrt_next, amount_in, amount_out, fee_amount
