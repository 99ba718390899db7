"""The Python side of the deployless V3 lens (`contracts/lens/V3PoolsLens.sol`).

One `eth_call` without `to` runs the lens's constructor on a list of segments (a pool and a
range of its tick-bitmap words) and returns, per segment, the pool's immutables, `slot0`,
`liquidity` and the initialized ticks found in that range, packed. The output is capped by the
code-size limit (EIP-170) and the call by the node's gas cap, so a record says where its scan
stopped and the caller asks again from there (`omniarb.dex.uniswap_v3.discovery` plans and resumes).

Decoding raises `ValueError` on an answer of the wrong shape (the caller names the node). It
slices raw bytes (no ABI decoder): a full sync decodes tens of thousands of tick records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from omniarb.contracts import load_artifact
from omniarb.dex.uniswap_v2.lens import checksum_addresses
from omniarb.dex.uniswap_v3.tick_bitmap import position
from omniarb.dex.uniswap_v3.tick_math import MAX_TICK, MIN_TICK

__all__ = [
    "ALL_WORDS",
    "MAX_OUTPUT_BYTES",
    "LensSegment",
    "V3Lens",
    "V3LensPage",
    "V3LensRecord",
    "usable_words",
]

# EIP-170: the returned "code" of a creation may be at most this long.
MAX_OUTPUT_BYTES = 24_576
_PAGE_HEADER_BYTES = 64
_RECORD_HEADER_BYTES = 137
_TICK_BYTES = 35
_INT24 = 1 << 24
_MASK24 = _INT24 - 1
_INT128 = 1 << 128
_MASK128 = _INT128 - 1

ALL_WORDS = (-(1 << 23), (1 << 23) - 1)
"""A word range the lens clamps to whatever the pool's spacing can use: for unknown spacings."""


