"""The fees of a successor at a stuck nonce: at least the nodes' replacement minimum above the
last bid (geth: +10% on both fee cap and tip; anvil: a strictly higher fee cap), never below
what a new transaction would bid now, and never above the cap."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omniarb.chains.fees import Eip1559Fees, LegacyFees
from omniarb.execute.replace_policy import (
    ReplacementPolicy,
    bumped_fees,
    default_replace_after_blocks,
)

GWEI = 10**9
CAP = 10**15
wei = st.integers(min_value=0, max_value=10**13)


def test_a_bump_is_ten_percent_on_both_fields_rounded_up() -> None:
    old = Eip1559Fees(max_fee_per_gas_wei=21 * GWEI + 1, max_priority_fee_per_gas_wei=3)
    now = Eip1559Fees(max_fee_per_gas_wei=GWEI, max_priority_fee_per_gas_wei=1)
    assert bumped_fees(old, now, bump_percent=10, cap_wei=CAP) == Eip1559Fees(
        # 23.1 gwei + 1.1 wei, rounded up; a 3-wei tip gets one wei more at least (3.3 -> 4).
        max_fee_per_gas_wei=23_100_000_002,
        max_priority_fee_per_gas_wei=4,
    )


def test_the_latest_base_fee_wins_when_it_asks_more() -> None:
    old = Eip1559Fees(max_fee_per_gas_wei=3 * GWEI, max_priority_fee_per_gas_wei=GWEI)
    now = Eip1559Fees(max_fee_per_gas_wei=121 * GWEI, max_priority_fee_per_gas_wei=GWEI)
    assert bumped_fees(old, now, bump_percent=10, cap_wei=CAP) == Eip1559Fees(
        max_fee_per_gas_wei=121 * GWEI, max_priority_fee_per_gas_wei=1_100_000_000
    )


def test_legacy_gas_price_is_bumped_and_capped() -> None:
    old = LegacyFees(gas_price_wei=5 * GWEI, tip_wei=GWEI)
    now = LegacyFees(gas_price_wei=4 * GWEI, tip_wei=GWEI)
    assert bumped_fees(old, now, bump_percent=10, cap_wei=CAP) == LegacyFees(
        gas_price_wei=5_500_000_000, tip_wei=GWEI
    )
    assert bumped_fees(old, now, bump_percent=10, cap_wei=5_499_999_999) is None


def test_a_successor_above_the_cap_is_not_sent() -> None:
    old = Eip1559Fees(max_fee_per_gas_wei=100 * GWEI, max_priority_fee_per_gas_wei=GWEI)
    assert bumped_fees(old, old, bump_percent=10, cap_wei=110 * GWEI - 1) is None
    assert bumped_fees(old, old, bump_percent=10, cap_wei=110 * GWEI) is not None


@given(cap=wei, tip=wei, now_cap=wei, now_tip=wei, percent=st.integers(10, 200))
def test_every_successor_meets_geth_and_anvil(
    cap: int, tip: int, now_cap: int, now_tip: int, percent: int
) -> None:
    old = Eip1559Fees(max_fee_per_gas_wei=max(cap, tip), max_priority_fee_per_gas_wei=tip)
    now = Eip1559Fees(
        max_fee_per_gas_wei=max(now_cap, now_tip), max_priority_fee_per_gas_wei=now_tip
    )
    new = bumped_fees(old, now, bump_percent=percent, cap_wei=CAP)
    assert isinstance(new, Eip1559Fees)
    # geth's txpool.pricebump rule, on both fields, and anvil's strictly-higher fee cap.
    assert new.max_fee_per_gas_wei * 100 >= old.max_fee_per_gas_wei * (100 + percent)
    assert new.max_priority_fee_per_gas_wei * 100 >= old.max_priority_fee_per_gas_wei * (
        100 + percent
    )
    assert new.max_fee_per_gas_wei > old.max_fee_per_gas_wei
    assert new.max_priority_fee_per_gas_wei > old.max_priority_fee_per_gas_wei
    # Never below a fresh bid, and a valid transaction (tip within the fee cap).
    assert new.max_fee_per_gas_wei >= now.max_fee_per_gas_wei
    assert new.max_priority_fee_per_gas_wei >= now.max_priority_fee_per_gas_wei
    assert new.max_priority_fee_per_gas_wei <= new.max_fee_per_gas_wei


@pytest.mark.parametrize(
    ("block_time_s", "blocks"),
    [(12.0, 3), (2.0, 18), (0.75, 48), (0.25, 120), (60.0, 2)],
)
def test_stuck_after_about_36_seconds_of_blocks(block_time_s: float, blocks: int) -> None:
    assert default_replace_after_blocks(block_time_s) == blocks


def test_a_policy_below_the_nodes_minimum_bump_is_refused() -> None:
    with pytest.raises(ValueError, match="fee_bump_percent must be >= 10"):
        ReplacementPolicy(fee_bump_percent=5)
    with pytest.raises(ValueError, match="replace_after_blocks must be >= 1"):
        ReplacementPolicy(replace_after_blocks=0)
