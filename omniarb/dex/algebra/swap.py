"""Algebra Integral's `SwapCalculation._calculateSwap` loop on plain integers: the exact result
of a swap from a pool state.

The loop is the contract's (`contracts/base/SwapCalculation.sol`), step for step: each step
moves the price towards the nearer of the next initialized tick of the pool's linked list and
the price limit (`PriceMovementMath.movePriceTowardsTarget`), crosses the tick if it got there,
and otherwise stops at once. Unlike Uniswap V3, which also stops at every 256-tick bitmap word
edge (and rounds there), a step only ends at an initialized tick, at the limit, or where the
amount runs out; a range without liquidity is jumped in one step. What the contract does besides
(fee growth, the community and plugin shares of the fee, reserves) never changes the amounts or
the price, so it is left out: those shares only split the fee the trader pays.

Speed: this runs for every candidate trade, so `movePriceTowardsTarget` and the `TokenDeltaMath`
and `getNewPrice` functions it calls are inlined here with the same integer operations (one block
per direction and kind of amount), using `ceil(ceil(x / a) / b) == ceil(x / (a * b))` and the
same with floor to merge `getToken0Delta`'s two divisions. Overflow checks are kept where an
overflow is possible for uint160 prices and uint128 liquidity. Unit tests check this loop against
one assembled from `omniarb.dex.algebra.price_movement`, the line-by-line port.
"""

from __future__ import annotations

from bisect import bisect_right

from omniarb.dex.algebra.errors import AlgebraRevertError
from omniarb.dex.uniswap_v3.tick_math import (
    MAX_SQRT_RATIO,
    MIN_SQRT_RATIO,
    fast_tick_at_sqrt_ratio,
)

__all__ = ["SwapOutcome", "calculate_swap"]

_INT256_LIMIT = 1 << 255
_WORD = 1 << 256
_MAX_UINT128 = (1 << 128) - 1
_MAX_UINT160 = (1 << 160) - 1
_FEE_DENOMINATOR = 1_000_000
_Q96_BITS = 96

# (amount0, amount1, sqrt_price_x96, tick, liquidity, initialized_ticks_crossed, steps)
SwapOutcome = tuple[int, int, int, int, int, int, int]


