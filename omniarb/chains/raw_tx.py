"""A signed transaction's raw bytes, rebuilt from the JSON object a node describes it with.

A node announces a pending transaction as an object (`eth_subscribe newPendingTransactions` with
full objects, `eth_getTransactionByHash`), not as the bytes it was sent as. A bundle that backruns
it must carry those exact bytes, so they are rebuilt here from the fields and the signature and
checked against the transaction's hash: keccak(raw) is the hash by definition, so a match proves
every field was read right, and a mismatch means the object is not what it claims (malformed).

The encodings, each `type || rlp([...])` except legacy's bare list:

    0  legacy, EIP-155:  [nonce, gasPrice, gas, to, value, data, v, r, s]
    1  EIP-2930:         [chainId, nonce, gasPrice, gas, to, value, data, accessList, yParity, r, s]
    2  EIP-1559:         [chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gas, to, value,
                          data, accessList, yParity, r, s]
    4  EIP-7702:         as 2, then authorizationList before yParity; each authorization is
                          [chainId, address, nonce, yParity, r, s]

An access list is [[address, [storageKey, ...]], ...]. A blob transaction (type 3) is refused
(`UnsupportedTxTypeError`): its network form carries the blobs, which no node object holds.

Everything read here is untrusted: any flaw raises `MalformedTxError` (a `RejectedError`: skip
this transaction, go on), never a `KeyError` or a `ValueError` of the caller's own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_utils.crypto import keccak

from omniarb.chains.rlp import encode_bytes, encode_int, encode_list
from omniarb.errors import RejectedError

__all__ = [
    "SUPPORTED_TYPES",
    "AccessEntry",
    "Authorization",
    "MalformedTxError",
    "TxFields",
    "UnsupportedTxTypeError",
    "encode_signed",
    "signed_raw",
    "tx_fields",
]

TYPE_LEGACY, TYPE_ACCESS_LIST, TYPE_EIP1559, TYPE_BLOB, TYPE_SET_CODE = 0, 1, 2, 3, 4
SUPPORTED_TYPES = frozenset({TYPE_LEGACY, TYPE_ACCESS_LIST, TYPE_EIP1559, TYPE_SET_CODE})
# A quantity is at most 256 bits: 64 hex digits. Longer is garbage (and costly to parse).
_MAX_QUANTITY_DIGITS = 64
# Calldata beyond a block's worth is not a transaction a node would hold.
_MAX_INPUT_BYTES = 4 * 1024 * 1024
_ADDRESS_BYTES = 20
_WORD_BYTES = 32


class MalformedTxError(RejectedError):
    """A node's transaction object that does not parse, or whose rebuilt bytes do not hash to
    the hash it names."""


class UnsupportedTxTypeError(MalformedTxError):
    """A transaction of a type whose signed bytes cannot be rebuilt from its object (`tx_type`)."""

    def __init__(self, tx_type: int) -> None:
        super().__init__(f"transaction type {tx_type} cannot be rebuilt")
        self.tx_type = tx_type


@dataclass(frozen=True, slots=True, kw_only=True)
class AccessEntry:
    """One EIP-2930 access-list entry."""

    address: bytes
    storage_keys: tuple[bytes, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Authorization:
    """One EIP-7702 authorization tuple, signed by the authority."""

    chain_id: int
    address: bytes
    nonce: int
    y_parity: int
    r: int
    s: int


@dataclass(frozen=True, slots=True, kw_only=True)
class TxFields:
    """A transaction's signed fields, parsed. `to` is None for a contract creation; the fee
    fields a type does not have are None; `v` is the legacy signature value (EIP-155 or 27/28),
    `y_parity` the typed one's."""

    tx_type: int
    tx_hash: bytes
    sender: bytes
    chain_id: int | None
    nonce: int
    gas: int
    to: bytes | None
    value_wei: int
    input: bytes
    gas_price_wei: int | None
    max_fee_per_gas_wei: int | None
    max_priority_fee_per_gas_wei: int | None
    access_list: tuple[AccessEntry, ...]
    authorizations: tuple[Authorization, ...]
    v: int
    y_parity: int
    r: int
    s: int


