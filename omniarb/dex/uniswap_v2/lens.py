"""The Python side of the deployless V2 lenses (`contracts/lens/V2PairsLens.sol`).

A lens is never deployed: `eth_call` with `{data: creation code ++ constructor args}` and no `to`
runs its constructor, which reads many pairs and returns the packed result. The output of a
creation is subject to the code-size limit (EIP-170, 24,576 bytes), which sets the largest page
one call can carry; callers page through with several calls in one JSON-RPC batch.

Decoding raises `ValueError` on an answer of the wrong shape (the caller names the node). It
slices raw bytes (no ABI decoder) and checksums addresses in bulk with numpy, because a full sync
decodes tens of thousands of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from Crypto.Hash import keccak

from omniarb.chains.abi import encode_args
from omniarb.contracts import load_artifact

__all__ = [
    "MAX_PAIRS_PER_CALL",
    "MAX_RESERVES_PER_CALL",
    "LensPair",
    "PairsPage",
    "ReservesPage",
    "V2Lens",
    "checksum_addresses",
]

# EIP-170: the returned "code" of a creation may be at most this long.
_MAX_CODE_BYTES = 24_576
_PAIRS_HEADER_BYTES = 96
_PAIR_RECORD_BYTES = 88
_RESERVES_HEADER_BYTES = 32
_RESERVES_RECORD_BYTES = 28
MAX_PAIRS_PER_CALL = (_MAX_CODE_BYTES - _PAIRS_HEADER_BYTES) // _PAIR_RECORD_BYTES
MAX_RESERVES_PER_CALL = (_MAX_CODE_BYTES - _RESERVES_HEADER_BYTES) // _RESERVES_RECORD_BYTES
_UINT112_MASK = (1 << 112) - 1
_FAILED_RESERVES = (1 << 224) - 1


def checksum_addresses(raw: Sequence[bytes]) -> list[str]:
    """EIP-55 checksummed `0x` strings for 20-byte addresses, vectorized over the batch.

    Same result as `eth_utils.to_checksum_address`, several times faster for thousands: the
    per-character case choice (upper when the keccak nibble is >= 8) is one numpy expression.
    """
    if not raw:
        return []
    hexes = b"".join(a.hex().encode() for a in raw)
    n = len(raw)
    digests = b"".join(
        keccak.new(data=hexes[i * 40 : (i + 1) * 40], digest_bits=256).digest() for i in range(n)
    )
    chars = np.frombuffer(hexes, dtype=np.uint8).reshape(n, 40)
    digest = np.frombuffer(digests, dtype=np.uint8).reshape(n, 32)[:, :20]
    nibbles = np.empty((n, 40), dtype=np.uint8)
    nibbles[:, 0::2] = digest >> 4
    nibbles[:, 1::2] = digest & 0x0F
    upper = (nibbles >= 8) & (chars >= ord("a"))
    text = np.where(upper, chars - 32, chars).astype(np.uint8).tobytes().decode()
    return ["0x" + text[i * 40 : (i + 1) * 40] for i in range(n)]


@dataclass(frozen=True, slots=True, kw_only=True)
class LensPair:
    """One pair as V2PairsLens read it (addresses checksummed)."""

    pair: str
    token0: str
    token1: str
    reserve0: int
    reserve1: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PairsPage:
    """Pairs `start ..` of a factory at `block_number`; `pairs_length` is `allPairsLength()`."""

    block_number: int
    pairs_length: int
    start: int
    pairs: tuple[LensPair, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReservesPage:
    """`(reserve0, reserve1)` per asked pair, in order; `None` where the pair could not be read."""

    block_number: int
    reserves: tuple[tuple[int, int] | None, ...]


def _hex_bytes(answer: Any) -> bytes:
    return bytes.fromhex(str(answer).removeprefix("0x"))


class V2Lens:
    """Builds lens calls and decodes their answers; holds the two creation codes.

    `V2Lens.load()` reads the compiled artifacts (`build/contracts`); tests may pass code in.
    """

    def __init__(self, *, pairs_code: str, reserves_code: str) -> None:
        self._pairs_code = pairs_code.removeprefix("0x")
        self._reserves_code = reserves_code.removeprefix("0x")

    @classmethod
    def load(cls) -> V2Lens:
        return cls(
            pairs_code=load_artifact("V2PairsLens").bytecode,
            reserves_code=load_artifact("V2ReservesLens").bytecode,
        )

    def pairs_call(self, factory: str, start: int, count: int) -> dict[str, str]:
        """The `eth_call` transaction object reading pairs `start .. start+count-1`."""
        if not 0 < count <= MAX_PAIRS_PER_CALL:
            raise ValueError(f"count must be 1..{MAX_PAIRS_PER_CALL}, not {count}")
        args = encode_args(["address", "uint256", "uint256"], [factory, start, count])
        return {"data": "0x" + self._pairs_code + args.hex()}

    def reserves_call(self, pairs: Sequence[str]) -> dict[str, str]:
        """The `eth_call` transaction object reading `getReserves()` of each of `pairs`."""
        if not 0 < len(pairs) <= MAX_RESERVES_PER_CALL:
            raise ValueError(f"1..{MAX_RESERVES_PER_CALL} pairs per call, not {len(pairs)}")
        args = encode_args(["address[]"], [list(pairs)])
        return {"data": "0x" + self._reserves_code + args.hex()}

    @staticmethod
    def decode_pairs(answer: Any, checksummed: dict[bytes, str] | None = None) -> PairsPage:
        """Decode a V2PairsLens answer. `checksummed` caches EIP-55 forms across the pages of
        one discovery: tokens repeat in almost every page, and hashing dominates decoding."""
        raw = _hex_bytes(answer)
        body = len(raw) - _PAIRS_HEADER_BYTES
        if body < 0 or body % _PAIR_RECORD_BYTES:
            raise ValueError(f"V2PairsLens answer of {len(raw)} bytes")
        block_number = int.from_bytes(raw[0:32], "big")
        pairs_length = int.from_bytes(raw[32:64], "big")
        start = int.from_bytes(raw[64:96], "big")
        n = body // _PAIR_RECORD_BYTES
        view = memoryview(raw)[_PAIRS_HEADER_BYTES:]
        addresses: list[bytes] = []
        reserves: list[tuple[int, int]] = []
        for i in range(n):
            at = i * _PAIR_RECORD_BYTES
            addresses += (bytes(view[at : at + 20]), bytes(view[at + 20 : at + 40]))
            addresses.append(bytes(view[at + 40 : at + 60]))
            packed = int.from_bytes(view[at + 60 : at + 88], "big")
            reserves.append((packed >> 112, packed & _UINT112_MASK))
        known = {} if checksummed is None else checksummed
        fresh = [a for a in dict.fromkeys(addresses) if a not in known]
        known.update(zip(fresh, checksum_addresses(fresh), strict=True))
        pairs = tuple(
            LensPair(
                pair=known[addresses[3 * i]],
                token0=known[addresses[3 * i + 1]],
                token1=known[addresses[3 * i + 2]],
                reserve0=reserves[i][0],
                reserve1=reserves[i][1],
            )
            for i in range(n)
        )
        return PairsPage(
            block_number=block_number, pairs_length=pairs_length, start=start, pairs=pairs
        )

    @staticmethod
    def decode_reserves(answer: Any, count: int) -> ReservesPage:
        raw = _hex_bytes(answer)
        if len(raw) != _RESERVES_HEADER_BYTES + count * _RESERVES_RECORD_BYTES:
            raise ValueError(f"V2ReservesLens answer of {len(raw)} bytes for {count} pairs")
        block_number = int.from_bytes(raw[0:32], "big")
        reserves: list[tuple[int, int] | None] = []
        for i in range(count):
            at = _RESERVES_HEADER_BYTES + i * _RESERVES_RECORD_BYTES
            packed = int.from_bytes(raw[at : at + _RESERVES_RECORD_BYTES], "big")
            if packed == _FAILED_RESERVES:
                reserves.append(None)
            else:
                reserves.append((packed >> 112, packed & _UINT112_MASK))
        return ReservesPage(block_number=block_number, reserves=tuple(reserves))
