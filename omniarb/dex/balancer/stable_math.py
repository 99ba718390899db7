"""v2-pool-stable `StableMath.sol`: the StableSwap invariant and swap formulas of a stable
pool, on upscaled (18-decimal) balances, with the library's rounding and iteration limits.

The amplification parameter is the pool's `getAmplificationParameter()` value, which carries
`AMP_PRECISION` (1e3): A = 200 is passed as 200_000. Where the Solidity multiplies without
`Math.mul` (Solidity 0.7: unchecked), the product is taken modulo 2**256 as the EVM would.
"""

from __future__ import annotations

from collections.abc import Sequence

from omniarb.dex.balancer.errors import (
    STABLE_GET_BALANCE_DIDNT_CONVERGE,
    STABLE_INVARIANT_DIDNT_CONVERGE,
    BalancerRevertError,
)
from omniarb.dex.balancer.fixed_point import (
    add,
    math_div_down,
    math_div_up,
    math_mul,
    sub,
)

__all__ = [
    "AMP_PRECISION",
    "MAX_AMP",
    "MIN_AMP",
    "calc_in_given_out",
    "calc_out_given_in",
    "calculate_invariant",
    "get_token_balance_given_invariant_and_all_other_balances",
]

MIN_AMP = 1
MAX_AMP = 5000
AMP_PRECISION = 1000
_WORD = (1 << 256) - 1
_ITERATIONS = 255


def calculate_invariant(amplification_parameter: int, balances: Sequence[int]) -> int:
    """`StableMath._calculateInvariant`: D by Newton's method from D = Σ balances, until two
    iterates differ by at most 1 (rounded down at each step; BAL#321 after 255 iterations)."""
    total = 0
    for balance in balances:
        total = add(total, balance)
    if total == 0:
        return 0
    num_tokens = len(balances)
    invariant = total
    amp_times_total = (amplification_parameter * num_tokens) & _WORD
    amp_sum = math_div_down(math_mul(amp_times_total, total), AMP_PRECISION)
    amp_less_one = (amp_times_total - AMP_PRECISION) & _WORD
    for _ in range(_ITERATIONS):
        d_p = invariant
        for balance in balances:
            d_p = math_div_down(math_mul(d_p, invariant), math_mul(balance, num_tokens))
        previous = invariant
        invariant = math_div_down(
            math_mul(add(amp_sum, math_mul(d_p, num_tokens)), invariant),
            add(
                math_div_down(math_mul(amp_less_one, invariant), AMP_PRECISION),
                math_mul(num_tokens + 1, d_p),
            ),
        )
        if invariant > previous:
            if invariant - previous <= 1:
                return invariant
        elif previous - invariant <= 1:
            return invariant
    raise BalancerRevertError(STABLE_INVARIANT_DIDNT_CONVERGE)


def calc_out_given_in(
    amplification_parameter: int,
    balances: Sequence[int],
    index_in: int,
    index_out: int,
    amount_in: int,
    invariant: int,
) -> int:
    """`StableMath._calcOutGivenIn`: the out balance that keeps `invariant` after the input
    arrives, subtracted from the balance, less 1 (rounding in the pool's favour)."""
    new_balances = list(balances)
    new_balances[index_in] = add(new_balances[index_in], amount_in)
    final_balance_out = get_token_balance_given_invariant_and_all_other_balances(
        amplification_parameter, new_balances, invariant, index_out
    )
    return sub(sub(balances[index_out], final_balance_out), 1)


def calc_in_given_out(
    amplification_parameter: int,
    balances: Sequence[int],
    index_in: int,
    index_out: int,
    amount_out: int,
    invariant: int,
) -> int:
    """`StableMath._calcInGivenOut`: the in balance that keeps `invariant` after the output
    leaves, less the balance, plus 1."""
    new_balances = list(balances)
    new_balances[index_out] = sub(new_balances[index_out], amount_out)
    final_balance_in = get_token_balance_given_invariant_and_all_other_balances(
        amplification_parameter, new_balances, invariant, index_in
    )
    return add(sub(final_balance_in, balances[index_in]), 1)


def get_token_balance_given_invariant_and_all_other_balances(
    amplification_parameter: int, balances: Sequence[int], invariant: int, token_index: int
) -> int:
    """`StableMath._getTokenBalanceGivenInvariantAndAllOtherBalances`: the balance of
    `token_index` that gives `invariant` with the others, by Newton's method on
    y² + (b - D)·y = c, rounded up (BAL#322 after 255 iterations)."""
    num_tokens = len(balances)
    amp_times_total = (amplification_parameter * num_tokens) & _WORD
    total = balances[0]
    p_d = (balances[0] * num_tokens) & _WORD
    for balance in balances[1:]:
        p_d = math_div_down(math_mul(math_mul(p_d, balance), num_tokens), invariant)
        total = add(total, balance)
    total -= balances[token_index]
    inv2 = math_mul(invariant, invariant)
    c = math_mul(
        math_mul(math_div_up(inv2, math_mul(amp_times_total, p_d)), AMP_PRECISION),
        balances[token_index],
    )
    b = add(total, math_mul(math_div_down(invariant, amp_times_total), AMP_PRECISION))
    token_balance = math_div_up(add(inv2, c), add(invariant, b))
    for _ in range(_ITERATIONS):
        previous = token_balance
        token_balance = math_div_up(
            add(math_mul(token_balance, token_balance), c),
            sub(add(math_mul(token_balance, 2), b), invariant),
        )
        if token_balance > previous:
            if token_balance - previous <= 1:
                return token_balance
        elif previous - token_balance <= 1:
            return token_balance
    raise BalancerRevertError(STABLE_GET_BALANCE_DIDNT_CONVERGE)
