"""The values of a submission: what to send (`TxRequest`), what the node accepted
(`Submission`), and the idempotency keys that make sure the same opportunity is never sent twice
(`SubmissionGuard`; the engine's persists them in the database, `MemorySubmissionGuard` keeps them
for one process)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from omniarb.chains.fees import Fees
from omniarb.execute.bundle_send import BundleSent

__all__ = ["MemorySubmissionGuard", "Submission", "SubmissionGuard", "TxRequest"]


class SubmissionGuard(Protocol):
    """Hands out each idempotency key once: `claim` is True the first time, False after.

    The claim names the signed transaction about to be sent (and `resigned` the next one when
    a nonce conflict makes the submitter sign again), so what was sent is known even if
    nothing else about it was recorded; `fencing_token` is the signer lease's it was checked
    against, when the worker holds one (`omniarb.cluster.fence`); `sender` the signing key's
    address, whose nonce `nonce` is.
    """

    async def claim(
        self,
        key: str,
        *,
        chain_id: int | None = None,
        tx_hash: str | None = None,
        nonce: int | None = None,
        fencing_token: int | None = None,
        sender: str | None = None,
    ) -> bool: ...

    async def resigned(
        self, key: str, *, tx_hash: str, nonce: int, fencing_token: int | None = None
    ) -> None: ...


class MemorySubmissionGuard:
    """A `SubmissionGuard` for one process (tests, dry runs); keys are lost on exit."""

    def __init__(self) -> None:
        self._claimed: dict[str, tuple[str | None, int | None]] = {}

    async def claim(
        self,
        key: str,
        *,
        chain_id: int | None = None,
        tx_hash: str | None = None,
        nonce: int | None = None,
        fencing_token: int | None = None,
        sender: str | None = None,
    ) -> bool:
        if key in self._claimed:
            return False
        self._claimed[key] = (tx_hash, nonce)
        return True

    async def resigned(
        self, key: str, *, tx_hash: str, nonce: int, fencing_token: int | None = None
    ) -> None:
        self._claimed[key] = (tx_hash, nonce)


@dataclass(frozen=True, slots=True, kw_only=True)
class TxRequest:
    """What to send: the call, its gas limit and the fees to bid (their type picks the tx type).

    `to=None` creates a contract: `data` is its creation code (the receipt's `contract_address`
    says where it landed).

    `deadline_block`, when set, is the last block the call can succeed in (the executor plan's
    on-chain deadline): no bundle targets a later block, and a stuck one is cancelled, not
    re-priced, once no later block can run it.
    """

    to: str | None
    data: bytes
    gas: int
    fees: Fees
    value: int = 0
    deadline_block: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Submission:
    """A transaction the node accepted. The live path's clock (`time.monotonic_ns()`): the
    pre-check done (`checked_ns`, the call when there is none), signed, the key claimed and the
    request about to go out (`sent_ns`), the node's answer (`submitted_ns`); the last attempt's
    where a nonce conflict made the submitter sign again."""

    key: str
    tx_hash: str
    nonce: int
    gas: int
    fees: Fees
    submitted_ns: int
    attempts: int
    checked_ns: int = 0
    signed_ns: int = 0
    sent_ns: int = 0
    # The bundles it went in, when it went to a relay rather than to the node.
    bundle: BundleSent | None = None
