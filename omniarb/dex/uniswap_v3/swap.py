"""`UniswapV3Pool.swap`'s loop on plain integers: the exact result of a swap from a pool state.

The loop is the contract's, step for step: each step ends at the next initialized tick, at the
edge of the current 256-tick bitmap word (the contract stops there even with no tick to cross,
and each stop rounds), at the price limit, or where the amount runs out. Only the bookkeeping
that cannot change amounts or prices (fee growth, oracle observations, protocol fees) is left
out.

Speed: this runs for every candidate trade, so `SwapMath.computeSwapStep` and the
`SqrtPriceMath` functions it calls are inlined here with the same integer operations: the step's
price and amounts in one block per direction and kind (exact input or output), its fee and the
pool's bookkeeping in one block per kind. Overflow checks are kept only where an overflow is
possible for uint160 prices and uint128 liquidity. Two identities shorten the
`getAmount0Delta` calls: `ceil(ceil(x / a) / b) == ceil(x / (a * b))`, and the same with floor.
The next-tick search is a binary search over the sorted initialized ticks, which returns what
`TickBitmap.nextInitializedTickWithinOneWord` returns. Unit tests check this loop against one
assembled from the ported library functions (`swap_math`, `tick_bitmap`), which follow the
Solidity line by line, and the differential test checks it against QuoterV2.
"""

from __future__ import annotations

from bisect import bisect_right

from omniarb.dex.uniswap_v3.errors import V3RevertError
from omniarb.dex.uniswap_v3.full_math import MAX_UINT256
from omniarb.dex.uniswap_v3.liquidity_math import MAX_UINT128
from omniarb.dex.uniswap_v3.sqrt_price_math import MAX_UINT160
from omniarb.dex.uniswap_v3.tick_math import (
    MAX_SQRT_RATIO,
    MAX_TICK,
    MIN_SQRT_RATIO,
    MIN_TICK,
    fast_tick_at_sqrt_ratio,
    get_sqrt_ratio_at_tick,
)

__all__ = ["SwapOutcome", "simulate_swap"]

_INT256_LIMIT = 1 << 255
_PIPS = 1_000_000
_Q96_BITS = 96

# (amount0, amount1, sqrt_price_x96, tick, liquidity, initialized_ticks_crossed, steps)
SwapOutcome = tuple[int, int, int, int, int, int, int]


