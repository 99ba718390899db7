"""`TickBitmap` against v3-core's TickBitmap.spec cases, and the sorted-tick search of the swap
loop against `nextInitializedTickWithinOneWord` for random bitmaps and spacings."""

from __future__ import annotations

from bisect import bisect_right

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omniarb.dex.uniswap_v3.errors import V3RevertError
from omniarb.dex.uniswap_v3.tick_bitmap import (
    flip_tick,
    initialized_ticks,
    next_initialized_tick_within_one_word,
    position,
    word_positions,
)
from omniarb.dex.uniswap_v3.tick_math import MAX_TICK, MIN_TICK

SPEC_TICKS = (70, 78, 84, 139, 240, 535)


def bitmap_of(ticks, tick_spacing: int = 1) -> dict[int, int]:
    bitmap: dict[int, int] = {}
    for tick in ticks:
        flip_tick(bitmap, tick, tick_spacing)
    return bitmap


def is_initialized(bitmap: dict[int, int], tick: int) -> bool:
    word_pos, bit_pos = position(tick)
    return bool(bitmap.get(word_pos, 0) >> bit_pos & 1)


def test_flip_tick_flips_only_that_tick() -> None:
    bitmap = bitmap_of([-230])
    assert is_initialized(bitmap, -230)
    for other in (-231, -229, -230 + 256, -230 - 256):
        assert not is_initialized(bitmap, other)
    flip_tick(bitmap, -230, 1)
    assert not is_initialized(bitmap, -230)
    assert bitmap == {}


def test_flip_tick_reverts_only_itself() -> None:
    bitmap = bitmap_of([-230, -259, -229, 500, -259, -229, -259])
    assert is_initialized(bitmap, -259)
    assert not is_initialized(bitmap, -229)


def test_flip_tick_needs_a_spaced_tick() -> None:
    with pytest.raises(V3RevertError):
        flip_tick({}, 61, 60)


@pytest.mark.parametrize(
    ("tick", "expected"),
    [
        (78, (84, True)),
        (77, (78, True)),
        (255, (511, False)),
        (508, (511, False)),
        (383, (511, False)),
    ],
)
def test_next_tick_to_the_right(tick: int, expected: tuple[int, bool]) -> None:
    assert next_initialized_tick_within_one_word(bitmap_of(SPEC_TICKS), tick, 1, False) == expected


def test_next_tick_from_the_next_word() -> None:
    bitmap = bitmap_of((*SPEC_TICKS, 340))
    assert next_initialized_tick_within_one_word(bitmap, 328, 1, False) == (340, True)


@pytest.mark.parametrize(
    ("tick", "expected"),
    [
        (78, (78, True)),
        (79, (78, True)),
        (258, (256, False)),
        (256, (256, False)),
        (72, (70, True)),
        (-1, (-256, False)),
        (1023, (768, False)),
        (900, (768, False)),
    ],
)
def test_next_tick_to_the_left(tick: int, expected: tuple[int, bool]) -> None:
    assert next_initialized_tick_within_one_word(bitmap_of(SPEC_TICKS), tick, 1, True) == expected


def test_next_tick_to_the_left_when_the_boundary_is_initialized() -> None:
    bitmap = bitmap_of((*SPEC_TICKS, 329))
    assert next_initialized_tick_within_one_word(bitmap, 456, 1, True) == (329, True)


def test_word_positions_cover_the_tick_range() -> None:
    assert word_positions(1) == range(-3466, 3466)
    assert word_positions(60) == range(-58, 58)
    for spacing in (1, 10, 60, 200):
        words = word_positions(spacing)
        assert position(MIN_TICK // spacing)[0] == words[0]
        assert position(MAX_TICK // spacing)[0] == words[-1]


spacings = st.sampled_from([1, 10, 60, 200])


@settings(max_examples=300, deadline=None)
@given(
    spacing=spacings,
    compressed=st.sets(st.integers(min_value=-1200, max_value=1200), max_size=40),
    start=st.integers(min_value=-1300 * 200, max_value=1300 * 200),
    lte=st.booleans(),
)
def test_sorted_search_equals_the_bitmap_search(spacing, compressed, start, lte) -> None:
    """The swap loop's bisect over sorted ticks, clamped to the word, is the bitmap search."""
    ticks = sorted(c * spacing for c in compressed)
    bitmap = bitmap_of(ticks, spacing)
    assert initialized_ticks(bitmap.items(), spacing) == ticks
    word = start // spacing
    if lte:
        index = bisect_right(ticks, start) - 1
        edge = (word - (word & 0xFF)) * spacing
        found = index >= 0 and ticks[index] >= edge
    else:
        index = bisect_right(ticks, start)
        edge = (word + 256 - ((word + 1) & 0xFF)) * spacing
        found = index < len(ticks) and ticks[index] <= edge
    expected = (ticks[index], True) if found else (edge, False)
    assert next_initialized_tick_within_one_word(bitmap, start, spacing, lte) == expected
