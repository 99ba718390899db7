"""What a sent transaction comes back as: its receipt and logs, and how its nonce ended when it
was followed (`Landing`: the receipt of whichever of our transactions at that nonce was mined,
and the replacements sent on the way). Values like those of `omniarb.types`, which re-exports
them: frozen, slotted, keyword-only; money in base units.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from omniarb.chains.node_values import (
    MalformedNodeValueError,
    node_int,
    node_list,
    node_object,
    node_quantity,
    node_text,
)

__all__ = ["Landing", "ReceiptLog", "Replacement", "ReplacementReason", "TxReceipt"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiptLog:
    """One log of a mined transaction, as its receipt lists it."""

    address: str
    topics: tuple[str, ...]
    data: bytes
    log_index: int


@dataclass(frozen=True, slots=True, kw_only=True)
class TxReceipt:
    """A mined transaction's receipt.

    `gas_cost_wei` is the L2 execution gas only. `l1_fee_wei` is the L1 data fee where the node
    reports it: an OP Stack receipt's `l1Fee` (paid on top of the gas), or Arbitrum's
    `gasUsedForL1` at the gas price (part of `gas_used`, taken out of `gas_cost_wei`); None
    where the receipt says nothing (an L1, or a devnet)."""

    tx_hash: str
    block_number: int
    block_hash: str
    transaction_index: int
    success: bool
    gas_used: int
    effective_gas_price_wei: int
    logs: tuple[ReceiptLog, ...]
    contract_address: str | None = None
    l1_fee_wei: int | None = None
    gas_used_for_l1: int = 0

    @property
    def gas_cost_wei(self) -> int:
        return (self.gas_used - self.gas_used_for_l1) * self.effective_gas_price_wei

    @classmethod
    def from_rpc(cls, answer: Mapping[str, Any]) -> TxReceipt:
        """From an `eth_getTransactionReceipt` result; `MalformedNodeValueError` (a
        `ValueError`) for an answer that is not a receipt."""
        what = "a receipt"
        answer = node_object(answer, what)
        price = node_int(answer, "effectiveGasPrice", what)
        # Absent, null or "" (how some nodes say none): no L1 gas.
        raw_l1_gas = answer.get("gasUsedForL1")
        gas_used_for_l1 = node_quantity(raw_l1_gas, f"{what}: 'gasUsedForL1'") if raw_l1_gas else 0
        l1_fee_wei: int | None = None
        if answer.get("l1Fee") is not None:
            l1_fee_wei = node_int(answer, "l1Fee", what)
        elif answer.get("gasUsedForL1") is not None:
            l1_fee_wei = gas_used_for_l1 * price
        contract = answer.get("contractAddress")
        return cls(
            tx_hash=node_text(answer, "transactionHash", what),
            block_number=node_int(answer, "blockNumber", what),
            block_hash=node_text(answer, "blockHash", what),
            transaction_index=node_int(answer, "transactionIndex", what),
            success=node_int(answer, "status", what) == 1,
            gas_used=node_int(answer, "gasUsed", what),
            effective_gas_price_wei=price,
            logs=tuple(
                _receipt_log(node_object(entry, "a receipt's log"))
                for entry in node_list(answer.get("logs", ()), "a receipt's logs")
            ),
            contract_address=contract if isinstance(contract, str) else None,
            l1_fee_wei=l1_fee_wei,
            gas_used_for_l1=gas_used_for_l1,
        )


def _receipt_log(entry: Mapping[str, Any]) -> ReceiptLog:
    what = "a receipt's log"
    try:
        data = bytes.fromhex(str(entry.get("data")).removeprefix("0x"))
    except ValueError:
        raise MalformedNodeValueError(f"{what}: 'data' is not hex") from None
    return ReceiptLog(
        address=node_text(entry, "address", what),
        topics=tuple(str(t) for t in node_list(entry.get("topics"), f"{what}'s topics")),
        data=data,
        log_index=node_int(entry, "logIndex", what),
    )


class ReplacementReason(StrEnum):
    REPRICE = "reprice"  # same call, higher fees
    CANCEL = "cancel"  # the opportunity is gone: a 0-value transfer to ourselves
    GAP = "gap"  # a lower nonce the node held nothing for, filled so ours can be mined


@dataclass(frozen=True, slots=True, kw_only=True)
class Replacement:
    """One transaction sent at a nonce already used by one of ours (or left empty: `GAP`).

    `original_tx_hash` is the first transaction of the nonce (None for a gap nobody filled),
    `replaced_tx_hash` the one this succeeds (the same for the first replacement).
    """

    chain_id: int
    key: str
    nonce: int
    original_tx_hash: str | None
    replaced_tx_hash: str | None
    new_tx_hash: str
    old_max_fee_per_gas_wei: int
    old_priority_fee_wei: int
    new_max_fee_per_gas_wei: int
    new_priority_fee_wei: int
    reason: ReplacementReason
    block_number: int
    replaced_at: datetime

    @property
    def id(self) -> str:
        return f"{self.chain_id}/{self.nonce}/{self.new_tx_hash}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Landing:
    """How a followed nonce ended: the receipt of whichever of our hashes was mined (None when
    a transaction not ours spent the nonce), whether that was a cancel, and the successors."""

    receipt: TxReceipt | None
    cancelled: bool
    replacements: tuple[Replacement, ...] = field(default=())
