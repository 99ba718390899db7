"""v4-core `Pool.swap` (`src/libraries/Pool.sol`) on plain integers, as `PoolManager.swap`
runs it for a pool without hooks: the caller's balance delta and the pool's state after.

The loop is the contract's step for step. It is v3's loop (`omniarb.dex.uniswap_v3.swap`) with
what v4 changed: the sign convention (`amountSpecified < 0` is an exact input), the swap fee
(the LP fee from `slot0` combined with the direction's protocol fee,
`ProtocolFeeLibrary.calculateSwapFee`), a fee of 100%, `computeSwapStep`'s v4 form
(`omniarb.dex.uniswap_v4.swap_math`), v4's custom errors, the `BalanceDelta` from the caller's
side (negative: the caller pays) cast to int128, and `PoolManager.swap`'s refusal of a zero
amount. What v4 kept from v3 is reused: `TickMath` (v4's assembly computes the same bits) and
the sorted-ticks search that answers `TickBitmap.nextInitializedTickWithinOneWord` (v4's
`compress` and word masks equal v3's).

Speed: as in v3's module, `computeSwapStep` and the `SqrtPriceMath` calls are inlined with the
same integer operations; unit tests check this loop against one assembled from the line-by-line
ports, and the differential test checks it against the deployed V4Quoter and PoolManager.
"""

from __future__ import annotations

from bisect import bisect_right

from omniarb.dex.uniswap_v3.tick_math import (
    MAX_SQRT_RATIO,
    MAX_TICK,
    MIN_SQRT_RATIO,
    MIN_TICK,
    fast_tick_at_sqrt_ratio,
    get_sqrt_ratio_at_tick,
)
from omniarb.dex.uniswap_v4.errors import V4RevertError
from omniarb.dex.uniswap_v4.fees import MAX_SWAP_FEE

__all__ = ["SwapOutcome", "simulate_swap"]

_INT128_LIMIT = 1 << 127
_INT256_LIMIT = 1 << 255
_MAX_UINT128 = (1 << 128) - 1
_MAX_UINT160 = (1 << 160) - 1
_MAX_UINT256 = (1 << 256) - 1
_Q96_BITS = 96

# (amount0, amount1, sqrt_price_x96, tick, liquidity, initialized_ticks_crossed, steps)
SwapOutcome = tuple[int, int, int, int, int, int, int]


def check_swap(
    sqrt_price_x96: int,
    swap_fee_pips: int,
    zero_for_one: bool,
    amount_specified: int,
    sqrt_price_limit_x96: int,
) -> None:
    """The reverts `PoolManager.swap` and `Pool.swap` raise before the loop, in their order."""
    if amount_specified == 0:
        raise V4RevertError("SwapAmountCannotBeZero")
    if not -_INT256_LIMIT <= amount_specified < _INT256_LIMIT:
        raise V4RevertError("amountSpecified does not fit in int256")
    if sqrt_price_x96 == 0:
        raise V4RevertError("PoolNotInitialized")
    if swap_fee_pips >= MAX_SWAP_FEE and amount_specified > 0:
        raise V4RevertError("InvalidFeeForExactOut")
    if zero_for_one:
        if sqrt_price_limit_x96 >= sqrt_price_x96:
            raise V4RevertError("PriceLimitAlreadyExceeded")
        if sqrt_price_limit_x96 <= MIN_SQRT_RATIO:
            raise V4RevertError("PriceLimitOutOfBounds")
    else:
        if sqrt_price_limit_x96 <= sqrt_price_x96:
            raise V4RevertError("PriceLimitAlreadyExceeded")
        if sqrt_price_limit_x96 >= MAX_SQRT_RATIO:
            raise V4RevertError("PriceLimitOutOfBounds")


