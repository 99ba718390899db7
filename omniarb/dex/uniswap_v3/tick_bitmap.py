"""v3-core `TickBitmap`: which ticks are initialized, one bit per tick spacing.

The pool packs the initialized flag of each usable tick (`tick / tickSpacing`) into 256-bit words
keyed by `int16` word position. The reader decodes the words to a sorted list of ticks once;
the swap simulation then finds the next initialized tick with a binary search over that list
(`omniarb.dex.uniswap_v3.tick_table`), which gives the same answers as the functions here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping

from omniarb.dex.uniswap_v3.bit_math import least_significant_bit, most_significant_bit
from omniarb.dex.uniswap_v3.errors import V3RevertError
from omniarb.dex.uniswap_v3.tick_math import MAX_TICK, MIN_TICK

__all__ = [
    "flip_tick",
    "initialized_ticks",
    "next_initialized_tick_within_one_word",
    "position",
    "word_positions",
]


def position(compressed_tick: int) -> tuple[int, int]:
    """`TickBitmap.position`: `(word_pos, bit_pos)` of a compressed tick (`tick / spacing`).

    `int16(tick >> 8)` is an arithmetic shift and `uint8(tick % 256)` wraps Solidity's
    truncated remainder into 0..255, which is Python's floor modulo.
    """
    return compressed_tick >> 8, compressed_tick & 0xFF


def flip_tick(bitmap: MutableMapping[int, int], tick: int, tick_spacing: int) -> None:
    """`TickBitmap.flipTick`: toggle `tick`'s bit in `bitmap` (word position -> word)."""
    if tick % tick_spacing != 0:
        raise V3RevertError("TickBitmap.flipTick: tick is not a multiple of the spacing")
    word_pos, bit_pos = position(tick // tick_spacing)
    word = bitmap.get(word_pos, 0) ^ (1 << bit_pos)
    if word:
        bitmap[word_pos] = word
    else:
        bitmap.pop(word_pos, None)


def next_initialized_tick_within_one_word(
    bitmap: Mapping[int, int], tick: int, tick_spacing: int, lte: bool
) -> tuple[int, bool]:
    """`TickBitmap.nextInitializedTickWithinOneWord`: `(next_tick, initialized)`.

    Searches only the word of `tick` (to the left, `tick` included, when `lte`; else to the
    right of `tick`); without an initialized tick there, returns the word's last tick in the
    search direction and `False`, as the pool's swap loop expects.
    """
    # Solidity divides toward zero and then decrements negative non-multiples: a floor division.
    compressed = tick // tick_spacing
    if lte:
        word_pos, bit_pos = position(compressed)
        masked = bitmap.get(word_pos, 0) & ((1 << bit_pos) - 1 + (1 << bit_pos))
        if masked:
            return (compressed - (bit_pos - most_significant_bit(masked))) * tick_spacing, True
        return (compressed - bit_pos) * tick_spacing, False
    word_pos, bit_pos = position(compressed + 1)
    masked = bitmap.get(word_pos, 0) & ~((1 << bit_pos) - 1)
    if masked:
        return (compressed + 1 + (least_significant_bit(masked) - bit_pos)) * tick_spacing, True
    return (compressed + 1 + (255 - bit_pos)) * tick_spacing, False


def word_positions(tick_spacing: int) -> range:
    """Every word position that can hold a usable tick between MIN_TICK and MAX_TICK."""
    return range(position(MIN_TICK // tick_spacing)[0], position(MAX_TICK // tick_spacing)[0] + 1)


def initialized_ticks(words: Iterable[tuple[int, int]], tick_spacing: int) -> list[int]:
    """The ticks whose bits are set in `(word_pos, word)` pairs, sorted ascending."""
    ticks = []
    for word_pos, word in words:
        remaining = word
        while remaining:
            lowest = remaining & -remaining
            ticks.append(((word_pos << 8) + lowest.bit_length() - 1) * tick_spacing)
            remaining ^= lowest
    ticks.sort()
    return ticks
