"""The JSON-RPC requests of a Flashbots-style bundle relay: `eth_sendBundle`, `eth_callBundle`
and `eth_cancelBundle`, as the relays document them, each a body signed with the searcher's
reputation key (`RelayAuth`).

    bundle = Bundle(txs=(pending_raw, our_raw), block_number=head + 1,
                    reverting_tx_hashes=(), replacement_uuid=str(uuid4()))
    body, headers = relay_request("eth_sendBundle", [bundle.send_params()], auth, request_id=1)

A bundle is valid for one block (`blockNumber`, hex), optionally only between `minTimestamp` and
`maxTimestamp` (unix seconds); a transaction whose hash is in `revertingTxHashes` may revert
without voiding the bundle; a bundle sent again with the same `replacementUuid` replaces the
earlier one, and `eth_cancelBundle` with it cancels it. Its hash (`bundle_hash`) is keccak256 of
its transactions' hashes concatenated in order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from Crypto.Hash import keccak

from omniarb.execute.relay_auth import RelayAuth

__all__ = ["SIGNATURE_HEADER", "Bundle", "cancel_params", "relay_request"]

SIGNATURE_HEADER = "X-Flashbots-Signature"


def _keccak256(data: bytes) -> bytes:
    return keccak.new(data=data, digest_bits=256).digest()


def _raw(tx: str) -> bytes:
    return bytes.fromhex(tx.removeprefix("0x"))


@dataclass(frozen=True, slots=True, kw_only=True)
class Bundle:
    """Signed transactions (0x hex) to include in order, atomically, in `block_number`."""

    txs: tuple[str, ...]
    block_number: int
    min_timestamp: int | None = None
    max_timestamp: int | None = None
    reverting_tx_hashes: tuple[str, ...] = ()
    replacement_uuid: str | None = None

    def __post_init__(self) -> None:
        if not self.txs:
            raise ValueError("a bundle holds at least one transaction")
        if self.block_number <= 0:
            raise ValueError(f"a bundle targets a block > 0, got {self.block_number}")
        if (
            self.min_timestamp is not None
            and self.max_timestamp is not None
            and self.min_timestamp > self.max_timestamp
        ):
            raise ValueError(
                f"minTimestamp {self.min_timestamp} is after maxTimestamp {self.max_timestamp}"
            )
        hashes = set(self.tx_hashes)
        unknown = [h for h in self.reverting_tx_hashes if h.lower() not in hashes]
        if unknown:
            raise ValueError(f"reverting hashes not in the bundle: {', '.join(unknown)}")

    @property
    def tx_hashes(self) -> tuple[str, ...]:
        """Each transaction's hash (keccak256 of its raw bytes), lower-case 0x hex."""
        return tuple("0x" + _keccak256(_raw(tx)).hex() for tx in self.txs)

    @property
    def bundle_hash(self) -> str:
        """keccak256 of the transactions' hashes concatenated in bundle order."""
        return "0x" + _keccak256(b"".join(_raw(h) for h in self.tx_hashes)).hex()

    def send_params(self) -> dict[str, Any]:
        """The one parameter object of `eth_sendBundle`."""
        params: dict[str, Any] = {"txs": list(self.txs), "blockNumber": hex(self.block_number)}
        if self.min_timestamp is not None:
            params["minTimestamp"] = self.min_timestamp
        if self.max_timestamp is not None:
            params["maxTimestamp"] = self.max_timestamp
        if self.reverting_tx_hashes:
            params["revertingTxHashes"] = list(self.reverting_tx_hashes)
        if self.replacement_uuid is not None:
            params["replacementUuid"] = self.replacement_uuid
        return params

    def call_params(self, state_block: int | str = "latest") -> dict[str, Any]:
        """The one parameter object of `eth_callBundle`: simulate on `state_block`'s state as
        if mined in `block_number`."""
        state = state_block if isinstance(state_block, str) else hex(state_block)
        return {
            "txs": list(self.txs),
            "blockNumber": hex(self.block_number),
            "stateBlockNumber": state,
        }


def cancel_params(replacement_uuid: str) -> dict[str, Any]:
    """The one parameter object of `eth_cancelBundle`."""
    return {"replacementUuid": replacement_uuid}


def relay_request(
    method: str, params: list[Any], auth: RelayAuth, *, request_id: int
) -> tuple[bytes, dict[str, str]]:
    """The body to POST and its headers: the signature covers exactly these bytes."""
    body = json.dumps(
        {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params},
        separators=(",", ":"),
    ).encode()
    return body, {"Content-Type": "application/json", SIGNATURE_HEADER: auth.header(body)}
