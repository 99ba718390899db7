"""v4's fee arithmetic: `ProtocolFeeLibrary.calculateSwapFee` and the per-direction packing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omniarb.dex.uniswap_v4 import calculate_swap_fee, swap_fee
from omniarb.dex.uniswap_v4.fees import directional_protocol_fee, is_valid_protocol_fee


@pytest.mark.parametrize(
    ("protocol_fee", "lp_fee", "expected"),
    [
        (0, 3000, 3000),
        (1000, 3000, 3997),  # 1000 + 3000 - floor(3e6 / 1e6)
        (1000, 0, 1000),
        (1000, 1_000_000, 1_000_000),  # capped at 100%
        (300, 500, 800),  # floor(150000 / 1e6) = 0
        (1000, 999_999, 999_999 + 1000 - 999),
    ],
)
def test_calculate_swap_fee(protocol_fee: int, lp_fee: int, expected: int) -> None:
    assert calculate_swap_fee(protocol_fee, lp_fee) == expected


@given(st.integers(0, 1000), st.integers(0, 1_000_000))
def test_swap_fee_never_exceeds_100_percent_nor_falls_below_either_part(p: int, lp: int) -> None:
    fee = calculate_swap_fee(p, lp)
    assert max(p, lp) <= fee <= 1_000_000


def test_direction_packing() -> None:
    packed = 300 | (1000 << 12)
    assert directional_protocol_fee(packed, True) == 300
    assert directional_protocol_fee(packed, False) == 1000
    assert swap_fee(packed, 3000, True) == calculate_swap_fee(300, 3000)
    assert swap_fee(50 << 12, 3000, True) == 3000  # no zero-for-one protocol fee
    assert is_valid_protocol_fee(packed)
    assert not is_valid_protocol_fee(1001)
    assert not is_valid_protocol_fee(1001 << 12)