def _hex(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.startswith(("0x", "0X")):
        raise MalformedTxError(f"{what}: expected 0x hex, got {type(value).__name__}")
    return value[2:]


def _quantity(value: Any, what: str) -> int:
    digits = _hex(value, what)
    if not digits or len(digits) > _MAX_QUANTITY_DIGITS:
        raise MalformedTxError(f"{what}: not a quantity of 1 to 64 hex digits")
    try:
        return int(digits, 16)
    except ValueError:
        raise MalformedTxError(f"{what}: not hex") from None


def _bytes(value: Any, what: str, *, size: int | None = None) -> bytes:
    digits = _hex(value, what)
    if len(digits) > 2 * _MAX_INPUT_BYTES:
        raise MalformedTxError(f"{what}: longer than {_MAX_INPUT_BYTES} bytes")
    try:
        data = bytes.fromhex(digits)
    except ValueError:
        raise MalformedTxError(f"{what}: not an even number of hex digits") from None
    if size is not None and len(data) != size:
        raise MalformedTxError(f"{what}: {len(data)} bytes, expected {size}")
    return data


def _field(tx: Mapping[str, Any], key: str) -> Any:
    try:
        return tx[key]
    except KeyError:
        raise MalformedTxError(f"no {key!r}") from None


def _parity(value: int, what: str) -> int:
    if value not in (0, 1):
        raise MalformedTxError(f"{what}: y parity {value} is neither 0 nor 1")
    return value


def _list(value: Any, what: str) -> Sequence[Any]:
    if not isinstance(value, list):
        raise MalformedTxError(f"{what}: expected a list")
    return value


def _access_list(value: Any) -> tuple[AccessEntry, ...]:
    entries = []
    for entry in _list(value, "accessList"):
        if not isinstance(entry, Mapping):
            raise MalformedTxError("accessList: an entry is not an object")
        keys = _list(_field(entry, "storageKeys"), "storageKeys")
        entries.append(
            AccessEntry(
                address=_bytes(_field(entry, "address"), "accessList address", size=20),
                storage_keys=tuple(_bytes(k, "storage key", size=_WORD_BYTES) for k in keys),
            )
        )
    return tuple(entries)


def _authorizations(value: Any) -> tuple[Authorization, ...]:
    tuples = []
    for item in _list(value, "authorizationList"):
        if not isinstance(item, Mapping):
            raise MalformedTxError("authorizationList: an entry is not an object")
        parity = item.get("yParity", item.get("v"))
        tuples.append(
            Authorization(
                chain_id=_quantity(_field(item, "chainId"), "authorization chainId"),
                address=_bytes(_field(item, "address"), "authorization address", size=20),
                nonce=_quantity(_field(item, "nonce"), "authorization nonce"),
                y_parity=_parity(_quantity(parity, "authorization yParity"), "authorization"),
                r=_quantity(_field(item, "r"), "authorization r"),
                s=_quantity(_field(item, "s"), "authorization s"),
            )
        )
    return tuple(tuples)


def tx_fields(tx: Mapping[str, Any]) -> TxFields:
    """The signed fields of a node's transaction object; `MalformedTxError` on any flaw,
    `UnsupportedTxTypeError` for a type `encode_signed` cannot rebuild."""
    if not isinstance(tx, Mapping):
        raise MalformedTxError(f"expected an object, got {type(tx).__name__}")
    # Nodes from before typed transactions send no `type`: those are all legacy.
    tx_type = _quantity(tx["type"], "type") if "type" in tx else TYPE_LEGACY
    if tx_type not in SUPPORTED_TYPES:
        raise UnsupportedTxTypeError(tx_type)
    typed = tx_type != TYPE_LEGACY
    eip1559 = tx_type in (TYPE_EIP1559, TYPE_SET_CODE)
    to = tx.get("to")
    if to is None and tx_type == TYPE_SET_CODE:
        raise MalformedTxError("an EIP-7702 transaction cannot create a contract")
    v = _quantity(_field(tx, "v"), "v")
    if typed:
        # Typed objects carry `yParity`; nodes from before it repeat the parity as `v`.
        y_parity = _parity(_quantity(tx.get("yParity", tx["v"]), "yParity"), "signature")
    elif v in (27, 28) or v >= 35:
        y_parity = (v - 27) % 2 if v < 35 else (v - 35) % 2
    else:
        raise MalformedTxError(f"legacy v {v} is neither 27/28 nor EIP-155")
    chain_id = tx.get("chainId")
    return TxFields(
        tx_type=tx_type,
        tx_hash=_bytes(_field(tx, "hash"), "hash", size=_WORD_BYTES),
        sender=_bytes(_field(tx, "from"), "from", size=_ADDRESS_BYTES),
        chain_id=None if chain_id is None else _quantity(chain_id, "chainId"),
        nonce=_quantity(_field(tx, "nonce"), "nonce"),
        gas=_quantity(_field(tx, "gas"), "gas"),
        to=None if to is None else _bytes(to, "to", size=_ADDRESS_BYTES),
        value_wei=_quantity(_field(tx, "value"), "value"),
        input=_bytes(_field(tx, "input"), "input"),
        gas_price_wei=None if eip1559 else _quantity(_field(tx, "gasPrice"), "gasPrice"),
        max_fee_per_gas_wei=_quantity(_field(tx, "maxFeePerGas"), "maxFeePerGas")
        if eip1559
        else None,
        max_priority_fee_per_gas_wei=_quantity(
            _field(tx, "maxPriorityFeePerGas"), "maxPriorityFeePerGas"
        )
        if eip1559
        else None,
        access_list=_access_list(tx.get("accessList", [])) if typed else (),
        authorizations=_authorizations(_field(tx, "authorizationList"))
        if tx_type == TYPE_SET_CODE
        else (),
        v=v,
        y_parity=y_parity,
        r=_quantity(_field(tx, "r"), "r"),
        s=_quantity(_field(tx, "s"), "s"),
    )


def _encode_access_list(entries: tuple[AccessEntry, ...]) -> bytes:
    return encode_list(
        b"".join(
            encode_list(
                encode_bytes(e.address)
                + encode_list(b"".join(encode_bytes(k) for k in e.storage_keys))
            )
            for e in entries
        )
    )


def _encode_authorizations(items: tuple[Authorization, ...]) -> bytes:
    return encode_list(
        b"".join(
            encode_list(
                encode_int(a.chain_id)
                + encode_bytes(a.address)
                + encode_int(a.nonce)
                + encode_int(a.y_parity)
                + encode_int(a.r)
                + encode_int(a.s)
            )
            for a in items
        )
    )


def encode_signed(fields: TxFields) -> bytes:
    """The signed transaction's bytes, what `eth_sendRawTransaction` took (see the table above)."""
    to = b"\x80" if fields.to is None else encode_bytes(fields.to)
    body = encode_int(fields.gas) + to + encode_int(fields.value_wei) + encode_bytes(fields.input)
    signature_rs = encode_int(fields.r) + encode_int(fields.s)
    if fields.tx_type == TYPE_LEGACY:
        assert fields.gas_price_wei is not None
        return encode_list(
            encode_int(fields.nonce)
            + encode_int(fields.gas_price_wei)
            + body
            + encode_int(fields.v)
            + signature_rs
        )
    if fields.chain_id is None:
        raise MalformedTxError(f"a type {fields.tx_type} transaction without chainId")
    head = encode_int(fields.chain_id) + encode_int(fields.nonce)
    if fields.tx_type == TYPE_ACCESS_LIST:
        assert fields.gas_price_wei is not None
        fees = encode_int(fields.gas_price_wei)
    else:
        assert fields.max_fee_per_gas_wei is not None
        assert fields.max_priority_fee_per_gas_wei is not None
        fees = encode_int(fields.max_priority_fee_per_gas_wei) + encode_int(
            fields.max_fee_per_gas_wei
        )
    tail = _encode_access_list(fields.access_list)
    if fields.tx_type == TYPE_SET_CODE:
        tail += _encode_authorizations(fields.authorizations)
    payload = head + fees + body + tail + encode_int(fields.y_parity) + signature_rs
    return bytes((fields.tx_type,)) + encode_list(payload)


def signed_raw(tx: Mapping[str, Any]) -> tuple[TxFields, bytes]:
    """A node's transaction object parsed, and its signed bytes rebuilt and checked:
    `MalformedTxError` unless keccak(raw) is the hash the object names."""
    fields = tx_fields(tx)
    raw = encode_signed(fields)
    if keccak(raw) != fields.tx_hash:
        raise MalformedTxError(
            f"rebuilt bytes hash to 0x{keccak(raw).hex()}, not 0x{fields.tx_hash.hex()}"
        )
    return fields, raw
