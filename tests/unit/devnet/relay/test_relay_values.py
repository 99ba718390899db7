"""The relay's pure parts: decoding signed transactions, the signature check, parameter
validation, the bundle book's replacement rules and the public pool's fee order."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from eth_account import Account

from omniarb.devnet.accounts import dev_account
from omniarb.devnet.relay.book import BundleBook
from omniarb.devnet.relay.pool import fee_order
from omniarb.devnet.relay.requests import InvalidParamsError, parse_cancel, parse_send_bundle
from omniarb.devnet.relay.signature import SignatureRefusedError, verify_signature
from omniarb.devnet.relay.txs import BadTransactionError, decode_raw_tx
from omniarb.execute.bundle_requests import Bundle
from omniarb.execute.relay_auth import RelayAuth

CHAIN_ID = 31337
TO = "0x1111111111111111111111111111111111111111"


def _raw(index: int, nonce: int, tip_wei: int, **extra: Any) -> str:
    tx = {
        "type": 2,
        "chainId": CHAIN_ID,
        "nonce": nonce,
        "to": TO,
        "value": 5,
        "gas": 21_000,
        "maxFeePerGas": 10**10 + tip_wei,
        "maxPriorityFeePerGas": tip_wei,
        **extra,
    }
    signed = Account.sign_transaction(tx, dev_account(index).private_key)
    return "0x" + bytes(signed.raw_transaction).hex()


def test_a_signed_transaction_decodes_with_its_sender_and_hash() -> None:
    raw = _raw(3, 7, 2, data="0x0102")
    tx = decode_raw_tx(raw)
    assert tx.sender == dev_account(3).address
    assert tx.nonce == 7
    assert tx.to == TO
    assert tx.data == "0x0102"
    assert tx.tx_hash == Bundle(txs=(raw,), block_number=1).tx_hashes[0]
    assert tx.tip_wei(base_fee_wei=10**10) == 2
    assert tx.tip_wei(base_fee_wei=10**10 + 1) == 1  # capped by maxFeePerGas


def test_a_legacy_transaction_decodes_with_its_chain_id() -> None:
    legacy = {"chainId": CHAIN_ID, "nonce": 1, "to": TO, "value": 0, "gas": 21_000}
    signed = Account.sign_transaction({**legacy, "gasPrice": 7}, dev_account(2).private_key)
    tx = decode_raw_tx("0x" + bytes(signed.raw_transaction).hex())
    assert (tx.sender, tx.chain_id, tx.gas_price_wei) == (dev_account(2).address, CHAIN_ID, 7)
    assert tx.call_object()["gasPrice"] == "0x7"


@pytest.mark.parametrize("raw", ["", "0x", "0xzz", "0x02c0", "0xc0", "1234"])
def test_garbage_is_refused_as_a_bad_transaction(raw: str) -> None:
    with pytest.raises(BadTransactionError):
        decode_raw_tx(raw)


def test_the_signature_check_recovers_exactly_the_signer() -> None:
    auth = RelayAuth(dev_account(11).private_key)
    body = b'{"jsonrpc":"2.0","id":1,"method":"eth_sendBundle","params":[]}'
    assert verify_signature(auth.header(body), body) == auth.address
    with pytest.raises(SignatureRefusedError, match="missing"):
        verify_signature(None, body)
    with pytest.raises(SignatureRefusedError, match="signature check"):
        verify_signature(auth.header(body), body + b" ")
    with pytest.raises(SignatureRefusedError, match="signature check"):
        verify_signature(auth.address + ":0x1234", body)
    with pytest.raises(SignatureRefusedError, match="not <address>"):
        verify_signature("0x1234:0x00", body)


def test_send_bundle_params_are_checked_field_by_field() -> None:
    raw = _raw(1, 0, 1)
    good = parse_send_bundle(
        [{"txs": [raw], "blockNumber": "0x10", "minTimestamp": 0, "replacementUuid": None}],
        chain_id=CHAIN_ID,
    )
    assert (good.block_number, good.min_timestamp, good.replacement_uuid) == (16, None, None)
    bad_cases = [
        ({"txs": [raw], "blockNumber": "16"}, "blockNumber"),
        ({"txs": [raw, raw], "blockNumber": "0x10"}, "twice"),
        ({"txs": [raw], "blockNumber": "0x10", "minTimestamp": 5, "maxTimestamp": 4}, "after"),
        ({"txs": [raw], "blockNumber": "0x10", "revertingTxHashes": ["0x" + "00" * 32]}, "not in"),
        ({"txs": [raw], "blockNumber": "0x10", "minTimestamp": "5"}, "minTimestamp"),
        ({"txs": [_raw(1, 0, 1, chainId=1)], "blockNumber": "0x10"}, "chain 1"),
    ]
    for fields, wording in bad_cases:
        with pytest.raises(InvalidParamsError, match=wording):
            parse_send_bundle([fields], chain_id=CHAIN_ID)
    with pytest.raises(InvalidParamsError, match="one parameter object"):
        parse_send_bundle([], chain_id=CHAIN_ID)
    with pytest.raises(InvalidParamsError, match="UUID"):
        parse_cancel([{"replacementUuid": 5}])


def test_the_book_replaces_by_searcher_uuid_and_block_and_cancels_every_block() -> None:
    book = BundleBook()
    replacement = str(uuid.uuid4())

    def request(nonce: int, block: int, index: int = 1) -> Any:
        params = {"txs": [_raw(index, nonce, 1)], "blockNumber": hex(block)}
        return parse_send_bundle([{**params, "replacementUuid": replacement}], chain_id=CHAIN_ID)

    first = book.add(request(0, 10), searcher="0xA")
    second = book.add(request(1, 10), searcher="0xA")  # replaces the first for block 10
    book.add(request(1, 11), searcher="0xA")
    other = book.add(request(0, 10, index=2), searcher="0xB")  # another searcher's uuid space
    assert {b.bundle_hash for b in book.for_block(10)} == {second.bundle_hash, other.bundle_hash}
    assert first.bundle_hash not in {b.bundle_hash for b in book.for_block(10)}
    assert len(book.cancel(replacement, searcher="0xA")) == 2
    assert [b.searcher for b in book.for_block(10)] == ["0xB"]
    assert book.for_block(11) == []
    assert [b.searcher for b in book.close_through(10)] == ["0xB"]
    assert len(book) == 0


def test_the_public_pool_goes_by_tip_across_senders_and_by_nonce_within_one() -> None:
    low0, low1 = decode_raw_tx(_raw(1, 0, 1)), decode_raw_tx(_raw(1, 1, 100))
    mid = decode_raw_tx(_raw(2, 0, 50))
    ordered = fee_order([low1, mid, low0], base_fee_wei=0)
    # Sender 1's nonce 1 tips most but must wait for its nonce 0, which tips least.
    assert [t.tx_hash for t in ordered] == [mid.tx_hash, low0.tx_hash, low1.tx_hash]
