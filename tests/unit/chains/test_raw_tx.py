"""Rebuilding a signed transaction's bytes from a node's object: equal to eth-account's signed
bytes for every type we support (0 with and without EIP-155, 1, 2, 4, contract creations,
random fields), and every corruption of the object refused as malformed, never another error."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from _pending_txs import authorize, fields_of_type, node_object, sign
from hypothesis import given, settings
from hypothesis import strategies as st

from omniarb.chains.raw_tx import MalformedTxError, UnsupportedTxTypeError, signed_raw
from omniarb.devnet.accounts import dev_account
from omniarb.pending_tx import parse_pending_tx

INDEX = 3
SENDER = dev_account(INDEX).address
CHAIN_ID = 137


def _signed(fields: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    signed = sign(fields, account_index=INDEX)
    return node_object(fields, signed, SENDER), bytes(signed.raw_transaction)


@pytest.mark.parametrize("tx_type", [0, 1, 2])
def test_each_type_rebuilds_to_the_signed_bytes(tx_type: int) -> None:
    obj, raw = _signed(fields_of_type(tx_type, chain_id=CHAIN_ID, nonce=7, data="0xdeadbeef"))
    fields, rebuilt = signed_raw(obj)
    assert rebuilt == raw
    assert fields.tx_type == tx_type
    assert fields.input == bytes.fromhex("deadbeef")


def test_a_set_code_transaction_rebuilds_with_its_authorizations() -> None:
    fields = authorize(
        fields_of_type(2, chain_id=CHAIN_ID, nonce=1),
        account_index=INDEX + 1,
        chain_id=CHAIN_ID,
        auth_nonce=9,
    )
    obj, raw = _signed(fields)
    parsed, rebuilt = signed_raw(obj)
    assert rebuilt == raw
    assert parsed.tx_type == 4
    assert [a.nonce for a in parsed.authorizations] == [9]


def test_a_legacy_transaction_without_eip155_and_a_creation_rebuild() -> None:
    fields = fields_of_type(0, chain_id=CHAIN_ID, nonce=0, data="0x6000600055")
    del fields["chainId"], fields["to"]
    obj, raw = _signed(fields)
    assert obj["v"] in ("0x1b", "0x1c")
    parsed, rebuilt = signed_raw(obj)
    assert rebuilt == raw
    assert parsed.to is None
    assert parsed.chain_id is None


def test_the_pending_value_carries_the_fields() -> None:
    obj, raw = _signed(fields_of_type(2, chain_id=CHAIN_ID, nonce=5, data="0x12345678ab"))
    tx = parse_pending_tx(CHAIN_ID, obj, seen_ns=42)
    assert tx.raw == raw
    assert tx.tx_hash == obj["hash"]
    assert tx.sender == SENDER.lower()
    assert tx.to == obj["to"]
    assert (tx.nonce, tx.value_wei, tx.gas, tx.tx_type) == (5, 6, 100_000, 2)
    assert tx.gas_price_wei is None
    assert (tx.max_fee_per_gas_wei, tx.max_priority_fee_per_gas_wei) == (3 * 10**9, 10**9)
    assert tx.selector == bytes.fromhex("12345678")
    assert tx.seen_ns == 42


def test_a_transaction_of_another_chain_is_malformed_on_this_stream() -> None:
    obj, _ = _signed(fields_of_type(2, chain_id=CHAIN_ID, nonce=0))
    with pytest.raises(MalformedTxError, match="chain id 137"):
        parse_pending_tx(1, obj, seen_ns=0)


uint64 = st.integers(min_value=0, max_value=2**64 - 1)


@settings(max_examples=60, deadline=None)
@given(
    tx_type=st.sampled_from([0, 1, 2]),
    nonce=uint64,
    value=st.integers(min_value=0, max_value=2**256 - 1),
    gas=st.integers(min_value=21_000, max_value=2**63),
    data=st.binary(max_size=300),
    chain_id=st.integers(min_value=1, max_value=2**32),
)
def test_random_fields_rebuild(
    tx_type: int, nonce: int, value: int, gas: int, data: bytes, chain_id: int
) -> None:
    fields = fields_of_type(tx_type, chain_id=chain_id, nonce=nonce, data="0x" + data.hex())
    fields |= {"value": value, "gas": gas}
    obj, raw = _signed(fields)
    assert signed_raw(obj)[1] == raw


def _corruptions() -> list[tuple[str, Any]]:
    return [
        ("value", "0x2"),  # another field: the hash no longer matches
        ("input", "0x00"),
        ("nonce", "7"),  # not 0x hex
        ("gas", 5),  # not a string
        ("gas", "0x"),  # no digits
        ("value", "0x" + "f" * 65),  # over 256 bits
        ("input", "0x123"),  # odd digits
        ("input", "0xzz"),
        ("to", "0x1234"),  # not 20 bytes
        ("hash", "0x00"),
        ("yParity", "0x2"),
        ("accessList", {"address": 1}),
        ("accessList", [{"address": "0x" + "11" * 20}]),  # no storageKeys
        ("accessList", [{"address": "0x" + "11" * 20, "storageKeys": ["0x01"]}]),
        ("type", "0x3"),  # a blob transaction
        ("type", "0x7e"),  # an OP deposit
        ("maxFeePerGas", None),
    ]


@pytest.mark.parametrize(("key", "bad"), _corruptions())
def test_a_corrupted_object_is_malformed(key: str, bad: Any) -> None:
    obj, _ = _signed(fields_of_type(2, chain_id=CHAIN_ID, nonce=3))
    corrupted = copy.deepcopy(obj) | {key: bad}
    with pytest.raises(MalformedTxError):
        parse_pending_tx(CHAIN_ID, corrupted, seen_ns=0)


@pytest.mark.parametrize("key", ["hash", "from", "nonce", "gas", "value", "input", "r", "s", "v"])
def test_a_missing_field_is_malformed(key: str) -> None:
    obj, _ = _signed(fields_of_type(1, chain_id=CHAIN_ID, nonce=3))
    del obj[key]
    with pytest.raises(MalformedTxError):
        signed_raw(obj)


def test_a_blob_transaction_is_unsupported_and_a_non_object_malformed() -> None:
    obj, _ = _signed(fields_of_type(2, chain_id=CHAIN_ID, nonce=3))
    with pytest.raises(UnsupportedTxTypeError) as info:
        signed_raw(obj | {"type": "0x3"})
    assert info.value.tx_type == 3
    for junk in (None, "0xabc", [obj], 3):
        with pytest.raises(MalformedTxError):
            signed_raw(junk)  # type: ignore[arg-type]


def test_a_legacy_v_that_is_neither_eip155_nor_27_28_is_malformed() -> None:
    obj, _ = _signed(fields_of_type(0, chain_id=CHAIN_ID, nonce=3))
    with pytest.raises(MalformedTxError, match="legacy v"):
        signed_raw(obj | {"v": "0x1"})
