"""Algebra Integral's `PriceMovementMath` and `TokenDeltaMath`, line by line on Python integers.

`movePriceTowardsTarget` is one step of a swap within one tick range: the price a given amount
moves to (or the target, if it gets there), the input it takes, the output it pays and the fee.
Its arithmetic is Uniswap V3's `SwapMath.computeSwapStep` rearranged (fee on the input, input
rounded up, output down), but it is ported here from Algebra's own files
(`@cryptoalgebra/integral-core` 1.2.10, `contracts/libraries/PriceMovementMath.sol` and
`TokenDeltaMath.sol`) rather than shared, because their reverts and their argument order differ.
`omniarb.dex.algebra.swap` inlines these functions for speed; unit tests check that it equals a
loop built from these.
"""

from __future__ import annotations

from omniarb.dex.algebra.errors import AlgebraRevertError

__all__ = [
    "FEE_DENOMINATOR",
    "get_new_price",
    "get_token0_delta",
    "get_token1_delta",
    "move_price_towards_target",
]

FEE_DENOMINATOR = 1_000_000  # Constants.FEE_DENOMINATOR: fees are in hundredths of a bip
_RESOLUTION = 96
_Q96 = 1 << _RESOLUTION
_WORD = 1 << 256
_MAX_UINT160 = (1 << 160) - 1


def _mul_div(a: int, b: int, denominator: int) -> int:
    """`FullMath.mulDiv`: floor(a·b/d); reverts for d = 0 or a result beyond uint256."""
    if denominator == 0:
        raise AlgebraRevertError("FullMath.mulDiv: denominator is 0")
    result = a * b // denominator
    if result >= _WORD:
        raise AlgebraRevertError("FullMath.mulDiv: result overflows uint256")
    return result


