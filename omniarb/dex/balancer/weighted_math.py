"""v2-pool-weighted `WeightedMath.sol`: the swap formulas of a weighted pool, on upscaled
(18-decimal) balances and amounts, with the library's rounding and its swap-size limits."""

from __future__ import annotations

from collections.abc import Sequence

from omniarb.dex.balancer.errors import MAX_IN_RATIO, MAX_OUT_RATIO, BalancerRevertError
from omniarb.dex.balancer.fixed_point import (
    ONE,
    add,
    complement,
    div_down,
    div_up,
    mul_down,
    mul_up,
    pow_down,
    pow_up,
    sub,
)

__all__ = [
    "MAX_IN_RATIO_FP",
    "MAX_OUT_RATIO_FP",
    "calc_in_given_out",
    "calc_out_given_in",
    "calculate_invariant",
]

# WeightedMath._MAX_IN_RATIO / _MAX_OUT_RATIO: a swap may take in or pay out at most 30% of
# the balance (limits of the power function's precision).
MAX_IN_RATIO_FP = 3 * 10**17
MAX_OUT_RATIO_FP = 3 * 10**17


def calculate_invariant(normalized_weights: Sequence[int], balances: Sequence[int]) -> int:
    """`WeightedMath._calculateInvariant`: ∏ balance_i^weight_i, rounded down (BAL#311 if 0)."""
    invariant = ONE
    for weight, balance in zip(normalized_weights, balances, strict=True):
        invariant = mul_down(invariant, pow_down(balance, weight))
    if invariant == 0:
        raise BalancerRevertError(311)
    return invariant


def calc_out_given_in(
    balance_in: int, weight_in: int, balance_out: int, weight_out: int, amount_in: int
) -> int:
    """`WeightedMath._calcOutGivenIn`: bO·(1 - (bI/(bI + aI))^(wI/wO)), rounded down overall
    (the base and the power round up, the exponent down). BAL#304 when aI > 30% of bI."""
    if amount_in > mul_down(balance_in, MAX_IN_RATIO_FP):
        raise BalancerRevertError(MAX_IN_RATIO)
    denominator = add(balance_in, amount_in)
    base = div_up(balance_in, denominator)
    exponent = div_down(weight_in, weight_out)
    power = pow_up(base, exponent)
    return mul_down(balance_out, complement(power))


def calc_in_given_out(
    balance_in: int, weight_in: int, balance_out: int, weight_out: int, amount_out: int
) -> int:
    """`WeightedMath._calcInGivenOut`: bI·((bO/(bO - aO))^(wO/wI) - 1), rounded up overall.
    BAL#305 when aO > 30% of bO."""
    if amount_out > mul_down(balance_out, MAX_OUT_RATIO_FP):
        raise BalancerRevertError(MAX_OUT_RATIO)
    base = div_up(balance_out, sub(balance_out, amount_out))
    exponent = div_up(weight_out, weight_in)
    power = pow_up(base, exponent)
    ratio = sub(power, ONE)
    return mul_up(balance_in, ratio)
