"""v4-core's fee arithmetic: the LP fee (`LPFeeLibrary`), the protocol fee packed per
direction (`ProtocolFeeLibrary`), and the swap fee `Pool.swap` charges, which combines them.

Unlike V3, where a pool's fee tier is fixed by its factory, a V4 pool's LP fee lives in its
`slot0` (the key's fee at `initialize`, or 0 for a dynamic-fee pool until its hook sets it)
and the protocol fee is a separate per-direction rate taken from the input first.
"""

from __future__ import annotations

__all__ = [
    "MAX_LP_FEE",
    "MAX_PROTOCOL_FEE",
    "MAX_SWAP_FEE",
    "calculate_swap_fee",
    "directional_protocol_fee",
    "is_valid_protocol_fee",
    "swap_fee",
]

MAX_LP_FEE = 1_000_000  # `LPFeeLibrary.MAX_LP_FEE`: 100%
MAX_SWAP_FEE = 1_000_000  # `SwapMath.MAX_SWAP_FEE`
MAX_PROTOCOL_FEE = 1000  # `ProtocolFeeLibrary.MAX_PROTOCOL_FEE`: 0.1% per direction
_PIPS = 1_000_000


def directional_protocol_fee(protocol_fee: int, zero_for_one: bool) -> int:
    """`ProtocolFeeLibrary.getZeroForOneFee` (low 12 bits) / `getOneForZeroFee` (the next 12)."""
    return protocol_fee & 0xFFF if zero_for_one else (protocol_fee >> 12) & 0xFFF


def is_valid_protocol_fee(protocol_fee: int) -> bool:
    """`ProtocolFeeLibrary.isValidProtocolFee`: each direction at most `MAX_PROTOCOL_FEE`."""
    return (protocol_fee & 0xFFF) <= MAX_PROTOCOL_FEE and (
        protocol_fee >> 12
    ) & 0xFFF <= MAX_PROTOCOL_FEE


def calculate_swap_fee(protocol_fee: int, lp_fee: int) -> int:
    """`ProtocolFeeLibrary.calculateSwapFee(self, lpFee)`: `p + l - floor(p·l / 1e6)`, the
    protocol fee taken from the input first and the LP fee from the rest, rounded up.

    Mirrors the assembly's masks: only the low 12 bits of `protocol_fee` (one direction's)
    and the low 24 bits of `lp_fee` count.
    """
    protocol_fee &= 0xFFF
    lp_fee &= 0xFFFFFF
    return protocol_fee + lp_fee - protocol_fee * lp_fee // _PIPS


def swap_fee(protocol_fee: int, lp_fee: int, zero_for_one: bool) -> int:
    """The fee `Pool.swap` charges a swap in that direction, in pips: the LP fee alone when
    that direction's protocol fee is 0, else `calculate_swap_fee` of both."""
    directional = directional_protocol_fee(protocol_fee, zero_for_one)
    return lp_fee if directional == 0 else calculate_swap_fee(directional, lp_fee)