def _mul_div_rounding_up(a: int, b: int, denominator: int) -> int:
    """`FullMath.mulDivRoundingUp`: ceil(a·b/d), reverting like `mulDiv`."""
    if denominator == 0:
        raise AlgebraRevertError("FullMath.mulDiv: denominator is 0")
    result = -(-a * b // denominator)
    if result >= _WORD:
        raise AlgebraRevertError("FullMath.mulDivRoundingUp: result overflows uint256")
    return result


def _unsafe_div_rounding_up(x: int, y: int) -> int:
    """`FullMath.unsafeDivRoundingUp`: ceil(x/y); the EVM's division by zero yields 0."""
    return 0 if y == 0 else -(-x // y)


def _to_uint160(value: int) -> int:
    if value > _MAX_UINT160:
        raise AlgebraRevertError("SafeCast.toUint160: overflow")
    return value


def get_token0_delta(price_lower: int, price_upper: int, liquidity: int, round_up: bool) -> int:
    """`TokenDeltaMath.getToken0Delta`: L/√lower − L/√upper, rounded as asked.

    Unlike V3's `getAmount0Delta` the prices are not sorted: a `price_lower` above
    `price_upper` (or 0) fails the contract's `require(priceDelta < priceUpper)`.
    """
    price_delta = (price_upper - price_lower) % _WORD  # unchecked subtraction
    if not price_delta < price_upper:
        raise AlgebraRevertError("TokenDeltaMath.getToken0Delta: priceDelta >= priceUpper")
    liquidity_shifted = liquidity << _RESOLUTION
    if round_up:
        return _unsafe_div_rounding_up(
            _mul_div_rounding_up(price_delta, liquidity_shifted, price_upper), price_lower
        )
    return _mul_div(price_delta, liquidity_shifted, price_upper) // price_lower


def get_token1_delta(price_lower: int, price_upper: int, liquidity: int, round_up: bool) -> int:
    """`TokenDeltaMath.getToken1Delta`: L·(√upper − √lower), rounded as asked."""
    if price_upper < price_lower:
        raise AlgebraRevertError("TokenDeltaMath.getToken1Delta: priceUpper < priceLower")
    price_delta = price_upper - price_lower
    if round_up:
        return _mul_div_rounding_up(price_delta, liquidity, _Q96)
    return _mul_div(price_delta, liquidity, _Q96)


def get_new_price(
    price: int, liquidity: int, amount: int, zero_to_one: bool, from_input: bool
) -> int:
    """`PriceMovementMath.getNewPrice`: the price after `amount` of input (or output).

    Token0 moves the price by L/√P (rounded up, so the pool never gives away price), token1 by
    amount/L (rounded down for an input, up for an output).
    """
    if price == 0:
        raise AlgebraRevertError("PriceMovementMath.getNewPrice: price is 0")
    if liquidity == 0:
        raise AlgebraRevertError("PriceMovementMath.getNewPrice: liquidity is 0")
    if amount == 0:
        return price
    if zero_to_one == from_input:
        liquidity_shifted = liquidity << _RESOLUTION
        product = amount * price
        if from_input:
            if product < _WORD:
                denominator = liquidity_shifted + product
                if denominator < _WORD:  # `denominator >= liquidityShifted`: no wrap
                    # Always fits 160 bits; the contract casts without a check.
                    return _mul_div_rounding_up(liquidity_shifted, price, denominator) % (1 << 160)
            divisor = liquidity_shifted // price + amount
            if divisor >= _WORD:
                raise AlgebraRevertError("LowGasSafeMath.add: overflow")
            return _unsafe_div_rounding_up(liquidity_shifted, divisor) % (1 << 160)
        if product >= _WORD:
            raise AlgebraRevertError("PriceMovementMath.getNewPrice: product overflows")
        if not liquidity_shifted > product:
            raise AlgebraRevertError("PriceMovementMath.getNewPrice: denominator underflows")
        return _to_uint160(
            _mul_div_rounding_up(liquidity_shifted, price, liquidity_shifted - product)
        )
    if from_input:
        if amount <= _MAX_UINT160:
            quotient = (amount << _RESOLUTION) // liquidity
        else:
            quotient = _mul_div(amount, _Q96, liquidity)
        total = price + quotient
        if total >= _WORD:
            raise AlgebraRevertError("LowGasSafeMath.add: overflow")
        return _to_uint160(total)
    if amount <= _MAX_UINT160:
        quotient = _unsafe_div_rounding_up(amount << _RESOLUTION, liquidity)
    else:
        quotient = _mul_div_rounding_up(amount, _Q96, liquidity)
    if not price > quotient:
        raise AlgebraRevertError("PriceMovementMath.getNewPrice: price <= quotient")
    return price - quotient


def _input_delta(zero_to_one: bool, to: int, start: int, liquidity: int) -> int:
    """`getInputTokenDelta01` / `getInputTokenDelta10`."""
    if zero_to_one:
        return get_token0_delta(to, start, liquidity, True)
    return get_token1_delta(start, to, liquidity, True)


def _output_delta(zero_to_one: bool, to: int, start: int, liquidity: int) -> int:
    """`getOutputTokenDelta01` / `getOutputTokenDelta10`."""
    if zero_to_one:
        return get_token1_delta(to, start, liquidity, False)
    return get_token0_delta(start, to, liquidity, False)


def move_price_towards_target(
    zero_to_one: bool,
    current_price: int,
    target_price: int,
    liquidity: int,
    amount_available: int,
    fee: int,
) -> tuple[int, int, int, int]:
    """`PriceMovementMath.movePriceTowardsTarget`: (result price, input, output, fee amount).

    `amount_available >= 0` is what remains of an exact input, `< 0` of an exact output. The fee
    (in hundredths of a bip) is taken from the input: on the way to a reached target it is the
    input's fee rounded up; when the target is not reached, all the rest of the amount.
    """
    if amount_available >= 0:
        after_fee = _mul_div(amount_available, FEE_DENOMINATOR - fee, FEE_DENOMINATOR)
        amount_in = _input_delta(zero_to_one, target_price, current_price, liquidity)
        if after_fee >= amount_in:
            result_price = target_price
            fee_amount = _mul_div_rounding_up(amount_in, fee, FEE_DENOMINATOR - fee)
        else:
            result_price = get_new_price(current_price, liquidity, after_fee, zero_to_one, True)
            if target_price == result_price:
                raise AlgebraRevertError("PriceMovementMath: assert(targetPrice != resultPrice)")
            amount_in = _input_delta(zero_to_one, result_price, current_price, liquidity)
            # The target was not reached: the rest of the amount is the fee.
            fee_amount = amount_available - amount_in
        amount_out = _output_delta(zero_to_one, result_price, current_price, liquidity)
        return result_price, amount_in, amount_out, fee_amount

    amount_out = _output_delta(zero_to_one, target_price, current_price, liquidity)
    wanted = -amount_available
    if wanted >= amount_out:
        result_price = target_price
    else:
        result_price = get_new_price(current_price, liquidity, wanted, zero_to_one, False)
        if target_price != result_price:
            amount_out = _output_delta(zero_to_one, result_price, current_price, liquidity)
        # Never pay more than what remains to be bought.
        amount_out = min(amount_out, wanted)
    amount_in = _input_delta(zero_to_one, result_price, current_price, liquidity)
    fee_amount = _mul_div_rounding_up(amount_in, fee, FEE_DENOMINATOR - fee)
    return result_price, amount_in, amount_out, fee_amount
