"""The lens codec: bulk EIP-55 checksums, and decoding of the packed pages the lenses return.

The pages here are built byte by byte from the layout documented in V2PairsLens.sol; the
integration tests check the same decoder against the contracts on anvil.
"""

from __future__ import annotations

import pytest
from eth_utils.address import to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st

from omniarb.dex.uniswap_v2.lens import (
    MAX_PAIRS_PER_CALL,
    MAX_RESERVES_PER_CALL,
    V2Lens,
    checksum_addresses,
)

LENS = V2Lens(pairs_code="0x6000", reserves_code="0x6001")
UINT112_MAX = 2**112 - 1


def word(value: int) -> bytes:
    return value.to_bytes(32, "big")


def pair_record(pair: bytes, token0: bytes, token1: bytes, r0: int, r1: int) -> bytes:
    return pair + token0 + token1 + r0.to_bytes(14, "big") + r1.to_bytes(14, "big")


@settings(max_examples=100)
@given(st.lists(st.binary(min_size=20, max_size=20), min_size=1, max_size=40))
def test_checksums_equal_eth_utils(addresses: list[bytes]) -> None:
    assert checksum_addresses(addresses) == [to_checksum_address(a) for a in addresses]


def test_checksum_of_nothing_is_nothing() -> None:
    assert checksum_addresses([]) == []


def test_page_limits_follow_the_code_size_limit() -> None:
    # EIP-170: 24,576 bytes of returned code; headers 96 and 32 bytes, records 88 and 28 bytes.
    assert MAX_PAIRS_PER_CALL == 278
    assert MAX_RESERVES_PER_CALL == 876
    assert 96 + 88 * MAX_PAIRS_PER_CALL <= 24_576 < 96 + 88 * (MAX_PAIRS_PER_CALL + 1)


@given(
    st.lists(
        st.tuples(
            st.binary(min_size=20, max_size=20),
            st.sampled_from([b"\x11" * 20, b"\xaa" * 20, b"\x0f" * 20]),
            st.binary(min_size=20, max_size=20),
            st.integers(0, UINT112_MAX),
            st.integers(0, UINT112_MAX),
        ),
        max_size=12,
    ),
    st.integers(0, 2**40),
)
def test_pairs_page_round_trips(
    records: list[tuple[bytes, bytes, bytes, int, int]], block: int
) -> None:
    raw = word(block) + word(1234) + word(56) + b"".join(pair_record(*r) for r in records)
    page = LENS.decode_pairs("0x" + raw.hex())
    assert (page.block_number, page.pairs_length, page.start) == (block, 1234, 56)
    assert [(p.pair, p.token0, p.token1, p.reserve0, p.reserve1) for p in page.pairs] == [
        (to_checksum_address(a), to_checksum_address(b), to_checksum_address(c), r0, r1)
        for a, b, c, r0, r1 in records
    ]


def test_pairs_page_of_the_wrong_length_is_refused() -> None:
    raw = word(1) + word(2) + word(0) + b"\x00" * 87
    with pytest.raises(ValueError, match="V2PairsLens"):
        LENS.decode_pairs("0x" + raw.hex())
    with pytest.raises(ValueError, match="V2PairsLens"):
        LENS.decode_pairs("0x" + word(1).hex())


def test_reserves_page_marks_unreadable_pairs() -> None:
    raw = (
        word(77)
        + (5).to_bytes(14, "big")
        + UINT112_MAX.to_bytes(14, "big")
        + b"\xff" * 28
        + (0).to_bytes(28, "big")
    )
    page = LENS.decode_reserves("0x" + raw.hex(), 3)
    assert page.block_number == 77
    assert page.reserves == ((5, UINT112_MAX), None, (0, 0))


def test_reserves_page_must_match_the_request() -> None:
    with pytest.raises(ValueError, match="for 2 pairs"):
        LENS.decode_reserves("0x" + (word(1) + b"\x00" * 28).hex(), 2)


def test_calls_carry_the_code_and_constructor_arguments() -> None:
    call = LENS.pairs_call("0x" + "ab" * 20, 5, 7)
    assert set(call) == {"data"}  # no `to`: a creation
    assert call["data"] == "0x6000" + "00" * 12 + "ab" * 20 + word(5).hex() + word(7).hex()
    reserves = LENS.reserves_call(["0x" + "01" * 20])
    # abi.encode(address[]): offset 0x20, length 1, the address.
    assert reserves["data"] == "0x6001" + word(32).hex() + word(1).hex() + "00" * 12 + "01" * 20


def test_calls_refuse_pages_the_node_would_reject() -> None:
    with pytest.raises(ValueError, match="count"):
        LENS.pairs_call("0x" + "ab" * 20, 0, MAX_PAIRS_PER_CALL + 1)
    with pytest.raises(ValueError, match="count"):
        LENS.pairs_call("0x" + "ab" * 20, 0, 0)
    with pytest.raises(ValueError, match="pairs per call"):
        LENS.reserves_call(["0x" + "01" * 20] * (MAX_RESERVES_PER_CALL + 1))
