"""Uniswap V2 swap math in integers, mirroring `UniswapV2Library` (v2-periphery).

The library hard-codes a 0.3% fee (`amountIn * 997 / 1000`); forks charge other fees, so the fee
is a parameter in basis points. With `fee_bps=30` the results equal the library's exactly: the
factor 9970/10000 is 997/1000 with numerator and denominator both scaled by ten.
"""

from __future__ import annotations

from omniarb.errors import RevertError

__all__ = [
    "InsufficientInputError",
    "InsufficientLiquidityError",
    "get_amount_in",
    "get_amount_out",
]

_BPS = 10_000


class InsufficientInputError(RevertError):
    """`UniswapV2Library: INSUFFICIENT_INPUT_AMOUNT` / `INSUFFICIENT_OUTPUT_AMOUNT`."""


class InsufficientLiquidityError(RevertError):
    """`UniswapV2Library: INSUFFICIENT_LIQUIDITY`."""


def get_amount_out(amount_in: int, reserve_in: int, reserve_out: int, fee_bps: int = 30) -> int:
    """`UniswapV2Library.getAmountOut`: the output of an exact-input swap, rounded down."""
    if amount_in <= 0:
        raise InsufficientInputError("UniswapV2Library: INSUFFICIENT_INPUT_AMOUNT")
    if reserve_in <= 0 or reserve_out <= 0:
        raise InsufficientLiquidityError("UniswapV2Library: INSUFFICIENT_LIQUIDITY")
    amount_in_with_fee = amount_in * (_BPS - fee_bps)
    return (amount_in_with_fee * reserve_out) // (reserve_in * _BPS + amount_in_with_fee)


def get_amount_in(amount_out: int, reserve_in: int, reserve_out: int, fee_bps: int = 30) -> int:
    """`UniswapV2Library.getAmountIn`: the input an exact-output swap needs, rounded up."""
    if amount_out <= 0:
        raise InsufficientInputError("UniswapV2Library: INSUFFICIENT_OUTPUT_AMOUNT")
    if reserve_in <= 0 or reserve_out <= 0 or amount_out >= reserve_out:
        raise InsufficientLiquidityError("UniswapV2Library: INSUFFICIENT_LIQUIDITY")
    numerator = reserve_in * amount_out * _BPS
    denominator = (reserve_out - amount_out) * (_BPS - fee_bps)
    return numerator // denominator + 1