def simulate_swap(
    sqrt_price_x96: int,
    tick: int,
    liquidity: int,
    swap_fee_pips: int,
    tick_spacing: int,
    ticks: tuple[int, ...],
    liquidity_net: tuple[int, ...],
    sqrt_prices: tuple[int, ...],
    edge_sqrt_prices: dict[int, int],
    zero_for_one: bool,
    amount_specified: int,
    sqrt_price_limit_x96: int,
) -> SwapOutcome:
    """`PoolManager.swap` of a hookless pool without settlement: the caller's delta and the
    pool's final state.

    `amount_specified < 0` is an exact input of `-amount_specified`, `> 0` an exact output.
    `amount0`/`amount1` are the `BalanceDelta`: negative is owed by the caller (the input),
    positive is owed to it (the output). `swap_fee_pips` is what `Pool.swap` charges
    (`fees.swap_fee`); `ticks`, `liquidity_net`, `sqrt_prices` are a `TickTable`'s parallel
    tuples and `edge_sqrt_prices` its memo of word-edge prices.
    """
    check_swap(sqrt_price_x96, swap_fee_pips, zero_for_one, amount_specified, sqrt_price_limit_x96)
    exact_input = amount_specified < 0
    fee = swap_fee_pips
    fee_complement = MAX_SWAP_FEE - fee
    remaining = amount_specified
    calculated = 0
    crossed = 0
    steps = 0
    count = len(ticks)
    sp = sqrt_price_x96
    limit = sqrt_price_limit_x96
    while remaining != 0 and sp != limit:
        steps += 1
        # nextInitializedTickWithinOneWord over the sorted ticks, then the MIN/MAX_TICK clamp.
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
            if tick_next <= MIN_TICK:
                tick_next = MIN_TICK
            elif tick_next >= MAX_TICK:
                tick_next = MAX_TICK
            sqrt_next = edge_sqrt_prices.get(tick_next, 0)
            if not sqrt_next:
                sqrt_next = edge_sqrt_prices[tick_next] = get_sqrt_ratio_at_tick(tick_next)

        # computeSwapStep(sp, getSqrtPriceTarget(...), liquidity, remaining, fee), inlined.
        numerator1 = liquidity << _Q96_BITS
        if zero_for_one:
            target = limit if sqrt_next < limit else sqrt_next
            if exact_input:
                less_fee = -remaining * fee_complement // MAX_SWAP_FEE
                # getAmount0Delta(target, sp, L, roundUp)
                amount_in = -(-numerator1 * (sp - target) // (sp * target))
                if less_fee >= amount_in:
                    sp_next = target
                    fee_amount = (
                        amount_in if fee == MAX_SWAP_FEE else -(-amount_in * fee // fee_complement)
                    )
                else:
                    amount_in = less_fee
                    if less_fee == 0:
                        sp_next = sp  # getNextSqrtPriceFromAmount0RoundingUp short-cuts 0
                    else:
                        product = less_fee * sp
                        if product <= _MAX_UINT256 and numerator1 + product <= _MAX_UINT256:
                            sp_next = -(-numerator1 * sp // (numerator1 + product))
                        else:
                            sp_next = -(-numerator1 // (numerator1 // sp + less_fee))
                    fee_amount = -remaining - amount_in
                # getAmount1Delta(sp_next, sp, L, roundDown)
                amount_out = (liquidity * (sp - sp_next)) >> _Q96_BITS
            else:
                # getAmount1Delta(target, sp, L, roundDown)
                amount_out = (liquidity * (sp - target)) >> _Q96_BITS
                if remaining >= amount_out:
                    sp_next = target
                else:
                    amount_out = remaining
                    # getNextSqrtPriceFromAmount1RoundingDown(sp, L, out, add=false)
                    quotient = -(-(remaining << _Q96_BITS) // liquidity)
                    if sp <= quotient:
                        raise V4RevertError("NotEnoughLiquidity")
                    sp_next = sp - quotient
                # getAmount0Delta(sp_next, sp, L, roundUp)
                amount_in = -(-numerator1 * (sp - sp_next) // (sp * sp_next))
                fee_amount = -(-amount_in * fee // fee_complement)
        else:
            target = limit if sqrt_next > limit else sqrt_next
            if exact_input:
                less_fee = -remaining * fee_complement // MAX_SWAP_FEE
                # getAmount1Delta(sp, target, L, roundUp)
                amount_in = -(-liquidity * (target - sp) >> _Q96_BITS)
                if less_fee >= amount_in:
                    sp_next = target
                    fee_amount = (
                        amount_in if fee == MAX_SWAP_FEE else -(-amount_in * fee // fee_complement)
                    )
                else:
                    amount_in = less_fee
                    # getNextSqrtPriceFromAmount1RoundingDown(sp, L, less_fee, add=true)
                    quotient = (less_fee << _Q96_BITS) // liquidity
                    if quotient > _MAX_UINT256:
                        raise V4RevertError("FullMath.mulDiv: result overflows uint256")
                    sp_next = sp + quotient
                    if sp_next > _MAX_UINT160:
                        raise V4RevertError("SafeCastOverflow")
                    fee_amount = -remaining - amount_in
                # getAmount0Delta(sp, sp_next, L, roundDown)
                amount_out = numerator1 * (sp_next - sp) // (sp_next * sp)
            else:
                # getAmount0Delta(sp, target, L, roundDown)
                amount_out = numerator1 * (target - sp) // (target * sp)
                if remaining >= amount_out:
                    sp_next = target
                else:
                    amount_out = remaining
                    # getNextSqrtPriceFromAmount0RoundingUp(sp, L, out, add=false)
                    product = remaining * sp
                    if product > _MAX_UINT256 or numerator1 <= product:
                        raise V4RevertError("PriceOverflow")
                    sp_next = -(-numerator1 * sp // (numerator1 - product))
                    if sp_next > _MAX_UINT160:
                        raise V4RevertError("SafeCastOverflow")
                # getAmount1Delta(sp, sp_next, L, roundUp)
                amount_in = -(-liquidity * (sp_next - sp) >> _Q96_BITS)
                fee_amount = -(-amount_in * fee // fee_complement)

        # Pool.swap's bookkeeping of the step (the protocol fee's share of `fee_amount` and fee
        # growth change no amount, so they are left out).
        if exact_input:
            remaining += amount_in + fee_amount
            calculated += amount_out
        else:
            remaining -= amount_out
            calculated -= amount_in + fee_amount

        # Shift the tick if the step reached the next tick's price; cross it if initialized.
        if sp_next == sqrt_next:
            if initialized:
                net = liquidity_net[index]
                liquidity = liquidity - net if zero_for_one else liquidity + net
                if not 0 <= liquidity <= _MAX_UINT128:
                    raise V4RevertError("SafeCastOverflow")  # LiquidityMath.addDelta
                crossed += 1
            tick = tick_next - 1 if zero_for_one else tick_next
        elif sp_next != sp:
            tick = fast_tick_at_sqrt_ratio(sp_next)
        sp = sp_next

    if calculated < -_INT256_LIMIT:
        raise V4RevertError("SafeCastOverflow")
    specified_used = amount_specified - remaining
    if not (
        -_INT128_LIMIT <= calculated < _INT128_LIMIT
        and -_INT128_LIMIT <= specified_used < _INT128_LIMIT
    ):
        raise V4RevertError("SafeCastOverflow")
    # "if currency1 is specified": an exact output of token1 or an exact input of token1.
    if zero_for_one != exact_input:
        return calculated, specified_used, sp, tick, liquidity, crossed, steps
    return specified_used, calculated, sp, tick, liquidity, crossed, steps
