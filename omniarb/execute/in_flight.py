"""A sent transaction as its follower sees it (`InFlightTx`), what a cancel costs, and the two
callbacks a follower takes: the pre-check a re-price passes first and the hook that records each
successor (`omniarb.execute.replace`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from omniarb.chains.fees import Fees
from omniarb.types import Replacement

__all__ = ["CANCEL_GAS", "InFlightTx", "OnReplacement", "Precheck"]

# A plain transfer's intrinsic gas (yellow paper G_transaction): what a cancel costs.
CANCEL_GAS = 21_000


@dataclass(frozen=True, slots=True, kw_only=True)
class InFlightTx:
    """A sent transaction to follow: its idempotency key, nonce, what was sent and its hash.

    `to`, `data`, `gas` and `value` are the call a re-price repeats; `fees` what it bid;
    `deadline_block` the last block the call can succeed in (None: no deadline known).
    """

    key: str
    nonce: int
    tx_hash: str
    to: str | None
    data: bytes
    gas: int
    value: int
    fees: Fees
    deadline_block: int | None = None


Precheck = Callable[[InFlightTx], Awaitable[object]]
OnReplacement = Callable[[Replacement], Awaitable[None]]
