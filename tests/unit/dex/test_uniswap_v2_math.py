"""Properties of the Uniswap V2 integer math, checked against the pair's own invariant.

`UniswapV2Pair.swap` accepts an output iff the fee-adjusted balances keep the product:
(1000·balance_in − 3·amount_in) · 1000·balance_out ≥ reserve_in · reserve_out · 1000². With
balance_in = r_in + a and balance_out = r_out − out, and any fee, that is
(10000·r_in + (10000 − fee_bps)·a) · (r_out − out) ≥ 10000 · r_in · r_out. `get_amount_out` must be
the largest `out` passing it; `get_amount_in` an input that buys a given output.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omniarb.dex.uniswap_v2.math import (
    InsufficientInputError,
    InsufficientLiquidityError,
    get_amount_in,
    get_amount_out,
)
from omniarb.errors import RevertError

UINT112 = 2**112 - 1
reserves = st.integers(min_value=1, max_value=UINT112)
amounts = st.integers(min_value=1, max_value=2**120)
fees = st.sampled_from([0, 1, 5, 20, 25, 30, 100, 1000])


def pair_accepts(amount_in: int, out: int, r_in: int, r_out: int, fee_bps: int) -> bool:
    """The K check of UniswapV2Pair.swap (0.3% written as 997/1000 there), for any fee."""
    if out >= r_out:
        return False
    return (10_000 * r_in + (10_000 - fee_bps) * amount_in) * (r_out - out) >= (
        10_000 * r_in * r_out
    )


@settings(max_examples=400, deadline=None)
@given(amount_in=amounts, r_in=reserves, r_out=reserves, fee_bps=fees)
def test_amount_out_is_the_largest_output_the_pair_accepts(
    amount_in: int, r_in: int, r_out: int, fee_bps: int
) -> None:
    out = get_amount_out(amount_in, r_in, r_out, fee_bps)
    assert 0 <= out < r_out
    assert pair_accepts(amount_in, out, r_in, r_out, fee_bps)
    assert not pair_accepts(amount_in, out + 1, r_in, r_out, fee_bps)


@settings(max_examples=300, deadline=None)
@given(amount_in=amounts, r_in=reserves, r_out=reserves)
def test_thirty_bps_equals_the_library_formula(amount_in: int, r_in: int, r_out: int) -> None:
    with_fee = amount_in * 997
    assert get_amount_out(amount_in, r_in, r_out, 30) == (with_fee * r_out) // (
        r_in * 1000 + with_fee
    )
    assert get_amount_out(amount_in, r_in, r_out) == get_amount_out(amount_in, r_in, r_out, 30)


@settings(max_examples=300, deadline=None)
@given(
    a=amounts,
    b=amounts,
    r_in=reserves,
    r_out=reserves,
    extra=st.integers(min_value=0, max_value=2**100),
    fee_bps=fees,
)
def test_monotonic_in_amount_and_reserves(
    a: int, b: int, r_in: int, r_out: int, extra: int, fee_bps: int
) -> None:
    low, high = sorted((a, b))
    assert get_amount_out(low, r_in, r_out, fee_bps) <= get_amount_out(high, r_in, r_out, fee_bps)
    base = get_amount_out(low, r_in, r_out, fee_bps)
    assert get_amount_out(low, r_in, r_out + extra, fee_bps) >= base
    assert get_amount_out(low, r_in + extra, r_out, fee_bps) <= base
    # A higher fee never pays more.
    assert get_amount_out(low, r_in, r_out, min(fee_bps + 5, 10_000)) <= base


@settings(max_examples=400, deadline=None)
@given(r_in=reserves, r_out=st.integers(min_value=2, max_value=UINT112), data=st.data())
def test_amount_in_round_trip(r_in: int, r_out: int, data: st.DataObject) -> None:
    fee_bps = data.draw(fees)
    wanted = data.draw(st.integers(min_value=1, max_value=r_out - 1))
    needed = get_amount_in(wanted, r_in, r_out, fee_bps)
    assert get_amount_out(needed, r_in, r_out, fee_bps) >= wanted
    # getAmountIn rounds up by adding one, so it can overshoot by one but never by two.
    if needed > 2:
        assert get_amount_out(needed - 2, r_in, r_out, fee_bps) < wanted


def test_published_vectors() -> None:
    """v2-periphery test/UniswapV2Library.spec.ts: getAmountOut and getAmountIn."""
    assert get_amount_out(2, 100, 100) == 1
    assert get_amount_in(1, 100, 100) == 2
    # The router's classic example: 1 token into a 5/10 pool at 0.3%.
    assert get_amount_out(10**18, 5 * 10**18, 10 * 10**18) == 1662497915624478906


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: get_amount_out(0, 1, 1), InsufficientInputError),
        (lambda: get_amount_out(1, 0, 1), InsufficientLiquidityError),
        (lambda: get_amount_out(1, 1, 0), InsufficientLiquidityError),
        (lambda: get_amount_in(0, 1, 1), InsufficientInputError),
        (lambda: get_amount_in(5, 10, 5), InsufficientLiquidityError),
        (lambda: get_amount_in(1, 0, 5), InsufficientLiquidityError),
    ],
)
def test_reverts_where_the_library_reverts(call, error) -> None:
    with pytest.raises(error):
        call()
    assert issubclass(error, RevertError)
