"""Parsing of heads and logs as nodes send them, the logs-bloom test, and filter parameters."""

from __future__ import annotations

from eth_utils.crypto import keccak
from hypothesis import given
from hypothesis import strategies as st

from omniarb.chain_events import LogFilter, bloom_may_contain, parse_head, parse_log

SYNC_TOPIC = "0x1c411e9a96e071241c2f21f7726b17ae89e3cab4c78be50e062b03a9fffbbad1"


def make_bloom(items: list[bytes]) -> bytes:
    """geth's core/types/bloom9.go, written out byte-wise: for each of 3 bit indexes v (low 11
    bits of a big-endian byte pair of keccak(item)), set bit v%8 of byte 255 - v//8."""
    bloom = bytearray(256)
    for item in items:
        digest = keccak(item)
        for i in (0, 2, 4):
            v = int.from_bytes(digest[i : i + 2], "big") & 2047
            bloom[255 - v // 8] |= 1 << (v % 8)
    return bytes(bloom)


@given(st.lists(st.binary(min_size=20, max_size=32), min_size=1, max_size=30))
def test_bloom_contains_every_item_put_in(items: list[bytes]) -> None:
    bloom = make_bloom(items)
    assert all(bloom_may_contain(bloom, item) for item in items)


def test_bloom_rejects_what_was_not_put_in() -> None:
    sync = bytes.fromhex(SYNC_TOPIC[2:])
    assert not bloom_may_contain(bytes(256), sync)
    assert not bloom_may_contain(make_bloom([b"\x01" * 32, b"\x02" * 20]), sync)
    assert bloom_may_contain(b"", sync)  # no bloom: ask the node


def test_parse_head_of_a_new_heads_notification() -> None:
    bloom = make_bloom([bytes.fromhex(SYNC_TOPIC[2:])])
    raw = {
        "number": "0x14d",
        "hash": "0xABCD" + "00" * 30,
        "parentHash": "0xEF01" + "00" * 30,
        "timestamp": "0x65",
        "baseFeePerGas": "0x7",
        "logsBloom": "0x" + bloom.hex(),
    }
    head = parse_head(56, raw, received_ns=5)
    assert (head.chain_id, head.number, head.timestamp, head.base_fee_wei) == (56, 333, 101, 7)
    assert head.hash == "0xabcd" + "00" * 30
    assert head.parent_hash == "0xef01" + "00" * 30
    assert head.may_contain_topic(SYNC_TOPIC)
    assert head.received_ns == 5
    legacy = parse_head(56, {k: v for k, v in raw.items() if k != "baseFeePerGas"})
    assert legacy.base_fee_wei == 0


def test_parse_log_lowercases_keys() -> None:
    raw = {
        "address": "0xAbC0000000000000000000000000000000000001",
        "topics": [SYNC_TOPIC.upper().replace("0X", "0x")],
        "data": "0x" + "00" * 64,
        "blockNumber": "0x10",
        "blockHash": "0xAA" + "00" * 31,
        "logIndex": "0x3",
        "transactionHash": "0xBB" + "00" * 31,
        "removed": False,
    }
    entry = parse_log(1, raw)
    assert entry.address == "0xabc0000000000000000000000000000000000001"
    assert entry.topics == (SYNC_TOPIC,)
    assert (entry.block_number, entry.log_index, entry.removed) == (16, 3, False)
    assert entry.block_hash == "0xaa" + "00" * 31


def test_log_filter_parameters() -> None:
    assert LogFilter(topics=((SYNC_TOPIC,),)).to_params() == {"topics": [[SYNC_TOPIC]]}
    both = LogFilter(addresses=("0x01",), topics=((), ("0x02", "0x03")))
    assert both.to_params() == {"address": ["0x01"], "topics": [None, ["0x02", "0x03"]]}
