"""Our RLP encoder equals the `rlp` package (the reference implementation) byte for byte."""

from __future__ import annotations

from typing import Any

import pytest
import rlp
from hypothesis import given
from hypothesis import strategies as st

from omniarb.chains.rlp import EMPTY_LIST, encode_bytes, encode_int, encode_list

# Integers up to 2**300 exercise the long-string form (> 55 bytes); strings up to 2,000 bytes
# exercise multi-byte length prefixes.
ints = st.integers(min_value=0, max_value=2**300)
blobs = st.binary(max_size=2_000)


def _ours(item: Any) -> bytes:
    if isinstance(item, int):
        return encode_int(item)
    if isinstance(item, bytes):
        return encode_bytes(item)
    return encode_list(b"".join(_ours(child) for child in item))


nested = st.recursive(ints | blobs, lambda children: st.lists(children, max_size=6), max_leaves=30)


@given(ints)
def test_int_equals_reference(value: int) -> None:
    assert encode_int(value) == rlp.encode(value)


@given(blobs)
def test_bytes_equal_reference(data: bytes) -> None:
    assert encode_bytes(data) == rlp.encode(data)


@given(nested)
def test_nested_lists_equal_reference(item: Any) -> None:
    assert _ours(item) == rlp.encode(item)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, b"\x80"),
        (1, b"\x01"),
        (0x7F, b"\x7f"),
        (0x80, b"\x81\x80"),
        (1024, b"\x82\x04\x00"),
    ],
)
def test_yellow_paper_integers(value: int, expected: bytes) -> None:
    assert encode_int(value) == expected


def test_boundaries_of_the_short_forms() -> None:
    assert encode_bytes(b"") == b"\x80"
    assert encode_bytes(b"\x00") == b"\x00"
    assert encode_bytes(b"\x80") == b"\x81\x80"
    assert encode_bytes(b"a" * 55)[:1] == b"\xb7"
    assert encode_bytes(b"a" * 56)[:2] == b"\xb8\x38"
    assert encode_list(b"") == EMPTY_LIST
    assert encode_list(b"a" * 56)[:2] == b"\xf8\x38"


def test_negative_integer_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        encode_int(-1)
