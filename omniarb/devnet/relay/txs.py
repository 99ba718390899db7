"""A signed transaction as the relay sees it: decoded from its raw bytes, sender recovered.

The relay never trusts a field it was told: the sender comes from the signature, the hash from
the bytes. Legacy transactions (RLP list, first byte >= 0xc0) and typed ones (EIP-2718: 0x01
access list, 0x02 EIP-1559) are accepted; anything else is refused with a clear message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import rlp
from Crypto.Hash import keccak
from eth_account import Account
from eth_account.typed_transactions.typed_transaction import TypedTransaction
from eth_utils.address import to_checksum_address
from hexbytes import HexBytes

__all__ = ["BadTransactionError", "SignedTx", "decode_raw_tx"]

_LEGACY_FIELDS = 9
_TYPED_FIRST_BYTE_MAX = 0x7F


class BadTransactionError(ValueError):
    """A raw transaction that cannot be decoded or whose signature does not recover."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedTx:
    """The fields the builder needs; fees in wei per gas (`gas_price_wei` for legacy ones)."""

    raw: str
    tx_hash: str
    sender: str
    nonce: int
    to: str | None
    value_wei: int
    data: str
    gas_limit: int
    chain_id: int | None
    gas_price_wei: int | None
    max_fee_per_gas_wei: int | None
    max_priority_fee_per_gas_wei: int | None
    access_list: tuple[dict[str, Any], ...] = ()

    def fee_cap_wei(self) -> int:
        """The most it pays per gas (base fee included)."""
        cap = self.gas_price_wei if self.gas_price_wei is not None else self.max_fee_per_gas_wei
        return cap or 0

    def tip_wei(self, base_fee_wei: int) -> int:
        """What the block's coinbase earns per gas over `base_fee_wei` (EIP-1559 effective tip)."""
        if self.gas_price_wei is not None:
            return max(self.gas_price_wei - base_fee_wei, 0)
        cap = self.max_fee_per_gas_wei or 0
        return max(min(self.max_priority_fee_per_gas_wei or 0, cap - base_fee_wei), 0)

    def call_object(self) -> dict[str, Any]:
        """The transaction as an `eth_simulateV1` call (every field it was signed with)."""
        call: dict[str, Any] = {
            "from": self.sender,
            "nonce": hex(self.nonce),
            "gas": hex(self.gas_limit),
            "value": hex(self.value_wei),
            "input": self.data,
        }
        # anvil builds a contract creation from an explicit `"to": null`, not an absent key.
        call["to"] = self.to
        if self.gas_price_wei is not None:
            call["gasPrice"] = hex(self.gas_price_wei)
        else:
            call["maxFeePerGas"] = hex(self.max_fee_per_gas_wei or 0)
            call["maxPriorityFeePerGas"] = hex(self.max_priority_fee_per_gas_wei or 0)
        if self.access_list:
            call["accessList"] = list(self.access_list)
        return call


def _keccak256(data: bytes) -> bytes:
    return keccak.new(data=data, digest_bits=256).digest()


def _address(value: Any) -> str | None:
    if value in (None, b"", ""):
        return None
    raw = value if isinstance(value, bytes) else bytes.fromhex(str(value).removeprefix("0x"))
    return to_checksum_address(raw)


def _int(value: Any) -> int:
    if isinstance(value, bytes):
        return int.from_bytes(value, "big")
    return int(value)


def _hex(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    text = str(value)
    return text if text.startswith("0x") else "0x" + text


def _word(value: Any) -> str:
    number = _int(value) if not isinstance(value, str) else int(value, 16)
    return f"0x{number:064x}"


def _legacy_fields(raw: bytes) -> dict[str, Any]:
    items = rlp.decode(raw)
    if not isinstance(items, list) or len(items) != _LEGACY_FIELDS:
        raise BadTransactionError("a legacy transaction is an RLP list of 9 items")
    nonce, gas_price, gas, to, value, data, v, _r, _s = items
    v_int = _int(v)
    # EIP-155: v = chain_id * 2 + 35 (+1); pre-155 signatures (27/28) name no chain.
    chain_id = (v_int - 35) // 2 if v_int >= 35 else None
    return {
        "nonce": _int(nonce),
        "gasPrice": _int(gas_price),
        "gas": _int(gas),
        "to": to,
        "value": _int(value),
        "data": data,
        "chainId": chain_id,
    }


def decode_raw_tx(raw_hex: str) -> SignedTx:
    """Decode a 0x-hex signed transaction; `BadTransactionError` says what is wrong."""
    if not isinstance(raw_hex, str) or not raw_hex.startswith("0x"):
        raise BadTransactionError("a transaction is a 0x-prefixed hex string")
    try:
        raw = bytes.fromhex(raw_hex[2:])
    except ValueError:
        raise BadTransactionError("a transaction is not valid hex") from None
    if not raw:
        raise BadTransactionError("an empty transaction")
    try:
        if raw[0] > _TYPED_FIRST_BYTE_MAX:
            fields = _legacy_fields(raw)
        else:
            fields = dict(TypedTransaction.from_bytes(HexBytes(raw)).as_dict())
        sender = Account.recover_transaction(raw)
    except BadTransactionError:
        raise
    except Exception as exc:  # rlp and eth_account raise many kinds on bad bytes
        raise BadTransactionError(f"undecodable transaction: {type(exc).__name__}") from None
    legacy = "gasPrice" in fields and "maxFeePerGas" not in fields
    access = tuple(
        {
            "address": _hex(item["address"]),
            "storageKeys": [_word(k) for k in item.get("storageKeys", ())],
        }
        for item in fields.get("accessList", ()) or ()
    )
    chain_id = fields.get("chainId")
    return SignedTx(
        raw="0x" + raw.hex(),
        tx_hash="0x" + _keccak256(raw).hex(),
        sender=to_checksum_address(sender),
        nonce=_int(fields["nonce"]),
        to=_address(fields.get("to")),
        value_wei=_int(fields.get("value", 0)),
        data=_hex(fields.get("data", b"")),
        gas_limit=_int(fields["gas"]),
        chain_id=None if chain_id is None else _int(chain_id),
        gas_price_wei=_int(fields["gasPrice"]) if legacy else None,
        max_fee_per_gas_wei=None if legacy else _int(fields["maxFeePerGas"]),
        max_priority_fee_per_gas_wei=None if legacy else _int(fields["maxPriorityFeePerGas"]),
        access_list=access,
    )
