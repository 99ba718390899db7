"""The bus's pure parts: entry fields and their decoding, the relay's idempotency keys, id
ordering for trimming, and the `[cluster] max_deliveries` setting's bounds."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from omniarb._config_cluster import ClusterSettings
from omniarb.bus.live_relay import message_key
from omniarb.bus.stream_entries import decode_entry, done_key, encode_fields, stream_key
from omniarb.bus.trim import parse_id


def test_fields_round_trip_and_keep_big_integers_as_strings() -> None:
    fields = encode_fields("trade", "0xabc", "worker-a", {"amount": str(2**80), "n": 3})
    assert fields == {
        "type": "trade",
        "key": "0xabc",
        "producer": "worker-a",
        "data": f'{{"amount":"{2**80}","n":3}}',
    }
    entry = decode_entry("events", "5-1", fields, deliveries=2)
    assert (entry.stream, entry.id, entry.type, entry.key, entry.producer) == (
        "events",
        "5-1",
        "trade",
        "0xabc",
        "worker-a",
    )
    assert entry.data == {"amount": str(2**80), "n": 3}
    assert entry.deliveries == 2


def test_an_entry_needs_a_key_and_json_data() -> None:
    with pytest.raises(ValueError, match="key"):
        encode_fields("trade", "", "w", {})
    with pytest.raises(TypeError):
        encode_fields("trade", "k", "w", {"raw": b"bytes"})
    with pytest.raises(json.JSONDecodeError):  # a ValueError: the consumer dead-letters it
        decode_entry("events", "1-0", {"type": "t", "key": "k", "data": "{oops"})


def test_key_layout() -> None:
    assert stream_key("omniarb:", "events") == "omniarb:stream:events"
    assert done_key("omniarb:", "events", "api", "trade:0x1") == "omniarb:done:events:api:trade:0x1"


def test_relay_keys_prefer_natural_ids() -> None:
    run = {"producer": "w1", "run": "abcd1234"}
    assert message_key("trade", 4, {"tx_hash": "0xaa"}, **run) == "trade:0xaa"
    assert message_key("trade", 4, {"tx_hash": None}, **run) == "w1:abcd1234:4"
    assert message_key("opportunity", 5, {"id": "o-1"}, **run) == "opportunity:o-1"
    assert message_key("alert", 6, {"id": "a-1"}, **run) == "alert:a-1"
    assert message_key("stats", 7, {"chains": []}, **run) == "w1:abcd1234:7"


def test_ids_order_as_redis_orders_them() -> None:
    assert parse_id("1700000000000-9") < parse_id("1700000000000-10")
    assert parse_id("999-5") < parse_id("1000-0")
    assert parse_id("42") == (42, 0)


def test_max_deliveries_is_bounded() -> None:
    assert ClusterSettings().max_deliveries == 5
    assert ClusterSettings.model_validate({"max_deliveries": 1}).max_deliveries == 1
    for bad in (0, 101):
        with pytest.raises(ValidationError):
            ClusterSettings.model_validate({"max_deliveries": bad})
