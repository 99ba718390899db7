"""The length of FastLZ (level 1) compressed data, as the OP Stack's Fjord L1 fee counts it.

The node (op-geth `core/types/rollup_cost.go`, `FlzCompressLen`) and the GasPriceOracle
predeploy (Solady `LibZip.flzCompress`) compress a transaction with FastLZ level 1
(ariya/FastLZ `fastlz1_compress`) and price its length; only the length matters, so nothing is
written. The quirks are the reference's, kept on purpose so the length agrees to the byte: the
match length counts one past the first differing byte, and the hash table starts at position 0
for every bucket.
"""

from __future__ import annotations

__all__ = ["flz_compress_len"]

_HASH_MULTIPLIER = 2654435769  # Knuth's multiplicative hash, 2^32 / golden ratio
_UINT32 = 0xFFFFFFFF
_MAX_DISTANCE = 0x1FFF  # 8191: a match reaches back at most 8 KiB
_TAIL = 13  # the last bytes are always literals


def _hash(sequence: int) -> int:
    return (((_HASH_MULTIPLIER * sequence) & _UINT32) >> 19) & 0x1FFF


def _literal_run_bytes(count: int) -> int:
    """A literal run: one control byte per run of up to 32 literals, plus the literals."""
    whole, rest = divmod(count, 32)
    return 33 * whole + (rest + 1 if rest else 0)


def _match_bytes(length: int) -> int:
    """A match: 3 bytes per full 262-byte piece, then 2 (short) or 3 (long) bytes."""
    pieces, rest = divmod(length - 1, 262)
    return 3 * pieces + (3 if rest >= 6 else 2)


def flz_compress_len(data: bytes) -> int:
    """The byte length FastLZ level 1 compresses `data` to."""
    size = len(data)

    def u24(i: int) -> int:
        return data[i] | (data[i + 1] << 8) | (data[i + 2] << 16)

    table = [0] * 8192
    out = 0
    anchor = 0
    limit = size - _TAIL if size >= _TAIL else 0
    ip = 2
    while ip < limit:
        # Find the next position whose 3 bytes were seen within reach.
        while True:
            sequence = u24(ip)
            bucket = _hash(sequence)
            ref = table[bucket]
            table[bucket] = ip
            distance = ip - ref
            if ip >= limit:
                break
            ip += 1
            if distance <= _MAX_DISTANCE and sequence == u24(ref):
                break
        if ip >= limit:
            break
        ip -= 1
        if ip > anchor:
            out += _literal_run_bytes(ip - anchor)
        # Compare from 3 bytes in, up to 9 past the limit; the length counts the first
        # differing byte too (the reference's loop increments once more after a mismatch).
        end = limit + 9 - (ip + 3)
        length = 0
        while length < end:
            if data[ref + 3 + length] != data[ip + 3 + length]:
                length += 1
                break
            length += 1
        out += _match_bytes(length)
        ip += length
        table[_hash(u24(ip))] = ip
        ip += 1
        table[_hash(u24(ip))] = ip
        ip += 1
        anchor = ip
    return out + _literal_run_bytes(size - anchor)
