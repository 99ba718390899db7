"""A transaction in a chain's mempool, as a value: what the pending-transaction collector
(`omniarb.collect.pending`) makes and the router decoders, the backrun search and the bundle
builder read. It belongs to no stage (stages meet only through value types, DESIGN.md).

`raw` is the signed transaction exactly as its sender sent it, rebuilt from the node's object and
checked against the hash (`omniarb.chains.raw_tx`): a bundle that backruns it carries these bytes.
Addresses and the hash are lowercase 0x hex as nodes send them (lookup keys on the hot path, like
`ChainLog`'s); `seen_ns` is `time.monotonic_ns()`, the live path's clock (`omniarb.stage_times`).

`sender` is the node's word: the hash check covers every signed field and the signature, but the
sender is recovered from them, not signed, and recovering it would cost an ECDSA recovery per
transaction. The node that validated the transaction already did that.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from omniarb.chains.raw_tx import MalformedTxError, signed_raw

__all__ = ["PendingTx", "parse_pending_tx"]


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingTx:
    """One pending transaction. `to` is None for a contract creation. Fees: `gas_price_wei`
    for types 0 and 1, the two EIP-1559 caps for types 2 and 4 (None where the type has none).
    `chain_id` is the chain the stream watches (a legacy transaction without EIP-155 names none
    itself)."""

    tx_hash: str
    sender: str
    to: str | None
    input: bytes
    value_wei: int
    nonce: int
    gas: int
    tx_type: int
    gas_price_wei: int | None
    max_fee_per_gas_wei: int | None
    max_priority_fee_per_gas_wei: int | None
    chain_id: int
    raw: bytes
    seen_ns: int

    @property
    def raw_hex(self) -> str:
        """`raw` as `eth_sendRawTransaction` and a bundle's `txs` take it."""
        return "0x" + self.raw.hex()

    @property
    def selector(self) -> bytes:
        """The called function's 4-byte selector (empty for a plain transfer)."""
        return self.input[:4]


def parse_pending_tx(chain_id: int, tx: Mapping[str, Any], seen_ns: int) -> PendingTx:
    """A node's pending-transaction object as a `PendingTx` watched on `chain_id`;
    `MalformedTxError` when it does not parse, names another chain, or its rebuilt bytes do
    not hash to its hash."""
    fields, raw = signed_raw(tx)
    if fields.chain_id is not None and fields.chain_id != chain_id:
        raise MalformedTxError(f"chain id {fields.chain_id} on a stream of chain {chain_id}")
    return PendingTx(
        tx_hash="0x" + fields.tx_hash.hex(),
        sender="0x" + fields.sender.hex(),
        to=None if fields.to is None else "0x" + fields.to.hex(),
        input=fields.input,
        value_wei=fields.value_wei,
        nonce=fields.nonce,
        gas=fields.gas,
        tx_type=fields.tx_type,
        gas_price_wei=fields.gas_price_wei,
        max_fee_per_gas_wei=fields.max_fee_per_gas_wei,
        max_priority_fee_per_gas_wei=fields.max_priority_fee_per_gas_wei,
        chain_id=chain_id,
        raw=raw,
        seen_ns=seen_ns,
    )
