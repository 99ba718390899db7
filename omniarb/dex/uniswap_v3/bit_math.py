"""v3-core `BitMath`: the most and least significant set bit of a uint256."""

from __future__ import annotations

from omniarb.dex.uniswap_v3.errors import V3RevertError

__all__ = ["least_significant_bit", "most_significant_bit"]


def most_significant_bit(x: int) -> int:
    """`BitMath.mostSignificantBit`: the index of the highest set bit (`2**r <= x < 2**(r+1)`).

    The contract binary-searches with shifts; `int.bit_length` gives the same index directly.
    """
    if x <= 0:
        raise V3RevertError("BitMath.mostSignificantBit: x is 0")
    return x.bit_length() - 1


def least_significant_bit(x: int) -> int:
    """`BitMath.leastSignificantBit`: the index of the lowest set bit (`x & 2**r != 0`)."""
    if x <= 0:
        raise V3RevertError("BitMath.leastSignificantBit: x is 0")
    # x & -x isolates the lowest set bit.
    return (x & -x).bit_length() - 1
