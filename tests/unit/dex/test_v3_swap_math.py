"""`SwapMath.computeSwapStep` against the cases of v3-core's SwapMath.spec, and the invariants
its echidna test fuzzes."""

from __future__ import annotations

from _v3_vectors import encode_price_sqrt, expand_to_18_decimals
from hypothesis import given, settings
from hypothesis import strategies as st

from omniarb.dex.uniswap_v3.errors import V3RevertError
from omniarb.dex.uniswap_v3.sqrt_price_math import (
    get_next_sqrt_price_from_input,
    get_next_sqrt_price_from_output,
)
from omniarb.dex.uniswap_v3.swap_math import compute_swap_step

PRICE_1 = encode_price_sqrt(1, 1)
TWO = expand_to_18_decimals(2)
ONE = expand_to_18_decimals(1)


def test_exact_in_capped_at_the_price_target_one_for_zero() -> None:
    target = encode_price_sqrt(101, 100)
    sqrt_q, amount_in, amount_out, fee = compute_swap_step(PRICE_1, target, TWO, ONE, 600)
    assert (amount_in, fee, amount_out) == (9975124224178055, 5988667735148, 9925619580021728)
    assert amount_in + fee < ONE
    assert sqrt_q == target
    assert sqrt_q < get_next_sqrt_price_from_input(PRICE_1, TWO, ONE, False)


def test_exact_out_capped_at_the_price_target_one_for_zero() -> None:
    target = encode_price_sqrt(101, 100)
    sqrt_q, amount_in, amount_out, fee = compute_swap_step(PRICE_1, target, TWO, -ONE, 600)
    assert (amount_in, fee, amount_out) == (9975124224178055, 5988667735148, 9925619580021728)
    assert amount_out < ONE
    assert sqrt_q == target
    assert sqrt_q < get_next_sqrt_price_from_output(PRICE_1, TWO, ONE, False)


def test_exact_in_fully_spent_one_for_zero() -> None:
    target = encode_price_sqrt(1000, 100)
    sqrt_q, amount_in, amount_out, fee = compute_swap_step(PRICE_1, target, TWO, ONE, 600)
    assert (amount_in, fee, amount_out) == (999400000000000000, 600000000000000, 666399946655997866)
    assert amount_in + fee == ONE
    assert sqrt_q < target
    assert sqrt_q == get_next_sqrt_price_from_input(PRICE_1, TWO, ONE - fee, False)


def test_exact_out_fully_received_one_for_zero() -> None:
    target = encode_price_sqrt(10000, 100)
    sqrt_q, amount_in, amount_out, fee = compute_swap_step(PRICE_1, target, TWO, -ONE, 600)
    assert (amount_in, fee, amount_out) == (2000000000000000000, 1200720432259356, ONE)
    assert sqrt_q < target
    assert sqrt_q == get_next_sqrt_price_from_output(PRICE_1, TWO, ONE, False)


def test_amount_out_is_capped_at_the_desired_amount_out() -> None:
    assert compute_swap_step(
        417332158212080721273783715441582,
        1452870262520218020823638996,
        159344665391607089467575320103,
        -1,
        1,
    ) == (417332158212080721273783715441581, 1, 1, 1)


def test_target_price_of_one_uses_partial_input() -> None:
    amount = 3915081100057732413702495386755767
    sqrt_q, amount_in, amount_out, fee = compute_swap_step(2, 1, 1, amount, 1)
    assert (amount_in, fee, amount_out, sqrt_q) == (
        39614081257132168796771975168,
        39614120871253040049813,
        0,
        1,
    )
    assert amount_in + fee <= amount


def test_entire_input_taken_as_fee() -> None:
    assert compute_swap_step(
        2413, 79887613182836312, 1985041575832132834610021537970, 10, 1872
    ) == (2413, 0, 0, 10)


def test_intermediate_insufficient_liquidity_exact_output() -> None:
    sqrt_p = 20282409603651670423947251286016
    up = sqrt_p * 11 // 10
    assert compute_swap_step(sqrt_p, up, 1024, -4, 3000) == (up, 26215, 0, 79)
    down = sqrt_p * 9 // 10
    assert compute_swap_step(sqrt_p, down, 1024, -263000, 3000) == (down, 1, 26214, 1)


@settings(max_examples=1000, deadline=None)
@given(
    price=st.integers(min_value=1, max_value=2**160 - 1),
    target=st.integers(min_value=1, max_value=2**160 - 1),
    liquidity=st.integers(min_value=0, max_value=2**128 - 1),
    amount_remaining=st.integers(min_value=-(2**255) + 1, max_value=2**255 - 1),
    fee_pips=st.integers(min_value=1, max_value=999_999),
)
def test_step_invariants(price, target, liquidity, amount_remaining, fee_pips) -> None:
    """v3-core's SwapMathEchidnaTest.checkComputeSwapStepInvariants."""
    try:
        sqrt_q, amount_in, amount_out, fee = compute_swap_step(
            price, target, liquidity, amount_remaining, fee_pips
        )
    except V3RevertError:
        return
    if amount_remaining < 0:
        assert amount_out <= -amount_remaining
    else:
        assert amount_in + fee <= amount_remaining
    if price == target:
        assert (sqrt_q, amount_in, amount_out, fee) == (target, 0, 0, 0)
    if sqrt_q != target:
        # The target was not reached: the whole amount was used.
        if amount_remaining < 0:
            assert amount_out == -amount_remaining
        else:
            assert amount_in + fee == amount_remaining
    assert min(price, target) <= sqrt_q <= max(price, target)
