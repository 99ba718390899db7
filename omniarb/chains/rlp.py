"""Recursive-length prefix (RLP) encoding of byte strings, integers and lists.

Only what transactions need (the signer, the L1-fee estimate, rebuilding a pending transaction's
signed bytes in `omniarb.chains.raw_tx`), written out from the Yellow Paper (appendix B) so the
signing hot path concatenates a few `bytes` instead of walking the `rlp` package's sedes objects.
A list is built by the caller from already-encoded items (`encode_list(a + b + c)`), which lets
the signer encode fixed fields (chain id, `to`, the empty access list) once and reuse them.
"""

from __future__ import annotations

__all__ = ["EMPTY_LIST", "encode_bytes", "encode_int", "encode_list"]

# rlp([]): an EIP-2930 access list with no entries.
EMPTY_LIST = b"\xc0"
_EMPTY_STRING = b"\x80"
# Items shorter than this carry their length in the prefix byte itself (Yellow Paper, eq. 180).
_SHORT = 56


def _prefix(length: int, offset: int) -> bytes:
    if length < _SHORT:
        return bytes((offset + length,))
    length_bytes = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes((offset + _SHORT - 1 + len(length_bytes),)) + length_bytes


def encode_bytes(data: bytes) -> bytes:
    """RLP of a byte string: a single byte below 0x80 is itself, anything else is prefixed."""
    if len(data) == 1 and data[0] < 0x80:
        return data
    return _prefix(len(data), 0x80) + data


def encode_int(value: int) -> bytes:
    """RLP of a non-negative integer: its big-endian bytes without leading zeros (0 is empty)."""
    if value < 0x80:
        if value < 0:
            raise ValueError(f"RLP cannot encode a negative integer: {value}")
        return bytes((value,)) if value else _EMPTY_STRING
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return _prefix(len(raw), 0x80) + raw


def encode_list(payload: bytes) -> bytes:
    """RLP of a list whose items, already encoded, are concatenated in `payload`."""
    return _prefix(len(payload), 0xC0) + payload
