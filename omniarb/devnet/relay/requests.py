"""The relay's three methods' parameters, validated strictly: a bad field is a JSON-RPC error
(-32602) that names it, never a crash of the server.

    eth_sendBundle   [{txs, blockNumber, minTimestamp?, maxTimestamp?, revertingTxHashes?,
                       replacementUuid?}]
    eth_callBundle   [{txs, blockNumber, stateBlockNumber, timestamp?, coinbase?}]
    eth_cancelBundle [{replacementUuid}]

Block numbers are 0x hex strings (as the Flashbots relay wants them); timestamps are unix
seconds as JSON numbers; `stateBlockNumber` may also be a tag ("latest").
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eth_utils.address import is_hex_address, to_checksum_address

from omniarb.devnet.relay.txs import BadTransactionError, SignedTx, decode_raw_tx

__all__ = [
    "CallBundleRequest",
    "CancelRequest",
    "InvalidParamsError",
    "SendBundleRequest",
    "parse_call_bundle",
    "parse_cancel",
    "parse_send_bundle",
]

_HASH = re.compile(r"^0x[0-9a-fA-F]{64}$")
_HEX_NUMBER = re.compile(r"^0x[0-9a-fA-F]{1,64}$")
_TAGS = frozenset({"latest", "pending"})
_MAX_TXS = 100


class InvalidParamsError(ValueError):
    """A parameter the relay cannot accept; the message names it (JSON-RPC code -32602)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SendBundleRequest:
    """A bundle to include atomically, in order, at the top of `block_number`."""

    txs: tuple[SignedTx, ...]
    block_number: int
    min_timestamp: int | None
    max_timestamp: int | None
    reverting_tx_hashes: frozenset[str]
    replacement_uuid: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CallBundleRequest:
    """A bundle to simulate on `state_block`'s state as if mined in `block_number`."""

    txs: tuple[SignedTx, ...]
    block_number: int
    state_block: str
    timestamp: int | None
    coinbase: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelRequest:
    replacement_uuid: str


def _one_object(params: Any, method: str, allowed: frozenset[str]) -> Mapping[str, Any]:
    if not isinstance(params, list) or len(params) != 1 or not isinstance(params[0], dict):
        raise InvalidParamsError(f"{method} takes one parameter object")
    unknown = sorted(set(params[0]) - allowed)
    if unknown:
        raise InvalidParamsError(f"{method}: unknown field(s) {', '.join(unknown)}")
    return {k: v for k, v in params[0].items() if v is not None}


def _txs(fields: Mapping[str, Any], chain_id: int) -> tuple[SignedTx, ...]:
    raw = fields.get("txs")
    if not isinstance(raw, list) or not raw:
        raise InvalidParamsError("txs: a non-empty list of signed transactions")
    if len(raw) > _MAX_TXS:
        raise InvalidParamsError(f"txs: at most {_MAX_TXS} transactions")
    decoded = []
    for index, tx in enumerate(raw):
        try:
            signed = decode_raw_tx(tx)
        except BadTransactionError as exc:
            raise InvalidParamsError(f"txs[{index}]: {exc}") from None
        if signed.chain_id is not None and signed.chain_id != chain_id:
            raise InvalidParamsError(
                f"txs[{index}]: signed for chain {signed.chain_id}, this relay is chain {chain_id}"
            )
        decoded.append(signed)
    if len({t.tx_hash for t in decoded}) != len(decoded):
        raise InvalidParamsError("txs: a transaction appears twice")
    return tuple(decoded)


def _block_number(fields: Mapping[str, Any], key: str) -> int:
    value = fields.get(key)
    if not isinstance(value, str) or not _HEX_NUMBER.match(value):
        raise InvalidParamsError(f"{key}: a 0x hex block number, got {value!r}")
    number = int(value, 16)
    if number <= 0:
        raise InvalidParamsError(f"{key}: a block after genesis")
    return number


def _timestamp(fields: Mapping[str, Any], key: str) -> int | None:
    value = fields.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidParamsError(f"{key}: unix seconds as a non-negative integer, got {value!r}")
    return value


def parse_send_bundle(params: Any, *, chain_id: int) -> SendBundleRequest:
    fields = _one_object(
        params,
        "eth_sendBundle",
        frozenset(
            {
                "txs",
                "blockNumber",
                "minTimestamp",
                "maxTimestamp",
                "revertingTxHashes",
                "replacementUuid",
            }
        ),
    )
    txs = _txs(fields, chain_id)
    min_ts, max_ts = _timestamp(fields, "minTimestamp"), _timestamp(fields, "maxTimestamp")
    # Flashbots treats 0 as "no bound".
    min_ts, max_ts = min_ts or None, max_ts or None
    if min_ts is not None and max_ts is not None and min_ts > max_ts:
        raise InvalidParamsError(f"minTimestamp {min_ts} is after maxTimestamp {max_ts}")
    reverting = fields.get("revertingTxHashes", [])
    if not isinstance(reverting, list) or not all(
        isinstance(h, str) and _HASH.match(h) for h in reverting
    ):
        raise InvalidParamsError("revertingTxHashes: a list of 0x transaction hashes")
    hashes = {t.tx_hash for t in txs}
    stray = [h for h in reverting if h.lower() not in hashes]
    if stray:
        raise InvalidParamsError(f"revertingTxHashes: not in the bundle: {', '.join(stray)}")
    replacement = fields.get("replacementUuid")
    if replacement is not None:
        try:
            replacement = str(uuid.UUID(str(replacement)))
        except ValueError:
            raise InvalidParamsError(f"replacementUuid: not a UUID: {replacement!r}") from None
    return SendBundleRequest(
        txs=txs,
        block_number=_block_number(fields, "blockNumber"),
        min_timestamp=min_ts,
        max_timestamp=max_ts,
        reverting_tx_hashes=frozenset(h.lower() for h in reverting),
        replacement_uuid=replacement,
    )


def parse_call_bundle(params: Any, *, chain_id: int) -> CallBundleRequest:
    fields = _one_object(
        params,
        "eth_callBundle",
        frozenset({"txs", "blockNumber", "stateBlockNumber", "timestamp", "coinbase"}),
    )
    txs = _txs(fields, chain_id)
    state = fields.get("stateBlockNumber", "latest")
    if not isinstance(state, str) or not (state in _TAGS or _HEX_NUMBER.match(state)):
        raise InvalidParamsError(f"stateBlockNumber: a 0x hex number or 'latest', got {state!r}")
    coinbase = fields.get("coinbase")
    if coinbase is not None:
        if not isinstance(coinbase, str) or not is_hex_address(coinbase):
            raise InvalidParamsError(f"coinbase: an address, got {coinbase!r}")
        coinbase = to_checksum_address(coinbase)
    return CallBundleRequest(
        txs=txs,
        block_number=_block_number(fields, "blockNumber"),
        state_block="latest" if state == "pending" else state,
        timestamp=_timestamp(fields, "timestamp"),
        coinbase=coinbase,
    )


def parse_cancel(params: Any) -> CancelRequest:
    fields = _one_object(params, "eth_cancelBundle", frozenset({"replacementUuid"}))
    value = fields.get("replacementUuid")
    try:
        return CancelRequest(replacement_uuid=str(uuid.UUID(str(value))))
    except ValueError:
        raise InvalidParamsError(f"replacementUuid: not a UUID: {value!r}") from None
