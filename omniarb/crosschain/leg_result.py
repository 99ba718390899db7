"""What one leg of a cross-chain trade came to: its transaction, its status and, read from its
receipt, what it realized (the output the account received, exact) and what it cost."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from omniarb.cross_chain_types import LegRole

__all__ = ["LegResult", "LegStatus"]


class LegStatus(StrEnum):
    LANDED = "landed"  # mined and succeeded
    REVERTED = "reverted"  # mined and reverted (its gas is spent)
    DROPPED = "dropped"  # sent, no receipt within the timeout
    REJECTED = "rejected"  # the node refused it: nothing was sent


@dataclass(frozen=True, slots=True, kw_only=True)
class LegResult:
    """One leg's transaction and its settlement. `realized_out` is the `token_out` the account
    received by the receipt's `Transfer` logs (0 unless landed); `spent_in` the `token_in` it
    paid; `fee_wei` gas used × effective gas price plus an L2's L1 data fee where the receipt
    gives it; `latency_s` from the send to the receipt (None without a receipt)."""

    role: LegRole
    chain: str
    token_in: str
    token_out: str
    amount_in: int
    min_out: int
    predicted_out: int
    status: LegStatus
    realized_out: int = 0
    spent_in: int = 0
    tx_hash: str | None = None
    nonce: int | None = None
    block_number: int | None = None
    gas_used: int | None = None
    fee_wei: int | None = None
    error: str | None = None
    sent_at: datetime | None = None
    settled_at: datetime | None = None
    latency_s: float | None = None

    @property
    def landed(self) -> bool:
        return self.status is LegStatus.LANDED
