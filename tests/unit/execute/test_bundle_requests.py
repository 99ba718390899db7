"""Bundle relay requests: the parameter objects the relays document, the bundle hash computed
independently, invalid bundles refused, and a signature that covers the exact body sent."""

from __future__ import annotations

import json

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import keccak

from omniarb.devnet.accounts import dev_account
from omniarb.execute.bundle_requests import SIGNATURE_HEADER, Bundle, cancel_params, relay_request
from omniarb.execute.relay_auth import RelayAuth

# An anvil dev account's key: public, and no one's reputation.
KEY = dev_account(3).private_key
PENDING = "0x02f870018203e8" + "ab" * 40
OURS = "0x02f870018203e9" + "cd" * 40


def test_send_params_carry_only_what_is_set() -> None:
    bundle = Bundle(txs=(PENDING, OURS), block_number=21_000_000)
    assert bundle.send_params() == {"txs": [PENDING, OURS], "blockNumber": hex(21_000_000)}
    pending_hash = "0x" + keccak(bytes.fromhex(PENDING[2:])).hex()
    full = Bundle(
        txs=(PENDING, OURS),
        block_number=21_000_000,
        min_timestamp=1_700_000_000,
        max_timestamp=1_700_000_120,
        reverting_tx_hashes=(pending_hash,),
        replacement_uuid="c9a6c0e0-9b2f-4b35-8f39-5f3b0c6d2a11",
    )
    assert full.send_params() == {
        "txs": [PENDING, OURS],
        "blockNumber": "0x1406f40",
        "minTimestamp": 1_700_000_000,
        "maxTimestamp": 1_700_000_120,
        "revertingTxHashes": [pending_hash],
        "replacementUuid": "c9a6c0e0-9b2f-4b35-8f39-5f3b0c6d2a11",
    }
    assert full.call_params(20_999_999) == {
        "txs": [PENDING, OURS],
        "blockNumber": "0x1406f40",
        "stateBlockNumber": hex(20_999_999),
    }
    assert cancel_params("u") == {"replacementUuid": "u"}


def test_the_bundle_hash_is_keccak_of_the_tx_hashes_in_order() -> None:
    bundle = Bundle(txs=(PENDING, OURS), block_number=1)
    hashes = [keccak(bytes.fromhex(tx[2:])) for tx in (PENDING, OURS)]
    assert bundle.tx_hashes == tuple("0x" + h.hex() for h in hashes)
    assert bundle.bundle_hash == "0x" + keccak(b"".join(hashes)).hex()
    assert Bundle(txs=(OURS, PENDING), block_number=1).bundle_hash != bundle.bundle_hash


def test_bad_bundles_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Bundle(txs=(), block_number=1)
    with pytest.raises(ValueError, match="block > 0"):
        Bundle(txs=(OURS,), block_number=0)
    with pytest.raises(ValueError, match="after maxTimestamp"):
        Bundle(txs=(OURS,), block_number=1, min_timestamp=2, max_timestamp=1)
    with pytest.raises(ValueError, match="not in the bundle"):
        Bundle(txs=(OURS,), block_number=1, reverting_tx_hashes=("0x" + "00" * 32,))


def test_the_signature_covers_the_exact_body() -> None:
    auth = RelayAuth(KEY)
    bundle = Bundle(txs=(PENDING, OURS), block_number=5)
    body, headers = relay_request("eth_sendBundle", [bundle.send_params()], auth, request_id=7)
    assert json.loads(body) == {
        "jsonrpc": "2.0",
        "id": 7,
        "method": "eth_sendBundle",
        "params": [bundle.send_params()],
    }
    address, signature = headers[SIGNATURE_HEADER].split(":")
    message = encode_defunct(text="0x" + keccak(body).hex())
    assert Account.recover_message(message, signature=signature) == address == auth.address
    # One byte more and the relay recovers someone else.
    tampered = encode_defunct(text="0x" + keccak(body + b" ").hex())
    assert Account.recover_message(tampered, signature=signature) != address
