"""The pool codec's allow-list and tags: it builds only the classes it lists, refuses fields a
class does not have and values it cannot carry, and keeps every tagged type apart (an int is
never read back as a string, a tuple never as a list)."""

from __future__ import annotations

import json
from enum import StrEnum

import pytest

from omniarb.bus.pool_codec import PoolCodec, PoolCodecError, decode_update, encode_update
from omniarb.dex.uniswap_v2.pool import V2PoolState
from omniarb.dex.uniswap_v3.tick_table import TickTable
from omniarb.types import PoolUpdate, Token

A = "0x" + "11" * 20
B = "0x" + "22" * 20


def pair(reserve0: int = 10**30 + 1) -> V2PoolState:
    return V2PoolState(
        chain_id=42161,
        address="0x" + "aa" * 20,
        dex="sushiswap",
        factory="0x" + "ff" * 20,
        token0=A,
        token1=B,
        reserve0=reserve0,
        reserve1=3 * 10**24,
        fee_bps=30,
        block_number=7,
    )


def through_json(codec: PoolCodec, value: object) -> object:
    return codec.decode(json.loads(json.dumps(codec.encode(value))))


def test_values_of_every_tag_come_back_equal_and_typed() -> None:
    codec = PoolCodec()
    value = (1, "1", 2**200, -(2**80), True, None, 0.1, (), [1, "x"], {3: (4, 5)}, b"\x00\xff")
    back = through_json(codec, value)
    assert back == value
    assert [type(item) for item in back] == [type(item) for item in value]  # type: ignore[attr-defined]
    assert through_json(codec, frozenset({1, 2})) == frozenset({1, 2})


def test_big_ints_travel_as_decimal_strings() -> None:
    encoded = json.dumps(PoolCodec().encode(pair(reserve0=2**255 - 19)))
    assert f'"{2**255 - 19}"' in encoded
    assert through_json(PoolCodec(), pair(reserve0=2**255 - 19)) == pair(reserve0=2**255 - 19)


def test_a_class_off_the_allow_list_is_neither_encoded_nor_built() -> None:
    codec = PoolCodec()
    token = Token(chain_id=1, address=A, symbol="A", decimals=18)
    with pytest.raises(PoolCodecError, match="allow-list"):
        codec.encode(token)
    with pytest.raises(PoolCodecError, match="allow-list"):
        codec.decode({"c": "Token", "f": {"chain_id": {"i": "1"}}})
    # A name that is a class elsewhere builds nothing either: lookups are by the list only.
    with pytest.raises(PoolCodecError, match="allow-list"):
        codec.decode({"c": "Popen", "f": {"args": "true"}})


class Colour(StrEnum):
    RED = "red"


def test_an_enum_is_built_only_when_listed() -> None:
    with pytest.raises(PoolCodecError, match="allow-list"):
        PoolCodec().encode(Colour.RED)
    codec = PoolCodec([Colour])
    assert through_json(codec, Colour.RED) is Colour.RED


def test_unknown_fields_and_malformed_values_are_refused() -> None:
    codec = PoolCodec()
    encoded = codec.encode(pair())
    encoded["f"]["owner"] = "0x" + "00" * 20
    with pytest.raises(PoolCodecError, match="no field"):
        codec.decode(encoded)
    missing = codec.encode(pair())
    del missing["f"]["reserve1"]
    with pytest.raises(PoolCodecError, match="malformed"):
        codec.decode(missing)
    with pytest.raises(PoolCodecError):
        codec.decode({"i": 5})  # an int must be a decimal string
    with pytest.raises(PoolCodecError):
        codec.decode({"x": []})
    with pytest.raises(PoolCodecError):
        codec.decode(7)


def test_a_tick_table_rebuilds_its_sqrt_prices_not_sent() -> None:
    table = TickTable.from_ticks({-60: (10**18, 10**18), 60: (10**18, -(10**18))})
    encoded = PoolCodec().encode(table)
    assert set(encoded["f"]) == {"ticks", "liquidity_net", "liquidity_gross"}
    back = through_json(PoolCodec(), table)
    assert isinstance(back, TickTable)
    assert back.sqrt_prices == table.sqrt_prices


def test_an_update_keeps_what_the_coordinator_reads_and_drops_the_clocks() -> None:
    codec = PoolCodec()
    update = PoolUpdate(
        chain_id=42161,
        block_number=9,
        block_hash="0x" + "cd" * 32,
        base_fee_wei=2**70,
        pools=(pair(),),
        new_pools=(pair().address,),
        received_ns=123,
    )
    chain, back = decode_update(json.loads(json.dumps(encode_update("arb", update, codec))), codec)
    assert chain == "arb"
    assert back.received_ns == 0
    assert back == PoolUpdate(
        chain_id=42161,
        block_number=9,
        block_hash=update.block_hash,
        base_fee_wei=2**70,
        pools=(pair(),),
        new_pools=(pair().address,),
    )
    broken = encode_update("arb", update, codec)
    del broken["block_hash"]
    with pytest.raises(PoolCodecError):
        decode_update(broken, codec)
