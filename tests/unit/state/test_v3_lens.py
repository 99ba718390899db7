"""The V3 lens codec: call data, the usable word range per tick spacing, and decoding of packed
answers built byte by byte from the layout documented in V3PoolsLens.sol (the integration
tests check the same decoder against the contract on anvil)."""

from __future__ import annotations

import pytest
from eth_utils.address import to_checksum_address

from omniarb.dex.uniswap_v3.lens import (
    ALL_WORDS,
    MAX_OUTPUT_BYTES,
    LensSegment,
    V3Lens,
    usable_words,
)
from omniarb.dex.uniswap_v3.tick_bitmap import word_positions

LENS = V3Lens(code="0x6000")
POOL = "0x" + "ab" * 20
FACTORY = "0x" + "01" * 20
TOKEN0 = "0x" + "02" * 20
TOKEN1 = "0x" + "03" * 20


def signed(value: int, size: int) -> bytes:
    return (value % (1 << (8 * size))).to_bytes(size, "big")


def record(
    *,
    pool: str = POOL,
    flags: int = 3,
    fee: int = 3000,
    spacing: int = 60,
    sqrt_price: int = 2**96,
    tick: int = -5,
    liquidity: int = 10**20,
    words: tuple[int, int, int] = (-58, 57, 58),
    ticks: tuple[tuple[int, int, int], ...] = (),
    addresses: tuple[str, str, str] = (FACTORY, TOKEN0, TOKEN1),
) -> bytes:
    body = bytes.fromhex(pool[2:]) + bytes([flags])
    body += b"".join(bytes.fromhex(a[2:]) for a in addresses)
    body += fee.to_bytes(3, "big") + signed(spacing, 3) + sqrt_price.to_bytes(20, "big")
    body += signed(tick, 3) + liquidity.to_bytes(16, "big")
    body += b"".join(signed(w, 3) for w in words) + len(ticks).to_bytes(2, "big")
    for t, gross, net in ticks:
        body += signed(t, 3) + gross.to_bytes(16, "big") + signed(net, 16)
    return body


def page(block: int, *records: bytes) -> str:
    return (
        "0x"
        + (block.to_bytes(32, "big") + len(records).to_bytes(32, "big")).hex()
        + (b"".join(records).hex())
    )


@pytest.mark.parametrize(
    ("spacing", "expected"),
    # What the contract answered on anvil for the devnet's 0.05%, 0.3% and 1% pools.
    [(10, (-347, 346)), (60, (-58, 57)), (200, (-18, 17)), (1, (-3466, 3465))],
)
def test_usable_words_per_spacing(spacing: int, expected: tuple[int, int]) -> None:
    assert usable_words(spacing) == expected
    words = word_positions(spacing)
    assert words.start <= expected[0]
    assert expected[1] == words.stop - 1


def test_a_segment_packs_pool_and_signed_words() -> None:
    segment = LensSegment(pool=POOL, from_word=-347, to_word=-2)
    encoded = segment.encoded()
    assert encoded >> 96 == int(POOL, 16)
    assert (encoded >> 24) & 0xFFFFFF == (-347) % 2**24
    assert encoded & 0xFFFFFF == (-2) % 2**24
    assert LensSegment(pool=POOL).encoded() & ((1 << 48) - 1) == 0x800000_7FFFFF
    assert (LensSegment(pool=POOL).from_word, LensSegment(pool=POOL).to_word) == ALL_WORDS


def test_call_data_is_code_then_abi_encoded_arguments() -> None:
    segments = [LensSegment(pool=POOL, from_word=1, to_word=0), LensSegment(pool=TOKEN0)]
    data = LENS.call(segments, max_bytes=1000)["data"]
    assert data.startswith("0x6000")
    words = [int(data[6 + i : 6 + i + 64], 16) for i in range(0, len(data) - 6, 64)]
    assert words == [0x40, 1000, 2, segments[0].encoded(), segments[1].encoded()]
    assert "to" not in LENS.call(segments)
    with pytest.raises(ValueError, match="segment"):
        LENS.call([])
    with pytest.raises(ValueError, match="max_bytes"):
        LENS.call(segments, max_bytes=MAX_OUTPUT_BYTES + 1)


def test_decode_reads_headers_ticks_and_signs() -> None:
    ticks = ((-887220, 5, 5), (-60, 10**30, -(10**30)), (887220, 7, -(2**127)))
    answer = page(
        1234,
        record(ticks=ticks, tick=-887000, words=(-58, 57, 20)),
        record(pool="0x" + "cd" * 20, flags=1, fee=500, spacing=10, words=(-347, 346, 347)),
    )
    decoded = LENS.decode(answer)
    assert decoded.block_number == 1234
    first, second = decoded.records
    assert first.pool == to_checksum_address(POOL)
    assert (first.factory, first.token0, first.token1) == tuple(
        to_checksum_address(a) for a in (FACTORY, TOKEN0, TOKEN1)
    )
    assert (first.exists, first.unlocked, first.fee_pips, first.tick_spacing) == (
        True,
        True,
        3000,
        60,
    )
    assert (first.sqrt_price_x96, first.tick, first.liquidity) == (2**96, -887000, 10**20)
    assert (first.from_word, first.to_word, first.next_word) == (-58, 57, 20)
    assert first.ticks == ticks
    assert not first.complete
    assert (second.exists, second.unlocked, second.tick_spacing, second.ticks) == (
        True,
        False,
        10,
        (),
    )
    assert second.complete


def test_decode_a_missing_pool() -> None:
    zero = "0x" + "00" * 20
    answer = page(
        7,
        record(
            flags=0,
            fee=0,
            spacing=0,
            sqrt_price=0,
            tick=0,
            liquidity=0,
            words=(0, -1, 0),
            addresses=(zero, zero, zero),
        ),
    )
    (missing,) = LENS.decode(answer).records
    assert not missing.exists
    assert missing.complete


@pytest.mark.parametrize(
    "answer",
    [
        "0x" + "00" * 40,  # shorter than the page header
        page(1, record()[:-1]),  # a record cut short
        page(1, record(ticks=((0, 1, 1),))[:-3]),  # a tick list cut short
        page(1, record()) + "00",  # bytes past the last record
    ],
)
def test_malformed_answers_raise(answer: str) -> None:
    with pytest.raises(ValueError, match="V3PoolsLens"):
        LENS.decode(answer)
