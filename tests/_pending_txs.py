"""Transactions of every type signed with eth-account, for the pending-stream tests: the field
dicts eth-account signs, and the JSON object a node describes such a transaction with (built here
from the signed fields and eth-account's signature, independently of `omniarb.chains.raw_tx`).

Lives at the root of tests/ (on sys.path through tests/conftest.py).
"""

from __future__ import annotations

from typing import Any

from eth_account import Account
from eth_account.datastructures import SignedTransaction

from omniarb.devnet.accounts import dev_account

RECIPIENT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
STORAGE_KEY = "0x" + "00" * 31 + "01"


def fields_of_type(tx_type: int, *, chain_id: int, nonce: int, data: str = "0x") -> dict[str, Any]:
    """eth-account's fields of a transaction of `tx_type` (0, 1, 2; 4 needs `authorize`)."""
    base: dict[str, Any] = {
        "to": RECIPIENT,
        "value": 1 + nonce,
        "gas": 100_000,
        "nonce": nonce,
        "chainId": chain_id,
        "data": data,
    }
    if tx_type == 0:
        return base | {"gasPrice": 2 * 10**9}
    if tx_type == 1:
        access = [{"address": RECIPIENT, "storageKeys": [STORAGE_KEY]}]
        return base | {"type": 1, "gasPrice": 2 * 10**9, "accessList": access}
    if tx_type == 2:
        return base | {"maxFeePerGas": 3 * 10**9, "maxPriorityFeePerGas": 10**9}
    raise ValueError(f"no plain fields for type {tx_type}")


def authorize(
    fields: dict[str, Any], *, account_index: int, chain_id: int, auth_nonce: int
) -> dict[str, Any]:
    """`fields` (a type 2 dict) as an EIP-7702 transaction carrying one authorization."""
    account = Account.from_key(dev_account(account_index).private_key)
    auth = account.sign_authorization(
        {"chainId": chain_id, "address": RECIPIENT, "nonce": auth_nonce}
    )
    return fields | {"authorizationList": [auth]}


def sign(fields: dict[str, Any], *, account_index: int) -> SignedTransaction:
    return Account.from_key(dev_account(account_index).private_key).sign_transaction(fields)


def _q(value: int) -> str:
    return hex(value)


def node_object(fields: dict[str, Any], signed: SignedTransaction, sender: str) -> dict[str, Any]:
    """The JSON object a node sends for `signed` (anvil's field names and forms)."""
    typed = "maxFeePerGas" in fields or "accessList" in fields or "type" in fields
    tx_type = 4 if "authorizationList" in fields else 2 if "maxFeePerGas" in fields else 1
    tx: dict[str, Any] = {
        "hash": "0x" + signed.hash.hex(),
        "from": sender.lower(),
        "nonce": _q(fields["nonce"]),
        "gas": _q(fields["gas"]),
        "value": _q(fields["value"]),
        "input": fields.get("data", "0x"),
        "r": _q(signed.r),
        "s": _q(signed.s),
        "v": _q(signed.v),
        "blockHash": None,
        "blockNumber": None,
        "transactionIndex": None,
    }
    if "to" in fields:
        tx["to"] = fields["to"].lower()
    if "chainId" in fields:
        tx["chainId"] = _q(fields["chainId"])
    if not typed:
        return tx | {"type": "0x0", "gasPrice": _q(fields["gasPrice"])}
    tx |= {"type": _q(tx_type), "yParity": _q(signed.v)}
    tx["accessList"] = [
        {"address": e["address"].lower(), "storageKeys": list(e["storageKeys"])}
        for e in fields.get("accessList", [])
    ]
    if tx_type == 1:
        return tx | {"gasPrice": _q(fields["gasPrice"])}
    tx |= {
        "maxFeePerGas": _q(fields["maxFeePerGas"]),
        "maxPriorityFeePerGas": _q(fields["maxPriorityFeePerGas"]),
    }
    if tx_type == 4:
        tx["authorizationList"] = [
            {
                "chainId": _q(a.chain_id),
                "address": "0x" + bytes(a.address).hex(),
                "nonce": _q(a.nonce),
                "yParity": _q(a.y_parity),
                "r": _q(a.r),
                "s": _q(a.s),
            }
            for a in fields["authorizationList"]
        ]
    return tx