def usable_words(tick_spacing: int) -> tuple[int, int]:
    """The first and last tick-bitmap word a tick of this spacing can be in, as the lens
    computes them (the compressed tick truncated toward zero, as Solidity divides)."""
    low = -(-MIN_TICK // tick_spacing)  # MIN_TICK < 0: truncating toward zero is a ceiling
    return position(low)[0], position(MAX_TICK // tick_spacing)[0]


def _signed24(value: int) -> int:
    return value - _INT24 if value >= 1 << 23 else value


@dataclass(frozen=True, slots=True, kw_only=True)
class LensSegment:
    """Read `pool`'s bitmap words `from_word ..= to_word` (and its header)."""

    pool: str
    from_word: int = ALL_WORDS[0]
    to_word: int = ALL_WORDS[1]

    def encoded(self) -> int:
        return (
            int(self.pool, 16) << 96 | (self.from_word & _MASK24) << 24 | (self.to_word & _MASK24)
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class V3LensRecord:
    """One segment as the lens read it. `exists` is false where no pool answered (then every
    other field is zero). `next_word > to_word` when the segment's range was scanned to the end;
    `ticks` are `(tick, liquidity_gross, liquidity_net)` of the words scanned, ascending."""

    pool: str
    exists: bool
    unlocked: bool
    factory: str
    token0: str
    token1: str
    fee_pips: int
    tick_spacing: int
    sqrt_price_x96: int
    tick: int
    liquidity: int
    from_word: int
    to_word: int
    next_word: int
    ticks: tuple[tuple[int, int, int], ...]

    @property
    def complete(self) -> bool:
        return self.next_word > self.to_word


@dataclass(frozen=True, slots=True, kw_only=True)
class V3LensPage:
    """The records of one lens call (one per segment started, in order) at `block_number`."""

    block_number: int
    records: tuple[V3LensRecord, ...]


class V3Lens:
    """Builds lens calls and decodes their answers; holds the creation code.

    `V3Lens.load()` reads the compiled artifact (`build/contracts`); tests may pass code in.
    """

    def __init__(self, *, code: str) -> None:
        self._code = code.removeprefix("0x")

    @classmethod
    def load(cls) -> V3Lens:
        return cls(code=load_artifact("V3PoolsLens").bytecode)

    def call(
        self, segments: Sequence[LensSegment], *, max_bytes: int = MAX_OUTPUT_BYTES
    ) -> dict[str, str]:
        """The `eth_call` transaction object reading `segments`, output at most `max_bytes`."""
        if not segments:
            raise ValueError("a lens call needs at least one segment")
        if not _PAGE_HEADER_BYTES + _RECORD_HEADER_BYTES <= max_bytes <= MAX_OUTPUT_BYTES:
            raise ValueError(f"max_bytes must be 201..{MAX_OUTPUT_BYTES}, not {max_bytes}")
        # abi.encode(uint256[] segments, uint256 maxBytes), by hand: it is three header words
        # and the array, and eth-abi would take longer than the node for big reads.
        words = [0x40, max_bytes, len(segments), *(s.encoded() for s in segments)]
        return {"data": "0x" + self._code + "".join(f"{w:064x}" for w in words)}

    @staticmethod
    def decode(answer: Any, checksummed: dict[bytes, str] | None = None) -> V3LensPage:
        """Decode an answer. `checksummed` caches EIP-55 forms across the pages of one read."""
        raw = bytes.fromhex(str(answer).removeprefix("0x"))
        if len(raw) < _PAGE_HEADER_BYTES:
            raise ValueError(f"V3PoolsLens answer of {len(raw)} bytes")
        block_number = int.from_bytes(raw[0:32], "big")
        count = int.from_bytes(raw[32:64], "big")
        view = memoryview(raw)
        at = _PAGE_HEADER_BYTES
        parsed: list[tuple[list[bytes], tuple[int, ...], list[tuple[int, int, int]]]] = []
        for _ in range(count):
            if at + _RECORD_HEADER_BYTES > len(raw):
                raise ValueError("V3PoolsLens answer ends inside a record")
            head = view[at : at + _RECORD_HEADER_BYTES]
            addresses = [bytes(head[0:20]), bytes(head[21:41]), bytes(head[41:61])]
            addresses.append(bytes(head[61:81]))
            fields = (
                head[20],  # flags
                int.from_bytes(head[81:84], "big"),  # fee
                _signed24(int.from_bytes(head[84:87], "big")),  # tick spacing
                int.from_bytes(head[87:107], "big"),  # sqrtPriceX96
                _signed24(int.from_bytes(head[107:110], "big")),  # tick
                int.from_bytes(head[110:126], "big"),  # liquidity
                _signed24(int.from_bytes(head[126:129], "big")),  # from word
                _signed24(int.from_bytes(head[129:132], "big")),  # to word
                _signed24(int.from_bytes(head[132:135], "big")),  # next word
            )
            n_ticks = int.from_bytes(head[135:137], "big")
            at += _RECORD_HEADER_BYTES
            end = at + n_ticks * _TICK_BYTES
            if end > len(raw):
                raise ValueError("V3PoolsLens answer ends inside a tick list")
            ticks = []
            for offset in range(at, end, _TICK_BYTES):
                # One integer per record, split by shifts: a third of the slicing.
                packed = int.from_bytes(view[offset : offset + _TICK_BYTES], "big")
                tick = packed >> 256
                net = packed & _MASK128
                ticks.append(
                    (
                        tick - _INT24 if tick >> 23 else tick,
                        (packed >> 128) & _MASK128,
                        net - _INT128 if net >> 127 else net,
                    )
                )
            at = end
            parsed.append((addresses, fields, ticks))
        if at != len(raw):
            raise ValueError(f"V3PoolsLens answer has {len(raw) - at} bytes past its records")
        known = {} if checksummed is None else checksummed
        fresh = [a for a in dict.fromkeys(a for p in parsed for a in p[0]) if a not in known]
        known.update(zip(fresh, checksum_addresses(fresh), strict=True))
        records = tuple(
            V3LensRecord(
                pool=known[addresses[0]],
                exists=bool(fields[0] & 1),
                unlocked=bool(fields[0] & 2),
                factory=known[addresses[1]],
                token0=known[addresses[2]],
                token1=known[addresses[3]],
                fee_pips=fields[1],
                tick_spacing=fields[2],
                sqrt_price_x96=fields[3],
                tick=fields[4],
                liquidity=fields[5],
                from_word=fields[6],
                to_word=fields[7],
                next_word=fields[8],
                ticks=tuple(ticks),
            )
            for addresses, fields, ticks in parsed
        )
        return V3LensPage(block_number=block_number, records=records)
