"""Our signer's raw transactions and hashes equal eth_account's, and the key never shows.

Both sign with RFC 6979 deterministic nonces, so for the same fields the signatures, the raw
bytes and the hashes must be identical; hypothesis draws keys, chain ids and every field, with
empty and long calldata and values up to 2**256 - 1.
"""

from __future__ import annotations

import copy
import logging
import pickle
import traceback
from typing import Any

import pytest
from eth_account import Account
from eth_utils.address import to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st

from omniarb.chains.fees import Eip1559Fees, LegacyFees
from omniarb.config import load_secrets
from omniarb.devnet.accounts import BOT_INDEX, dev_account
from omniarb.errors import ConfigError
from omniarb.execute.signer import Signer

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
UINT256 = 2**256 - 1

keys = st.integers(min_value=1, max_value=SECP256K1_N - 1).map(lambda k: k.to_bytes(32, "big"))
chain_ids = st.sampled_from([1, 10, 56, 137, 42161]) | st.integers(min_value=1, max_value=2**48)
addresses = st.binary(min_size=20, max_size=20).map(to_checksum_address)
calldata = st.sampled_from([b"", b"\x00", b"\x7f", b"\x80"]) | st.binary(max_size=3_000)
small_or_big = st.integers(min_value=0, max_value=2**64 - 1) | st.integers(
    min_value=0, max_value=UINT256
)


def _reference(key: bytes, tx: dict[str, Any]) -> tuple[bytes, str]:
    signed = Account.sign_transaction(tx, key)
    return bytes(signed.raw_transaction), "0x" + bytes(signed.hash).hex()


@settings(max_examples=400, deadline=None)
@given(
    key=keys,
    chain_id=chain_ids,
    nonce=st.integers(min_value=0, max_value=2**64 - 2),
    to=addresses,
    data=calldata,
    gas=st.integers(min_value=0, max_value=2**64 - 1),
    max_fee=small_or_big,
    tip=small_or_big,
    value=small_or_big,
)
def test_eip1559_equals_eth_account(
    key: bytes,
    chain_id: int,
    nonce: int,
    to: str,
    data: bytes,
    gas: int,
    max_fee: int,
    tip: int,
    value: int,
) -> None:
    signed = Signer(key, chain_id=chain_id).sign(
        nonce=nonce,
        to=to,
        data=data,
        gas=gas,
        fees=Eip1559Fees(max_fee_per_gas_wei=max_fee, max_priority_fee_per_gas_wei=tip),
        value=value,
    )
    tx = {
        "type": 2,
        "chainId": chain_id,
        "nonce": nonce,
        "to": to,
        "value": value,
        "gas": gas,
        "maxFeePerGas": max_fee,
        "maxPriorityFeePerGas": tip,
        "data": data,
    }
    assert (signed.raw, signed.tx_hash) == _reference(key, tx)
    assert signed.nonce == nonce
    assert signed.raw_hex == "0x" + signed.raw.hex()


@settings(max_examples=400, deadline=None)
@given(
    key=keys,
    chain_id=chain_ids,
    nonce=st.integers(min_value=0, max_value=2**64 - 2),
    to=addresses,
    data=calldata,
    gas=st.integers(min_value=0, max_value=2**64 - 1),
    gas_price=small_or_big,
    value=small_or_big,
)
def test_legacy_eip155_equals_eth_account(
    key: bytes,
    chain_id: int,
    nonce: int,
    to: str,
    data: bytes,
    gas: int,
    gas_price: int,
    value: int,
) -> None:
    signed = Signer(key, chain_id=chain_id).sign(
        nonce=nonce,
        to=to,
        data=data,
        gas=gas,
        fees=LegacyFees(gas_price_wei=gas_price, tip_wei=0),
        value=value,
    )
    tx = {
        "chainId": chain_id,
        "nonce": nonce,
        "to": to,
        "value": value,
        "gas": gas,
        "gasPrice": gas_price,
        "data": data,
    }
    assert (signed.raw, signed.tx_hash) == _reference(key, tx)


@pytest.mark.parametrize("legacy", [False, True])
def test_contract_creation_has_an_empty_destination(legacy: bool) -> None:
    key = dev_account(BOT_INDEX).private_key
    signer = Signer(key, chain_id=56)
    tx: dict[str, Any] = {"chainId": 56, "nonce": 3, "value": 0, "gas": 500_000, "data": b"\x60"}
    if legacy:
        signed = signer.sign_legacy(nonce=3, to=None, data=b"\x60", gas=500_000, gas_price_wei=7)
        tx["gasPrice"] = 7
    else:
        signed = signer.sign_eip1559(
            nonce=3,
            to=None,
            data=b"\x60",
            gas=500_000,
            max_fee_per_gas_wei=9,
            max_priority_fee_per_gas_wei=2,
        )
        tx |= {"type": 2, "maxFeePerGas": 9, "maxPriorityFeePerGas": 2}
    assert (signed.raw, signed.tx_hash) == _reference(key, tx)


