"""Fees from the base fee: EIP-1559 caps at twice the base fee plus the tip; legacy adds the tip."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omniarb.chains.fees import (
    Eip1559Fees,
    LegacyFees,
    effective_gas_price_wei,
    eip1559_fees,
    fees_for,
    legacy_fees,
)
from omniarb.chains.spec import FeeModel

GWEI = 10**9
wei = st.integers(min_value=0, max_value=10**30)


def test_eip1559_doubles_the_base_fee_and_adds_the_tip() -> None:
    fees = eip1559_fees(base_fee_wei=30 * GWEI, tip_wei=2 * GWEI)
    assert fees == Eip1559Fees(max_fee_per_gas_wei=62 * GWEI, max_priority_fee_per_gas_wei=2 * GWEI)
    assert (fees.fee_cap_wei, fees.tip_wei) == (62 * GWEI, 2 * GWEI)


def test_legacy_adds_the_tip_to_the_base_price() -> None:
    fees = legacy_fees(base_price_wei=3 * GWEI, tip_wei=GWEI)
    assert fees == LegacyFees(gas_price_wei=4 * GWEI, tip_wei=GWEI)
    assert fees.fee_cap_wei == 4 * GWEI


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (FeeModel.EIP1559, Eip1559Fees(max_fee_per_gas_wei=21, max_priority_fee_per_gas_wei=1)),
        (FeeModel.L2_EIP1559, Eip1559Fees(max_fee_per_gas_wei=21, max_priority_fee_per_gas_wei=1)),
        (FeeModel.LEGACY, LegacyFees(gas_price_wei=11, tip_wei=1)),
    ],
)
def test_fee_model_picks_the_transaction_type(model: FeeModel, expected: object) -> None:
    assert fees_for(model, base_fee_wei=10, tip_wei=1) == expected


@given(base_fee_wei=wei, tip_wei=wei, next_base_fee_wei=wei)
def test_eip1559_pays_at_most_base_plus_tip(
    base_fee_wei: int, tip_wei: int, next_base_fee_wei: int
) -> None:
    fees = eip1559_fees(base_fee_wei=base_fee_wei, tip_wei=tip_wei)
    paid = effective_gas_price_wei(fees, base_fee_wei=next_base_fee_wei)
    assert paid <= fees.max_fee_per_gas_wei
    assert paid <= next_base_fee_wei + tip_wei
    if next_base_fee_wei <= 2 * base_fee_wei:  # still includable: the whole tip is paid
        assert paid == next_base_fee_wei + tip_wei


def test_doubling_survives_five_full_blocks() -> None:
    """Each full block raises the base fee by 1/8 (EIP-1559); the cap covers five of them."""
    base_fee_wei = 100 * GWEI
    fees = eip1559_fees(base_fee_wei=base_fee_wei, tip_wei=GWEI)
    later_wei = base_fee_wei
    for _ in range(5):
        later_wei += later_wei // 8
    assert later_wei + fees.tip_wei <= fees.max_fee_per_gas_wei


def test_legacy_pays_its_gas_price_whatever_the_base_fee() -> None:
    fees = legacy_fees(base_price_wei=5, tip_wei=2)
    assert effective_gas_price_wei(fees, base_fee_wei=1) == 7


@pytest.mark.parametrize(
    "make",
    [
        lambda: eip1559_fees(base_fee_wei=-1, tip_wei=0),
        lambda: eip1559_fees(base_fee_wei=0, tip_wei=-1),
        lambda: legacy_fees(base_price_wei=-1, tip_wei=0),
        lambda: fees_for(FeeModel.LEGACY, base_fee_wei=1, tip_wei=-5),
    ],
)
def test_negative_amounts_are_refused(make: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match=">= 0"):
        make()
