"""Each lender's fee as its contract charges it, checked against the contract's own rule
written as a condition (the least repayment it accepts), not against the same formula."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from omniarb.allocate import flash_fee
from omniarb.dex.algebra import FLASH_FEE_PIPS
from omniarb.types import FlashLoan

amounts = st.integers(min_value=1, max_value=2**128 - 1)


@given(amounts, st.sampled_from([1_000, 2_500, 3_000, 10_000]))
def test_a_v2_pair_loan_costs_the_least_repayment_its_k_check_accepts(
    amount: int, fee_pips: int
) -> None:
    # UniswapV2Pair.swap, lending `amount` of one token and repaid `r` of the same token: the
    # other reserve is untouched, so K holds iff (R − amount + r)·10^6 − r·fee ≥ R·10^6,
    # i.e. r·(10^6 − fee) ≥ amount·10^6.
    repay = amount + flash_fee(FlashLoan.V2_PAIR, fee_pips, amount)
    assert repay * (1_000_000 - fee_pips) >= amount * 1_000_000
    assert (repay - 1) * (1_000_000 - fee_pips) < amount * 1_000_000


@given(amounts, st.sampled_from([100, 500, 3_000, 10_000]))
def test_a_v3_flash_costs_the_pool_fee_rounded_up(amount: int, fee_pips: int) -> None:
    fee = flash_fee(FlashLoan.V3_POOL, fee_pips, amount)
    # FullMath.mulDivRoundingUp(amount, fee, 1e6): the least f with f·10^6 ≥ amount·fee.
    assert fee * 1_000_000 >= amount * fee_pips
    assert (fee - 1) * 1_000_000 < amount * fee_pips


@given(amounts)
def test_aave_rounds_its_premium_half_up(amount: int) -> None:
    fee = flash_fee(FlashLoan.AAVE_V3, 500, amount)  # 5 bps
    exact_times_2 = 2 * amount * 5  # twice the premium in units of 1/10^4
    # percentMul: the nearest integer to amount·5/10^4, a half rounded up.
    assert 2 * fee * 10_000 - exact_times_2 <= 10_000
    assert exact_times_2 - 2 * fee * 10_000 < 10_000


def test_aave_rounding_at_the_half() -> None:
    assert flash_fee(FlashLoan.AAVE_V3, 500, 1_000) == 1  # 0.5 rounds up
    assert flash_fee(FlashLoan.AAVE_V3, 500, 999) == 0  # 0.4995 rounds down
    assert flash_fee(FlashLoan.AAVE_V3, 500, 10**18) == 5 * 10**14


def test_balancer_charges_nothing_as_deployed() -> None:
    assert flash_fee(FlashLoan.BALANCER_V2, 0, 10**24) == 0
    assert flash_fee(FlashLoan.BALANCER_V2, 1, 1) == 1  # mulUp: any positive fee rounds up


@given(amounts)
def test_an_algebra_flash_costs_the_protocol_s_flash_fee_rounded_up(amount: int) -> None:
    # AlgebraPool.flash: FullMath.mulDivRoundingUp(amount, Constants.FLASH_FEE, 1e6), 0.01%
    # whatever the pool's swap fee (the lender book gives Algebra lenders FLASH_FEE_PIPS).
    assert FLASH_FEE_PIPS == 100
    fee = flash_fee(FlashLoan.ALGEBRA_POOL, FLASH_FEE_PIPS, amount)
    assert fee * 1_000_000 >= amount * 100
    assert (fee - 1) * 1_000_000 < amount * 100