def test_one_signer_alternates_destinations_and_types() -> None:
    """The per-destination cache must not leak one transaction's `to` into the next."""
    key = dev_account(BOT_INDEX).private_key
    signer = Signer(key, chain_id=1)
    for i in range(200):  # past the cache's cap of 64 destinations
        to = to_checksum_address(i.to_bytes(20, "big"))
        signed = signer.sign_legacy(nonce=i, to=to, data=b"", gas=21_000, gas_price_wei=1)
        tx = {"chainId": 1, "nonce": i, "to": to, "value": 0, "gas": 21_000, "gasPrice": 1}
        assert signed.raw == _reference(key, tx)[0]


def test_address_is_the_keys_account() -> None:
    account = dev_account(BOT_INDEX)
    assert Signer(account.private_key, chain_id=1).address == account.address


# -- the key never shows --------------------------------------------------------------------

# A public test vector (eth-account's documentation example), never a funded key.
KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")


def _forms(key: bytes) -> list[str]:
    """Every way the key could be spelled in text."""
    hex_key = key.hex()
    return [hex_key, hex_key.upper(), str(int.from_bytes(key, "big")), repr(key)[2:-1]]


def _assert_hidden(text: str, key: bytes = KEY) -> None:
    for form in _forms(key):
        assert form not in text


def test_repr_and_str_hide_the_key() -> None:
    signer = Signer(KEY, chain_id=1)
    assert signer.address in repr(signer)
    _assert_hidden(repr(signer))
    _assert_hidden(str(signer))
    _assert_hidden(f"{signer!r} {signer}")


@pytest.mark.parametrize("copier", [pickle.dumps, copy.copy, copy.deepcopy])
def test_a_signer_cannot_be_serialized_or_copied(copier: Any) -> None:
    signer = Signer(KEY, chain_id=1)
    with pytest.raises(TypeError, match="private key") as info:
        copier(signer)
    _assert_hidden(str(info.value))


@pytest.mark.parametrize(
    "bad_key",
    [SECP256K1_N.to_bytes(32, "big"), b"\xab" * 31, b"\xcd" * 33, KEY[:31], KEY + b"\x01"],
)
def test_invalid_key_error_does_not_show_it(bad_key: bytes) -> None:
    with pytest.raises(ConfigError, match="value is not shown") as info:
        Signer(bad_key, chain_id=1)
    text = "".join(traceback.format_exception(info.value))
    _assert_hidden(text, bad_key)


def test_zero_key_is_refused() -> None:
    with pytest.raises(ConfigError, match="not a valid secp256k1 key"):
        Signer(bytes(32), chain_id=1)


def test_signing_errors_do_not_show_the_key() -> None:
    signer = Signer(KEY, chain_id=1)
    fees = Eip1559Fees(max_fee_per_gas_wei=1, max_priority_fee_per_gas_wei=1)
    with pytest.raises(ValueError, match="negative") as negative:
        signer.sign(nonce=-1, to=signer.address, data=b"", gas=1, fees=fees)
    with pytest.raises(ValueError, match="20-byte") as bad_to:
        signer.sign(nonce=1, to="0x1234", data=b"", gas=1, fees=fees)
    for info in (negative, bad_to):
        _assert_hidden("".join(traceback.format_exception(info.value)))


def test_key_from_the_environment(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secrets = load_secrets({"OMNIARB_PRIVATE_KEY": "0x" + KEY.hex()})
    signer = Signer.from_secrets(
        secrets, chain_id=56, default_key=dev_account(BOT_INDEX).private_key
    )
    assert signer.address == Account.from_key(KEY).address
    assert signer.chain_id == 56
    _assert_hidden(caplog.text)


def test_default_key_is_the_one_given(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    bot = dev_account(BOT_INDEX)
    signer = Signer.from_secrets(load_secrets({}), chain_id=1, default_key=bot.private_key)
    assert signer.address == bot.address
    assert "signing with the devnet's key" in caplog.text
    _assert_hidden(caplog.text, bot.private_key)


def test_real_networks_need_a_key() -> None:
    with pytest.raises(ConfigError, match="OMNIARB_PRIVATE_KEY is not set"):
        Signer.from_secrets(load_secrets({}), chain_id=1)


def test_chain_id_must_be_positive() -> None:
    with pytest.raises(ValueError, match="chain_id"):
        Signer(KEY, chain_id=0)