def simulate_swap(
    sqrt_price_x96: int,
    tick: int,
    liquidity: int,
    fee_pips: int,
    tick_spacing: int,
    ticks: tuple[int, ...],
    liquidity_net: tuple[int, ...],
    sqrt_prices: tuple[int, ...],
    edge_sqrt_prices: dict[int, int],
    zero_for_one: bool,
    amount_specified: int,
    sqrt_price_limit_x96: int,
) -> SwapOutcome:
    """`UniswapV3Pool.swap` without transfers: the pool's signed deltas and final state.

    `amount_specified > 0` is an exact input, `< 0` an exact output of `-amount_specified`.
    `amount0`/`amount1` are signed like the pool's return values: positive is paid into the
    pool, negative is paid out. `ticks`, `liquidity_net` and `sqrt_prices` are the parallel
    tuples of a `TickTable`, `edge_sqrt_prices` its memo of word-edge prices. Reverts `AS` for
    a zero amount and `SPL` for a price limit on the wrong side of the price or outside
    `(MIN_SQRT_RATIO, MAX_SQRT_RATIO)`.
    """
    if amount_specified == 0:
        raise V3RevertError("AS")
    if not -_INT256_LIMIT <= amount_specified < _INT256_LIMIT:
        raise V3RevertError("SafeCast.toInt256: amount does not fit in int256")
    if zero_for_one:
        if not MIN_SQRT_RATIO < sqrt_price_limit_x96 < sqrt_price_x96:
            raise V3RevertError("SPL")
    elif not sqrt_price_x96 < sqrt_price_limit_x96 < MAX_SQRT_RATIO:
        raise V3RevertError("SPL")

    exact_input = amount_specified > 0
    fee_complement = _PIPS - fee_pips
    remaining = amount_specified
    calculated = 0
    crossed = 0
    steps = 0  # iterations of the pool's loop: each reads a bitmap word and prices a step
    count = len(ticks)
    sp = sqrt_price_x96
    limit = sqrt_price_limit_x96
    while remaining != 0 and sp != limit:
        steps += 1
        # createStep: nextInitializedTickWithinOneWord over the sorted ticks, then the clamp.
        compressed = tick // tick_spacing
        if zero_for_one:
            index = bisect_right(ticks, tick) - 1
            word_edge = (compressed - (compressed & 0xFF)) * tick_spacing
            initialized = index >= 0 and ticks[index] >= word_edge
        else:
            index = bisect_right(ticks, tick)
            word_edge = (compressed + 256 - ((compressed + 1) & 0xFF)) * tick_spacing
            initialized = index < count and ticks[index] <= word_edge
        if initialized:
            tick_next = ticks[index]
            sqrt_next = sqrt_prices[index]
        else:
            tick_next = word_edge
            if tick_next < MIN_TICK:
                tick_next = MIN_TICK
            elif tick_next > MAX_TICK:
                tick_next = MAX_TICK
            sqrt_next = edge_sqrt_prices.get(tick_next, 0)
            if not sqrt_next:
                sqrt_next = edge_sqrt_prices[tick_next] = get_sqrt_ratio_at_tick(tick_next)

        # computeSwapStep(sp, target, liquidity, remaining, fee_pips), inlined.
        numerator1 = liquidity << _Q96_BITS
        if zero_for_one:
            target = limit if sqrt_next < limit else sqrt_next
            if exact_input:
                less_fee = remaining * fee_complement // _PIPS
                # getAmount0Delta(target, sp, L, roundUp)
                amount_in = -(-numerator1 * (sp - target) // (sp * target))
                if less_fee >= amount_in:
                    sp_next = target
                elif less_fee == 0:
                    # getNextSqrtPriceFromAmount0RoundingUp short-cuts a zero amount.
                    sp_next = sp
                    amount_in = 0
                else:
                    # getNextSqrtPriceFromAmount0RoundingUp(sp, L, less_fee, add=true)
                    product = less_fee * sp
                    if product <= MAX_UINT256 and numerator1 + product <= MAX_UINT256:
                        sp_next = -(-numerator1 * sp // (numerator1 + product))
                    else:
                        sp_next = -(-numerator1 // (numerator1 // sp + less_fee))
                    amount_in = -(-numerator1 * (sp - sp_next) // (sp * sp_next))
                amount_out = (liquidity * (sp - sp_next)) >> _Q96_BITS
            else:
                wanted = -remaining
                # getAmount1Delta(target, sp, L, roundDown)
                amount_out = (liquidity * (sp - target)) >> _Q96_BITS
                if wanted >= amount_out:
                    sp_next = target
                else:
                    # getNextSqrtPriceFromAmount1RoundingDown(sp, L, wanted, add=false)
                    quotient = -(-(wanted << _Q96_BITS) // liquidity)
                    if sp <= quotient:
                        raise V3RevertError("SqrtPriceMath: price underflow")
                    sp_next = sp - quotient
                    amount_out = (liquidity * (sp - sp_next)) >> _Q96_BITS
                amount_in = -(-numerator1 * (sp - sp_next) // (sp * sp_next))
        else:
            target = limit if sqrt_next > limit else sqrt_next
            if exact_input:
                less_fee = remaining * fee_complement // _PIPS
                # getAmount1Delta(sp, target, L, roundUp)
                amount_in = -(-liquidity * (target - sp) >> _Q96_BITS)
                if less_fee >= amount_in:
                    sp_next = target
                else:
                    # getNextSqrtPriceFromAmount1RoundingDown(sp, L, less_fee, add=true)
                    sp_next = sp + (less_fee << _Q96_BITS) // liquidity
                    if sp_next > MAX_UINT160:
                        raise V3RevertError("SafeCast.toUint160: overflow")
                    amount_in = -(-liquidity * (sp_next - sp) >> _Q96_BITS)
                # getAmount0Delta(sp, sp_next, L, roundDown)
                amount_out = numerator1 * (sp_next - sp) // (sp_next * sp)
            else:
                wanted = -remaining
                # getAmount0Delta(sp, target, L, roundDown)
                amount_out = numerator1 * (target - sp) // (target * sp)
                if wanted >= amount_out:
                    sp_next = target
                else:
                    # getNextSqrtPriceFromAmount0RoundingUp(sp, L, wanted, add=false)
                    product = wanted * sp
                    if product > MAX_UINT256 or numerator1 <= product:
                        raise V3RevertError("SqrtPriceMath: price underflow")
                    sp_next = -(-numerator1 * sp // (numerator1 - product))
                    if sp_next > MAX_UINT160:
                        raise V3RevertError("SafeCast.toUint160: overflow")
                    amount_out = numerator1 * (sp_next - sp) // (sp_next * sp)
                amount_in = -(-liquidity * (sp_next - sp) >> _Q96_BITS)

        # The end of computeSwapStep (cap the output, take the fee) and the pool's bookkeeping,
        # the same for both directions.
        if exact_input:
            if sp_next != target:
                fee_amount = remaining - amount_in
            else:
                fee_amount = -(-amount_in * fee_pips // fee_complement)
            remaining -= amount_in + fee_amount
            calculated -= amount_out
        else:
            if amount_out > wanted:
                amount_out = wanted
            fee_amount = -(-amount_in * fee_pips // fee_complement)
            remaining += amount_out
            calculated += amount_in + fee_amount

        # Shift the tick if the step reached the next tick's price; cross it if initialized.
        if sp_next == sqrt_next:
            if initialized:
                net = liquidity_net[index]
                liquidity = liquidity - net if zero_for_one else liquidity + net
                if liquidity < 0:
                    raise V3RevertError("LS")
                if liquidity > MAX_UINT128:
                    raise V3RevertError("LA")
                crossed += 1
            tick = tick_next - 1 if zero_for_one else tick_next
        elif sp_next != sp:
            tick = fast_tick_at_sqrt_ratio(sp_next)
        sp = sp_next

    if not -_INT256_LIMIT <= calculated < _INT256_LIMIT:
        raise V3RevertError("SafeCast.toInt256: overflow")
    if zero_for_one == exact_input:
        return amount_specified - remaining, calculated, sp, tick, liquidity, crossed, steps
    return calculated, amount_specified - remaining, sp, tick, liquidity, crossed, steps
