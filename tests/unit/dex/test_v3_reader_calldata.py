"""The V3 reader encodes its hundreds of `tickBitmap(int16)` and `ticks(int24)` calls by hand
for speed; they must be byte for byte what eth-abi encodes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from omniarb.chains.abi import encode_call
from omniarb.dex.uniswap_v3.reader import _TICK_BITMAP, _TICKS, _int_call


@given(st.integers(min_value=-(2**15), max_value=2**15 - 1))
def test_tick_bitmap_calldata(word: int) -> None:
    assert _int_call(_TICK_BITMAP, word) == encode_call("tickBitmap(int16)", word)


@given(st.integers(min_value=-(2**23), max_value=2**23 - 1))
def test_ticks_calldata(tick: int) -> None:
    assert _int_call(_TICKS, tick) == encode_call("ticks(int24)", tick)