def calculate_swap(
    price: int,
    tick: int,
    liquidity: int,
    fee: int,
    ticks: tuple[int, ...],
    liquidity_delta: tuple[int, ...],
    sqrt_prices: tuple[int, ...],
    zero_to_one: bool,
    amount_required: int,
    limit_sqrt_price: int,
) -> SwapOutcome:
    """`SwapCalculation._calculateSwap` without storage writes: signed deltas and final state.

    `amount_required > 0` is an exact input, `< 0` an exact output of `-amount_required`; `fee`
    is the fee in force in hundredths of a bip (the pool's `lastFee`, or the plugin's override,
    plus the plugin's fee). `amount0`/`amount1` are signed like the pool's return values:
    positive is paid into the pool, negative out. `ticks`, `liquidity_delta` and `sqrt_prices`
    are the parallel tuples of an `AlgebraTicks`. Reverts (`AlgebraRevertError`) like the pool:
    `zeroAmountRequired`, `invalidAmountRequired`, `notInitialized`, `invalidLimitSqrtPrice`,
    `liquiditySub`/`liquidityAdd`, and the libraries' overflow checks.
    """
    if amount_required == 0:
        raise AlgebraRevertError("zeroAmountRequired")
    if amount_required == -_INT256_LIMIT:
        raise AlgebraRevertError("invalidAmountRequired")
    if not -_INT256_LIMIT < amount_required < _INT256_LIMIT:
        raise AlgebraRevertError("SafeCast.toInt256: amount does not fit in int256")
    if price == 0:
        raise AlgebraRevertError("notInitialized")
    if zero_to_one:
        if limit_sqrt_price >= price or limit_sqrt_price <= MIN_SQRT_RATIO:
            raise AlgebraRevertError("invalidLimitSqrtPrice")
    elif limit_sqrt_price <= price or limit_sqrt_price >= MAX_SQRT_RATIO:
        raise AlgebraRevertError("invalidLimitSqrtPrice")

    exact_input = amount_required > 0
    fee_complement = _FEE_DENOMINATOR - fee
    remaining = amount_required
    calculated = 0
    crossed = 0
    steps = 0
    count = len(ticks)
    sp = price
    limit = limit_sqrt_price
    # The pool's prevTickGlobal / nextTickGlobal: the greatest initialized tick at or below the
    # current tick, the least one above it; past either end, the MIN_TICK / MAX_TICK bounds.
    index = bisect_right(ticks, tick) - 1 if zero_to_one else bisect_right(ticks, tick)
    while True:
        steps += 1
        numerator1 = liquidity << _Q96_BITS
        if zero_to_one:
            next_price = sqrt_prices[index] if index >= 0 else MIN_SQRT_RATIO
            target = limit if next_price < limit else next_price
            if exact_input:
                after_fee = remaining * fee_complement // _FEE_DENOMINATOR
                # getToken0Delta(target, sp, L, roundUp)
                amount_in = -(-numerator1 * (sp - target) // (sp * target))
                if after_fee >= amount_in:
                    sp_next = target
                    fee_amount = -(-amount_in * fee // fee_complement)
                else:
                    if after_fee == 0:
                        sp_next = sp  # getNewPrice short-cuts a zero amount
                    else:
                        product = after_fee * sp
                        if product < _WORD and numerator1 + product < _WORD:
                            sp_next = -(-numerator1 * sp // (numerator1 + product))
                        else:
                            divisor = numerator1 // sp + after_fee
                            if divisor >= _WORD:
                                raise AlgebraRevertError("LowGasSafeMath.add: overflow")
                            sp_next = -(-numerator1 // divisor)
                    amount_in = -(-numerator1 * (sp - sp_next) // (sp * sp_next))
                    fee_amount = remaining - amount_in
                # getToken1Delta(sp_next, sp, L, roundDown)
                amount_out = (liquidity * (sp - sp_next)) >> _Q96_BITS
            else:
                wanted = -remaining
                amount_out = (liquidity * (sp - target)) >> _Q96_BITS
                if wanted >= amount_out:
                    sp_next = target
                else:
                    # getNewPrice(sp, L, wanted, zeroToOne, fromInput=false): token1 out.
                    quotient = -(-(wanted << _Q96_BITS) // liquidity)
                    if quotient >= _WORD:
                        raise AlgebraRevertError("FullMath.mulDivRoundingUp: overflow")
                    if sp <= quotient:
                        raise AlgebraRevertError("PriceMovementMath.getNewPrice: price <= q")
                    sp_next = sp - quotient
                    if sp_next != target:
                        amount_out = (liquidity * (sp - sp_next)) >> _Q96_BITS
                    amount_out = min(amount_out, wanted)
                amount_in = -(-numerator1 * (sp - sp_next) // (sp * sp_next))
                fee_amount = -(-amount_in * fee // fee_complement)
        else:
            next_price = sqrt_prices[index] if index < count else MAX_SQRT_RATIO
            target = limit if next_price >= limit else next_price
            if exact_input:
                after_fee = remaining * fee_complement // _FEE_DENOMINATOR
                # getToken1Delta(sp, target, L, roundUp)
                amount_in = -(-liquidity * (target - sp) >> _Q96_BITS)
                if after_fee >= amount_in:
                    sp_next = target
                    fee_amount = -(-amount_in * fee // fee_complement)
                else:
                    # getNewPrice(sp, L, after_fee, zeroToOne=false, fromInput=true)
                    quotient = (after_fee << _Q96_BITS) // liquidity
                    if quotient >= _WORD:
                        raise AlgebraRevertError("FullMath.mulDiv: overflow")
                    sp_next = sp + quotient
                    if sp_next > _MAX_UINT160:
                        raise AlgebraRevertError("SafeCast.toUint160: overflow")
                    amount_in = -(-liquidity * (sp_next - sp) >> _Q96_BITS)
                    fee_amount = remaining - amount_in
                # getToken0Delta(sp, sp_next, L, roundDown)
                amount_out = numerator1 * (sp_next - sp) // (sp_next * sp)
            else:
                wanted = -remaining
                amount_out = numerator1 * (target - sp) // (target * sp)
                if wanted >= amount_out:
                    sp_next = target
                else:
                    # getNewPrice(sp, L, wanted, zeroToOne=false, fromInput=false): token0 out.
                    product = wanted * sp
                    if product >= _WORD:
                        raise AlgebraRevertError("PriceMovementMath.getNewPrice: overflow")
                    if numerator1 <= product:
                        raise AlgebraRevertError("PriceMovementMath.getNewPrice: underflow")
                    sp_next = -(-numerator1 * sp // (numerator1 - product))
                    if sp_next > _MAX_UINT160:
                        raise AlgebraRevertError("SafeCast.toUint160: overflow")
                    if sp_next != target:
                        amount_out = numerator1 * (sp_next - sp) // (sp_next * sp)
                    amount_out = min(amount_out, wanted)
                amount_in = -(-liquidity * (sp_next - sp) >> _Q96_BITS)
                fee_amount = -(-amount_in * fee // fee_complement)

        if exact_input:
            remaining -= amount_in + fee_amount
            calculated -= amount_out
        else:
            remaining += amount_out
            calculated += amount_in + fee_amount

        if sp_next == next_price:
            # Crossing an initialized tick (the MIN/MAX bounds cannot be reached: every limit
            # lies strictly inside them).
            delta = liquidity_delta[index]
            liquidity = liquidity - delta if zero_to_one else liquidity + delta
            if liquidity < 0:
                raise AlgebraRevertError("liquiditySub")
            if liquidity > _MAX_UINT128:
                raise AlgebraRevertError("liquidityAdd")
            crossed += 1
            if zero_to_one:
                tick = ticks[index] - 1
                index -= 1
            else:
                tick = ticks[index]
                index += 1
        elif sp_next != sp:
            # The price moved but did not reach the target: the amount is used up.
            sp = sp_next
            tick = fast_tick_at_sqrt_ratio(sp)
            break
        sp = sp_next
        if remaining == 0 or sp == limit:
            break

    if not -_INT256_LIMIT <= calculated < _INT256_LIMIT:
        raise AlgebraRevertError("LowGasSafeMath: int256 overflow")
    spent = amount_required - remaining
    if zero_to_one == exact_input:
        return spent, calculated, sp, tick, liquidity, crossed, steps
    return calculated, spent, sp, tick, liquidity, crossed, steps
