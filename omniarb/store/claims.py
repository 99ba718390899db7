"""The submission guard: a durable "never send the same opportunity twice" across restarts.

`SubmissionLedger` implements the executor's `SubmissionGuard` protocol
(`omniarb.execute.submit`: `async def claim(key: str) -> bool`). The executor claims an
opportunity's key right before it sends the transaction and sends only on True. The claim is a
row in `submissions`, committed before `claim` returns, so a bot killed after claiming and
restarted gets False for that key and cannot send it again; two bots on one database get one
True between them (the primary key decides, in the database).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from omniarb.store.database import HistoryDatabase, process_label
from omniarb.store.premises import Premises

__all__ = ["SubmissionLedger"]


class SubmissionLedger:
    """Claims submission keys in the history database; True once per key, ever."""

    def __init__(self, database: HistoryDatabase, premises: Premises | None = None) -> None:
        self._database = database
        # The approved decisions recorded but maybe not written yet: a claim writes its own
        # (`omniarb.store.premises`).
        self._premises = premises
        self._label = process_label()
        # One thread of its own: a claim sits between signing and sending, so it never queues
        # behind the history's reads in the loop's shared executor (and the claims' one
        # connection is used by one thread at a time).
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="omniarb-claims")

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
        """True if this call claimed `key` (send it), False if it was claimed before (don't).
        `fencing_token` is the signer lease's, stored with the claim (`omniarb.cluster.fence`);
        `StaleLeaseError` when a larger one is stored for the chain already. `sender` is the
        signing key's address (whose nonce `nonce` is).

        The insert, with the signed transaction it is about to send and the trade's
        opportunity and decision rows (`omniarb.store.premises`), is durable when this
        returns: on SQLite made right here when the write lock is free
        (`omniarb.store.loop_claims`), else in the claims thread; errors are omni-arb's
        (`RetryableError` when the database is unreachable: do not send then either).
        """
        premise = None if self._premises is None else self._premises.get(key)
        # A fenced claim is checked against the stored tokens in its transaction: the claims
        # thread's path does that (a worker's database is PostgreSQL anyway).
        fast = self._database.loop_claims if fencing_token is None else None
        claimed = None
        if fast is not None:
            claimed = fast.claim(
                key,
                claimed_by=self._label,
                chain_id=chain_id,
                tx_hash=tx_hash,
                nonce=nonce,
                premise=premise,
                sender=sender,
            )
        if claimed is None:
            claimed = await asyncio.get_running_loop().run_in_executor(
                self._thread,
                partial(
                    self._database.claim,
                    key,
                    claimed_by=self._label,
                    chain_id=chain_id,
                    tx_hash=tx_hash,
                    nonce=nonce,
                    fencing_token=fencing_token,
                    premise=premise,
                    sender=sender,
                ),
            )
        if self._premises is not None:
            self._premises.drop(key)
        return claimed

    async def resigned(
        self, key: str, *, tx_hash: str, nonce: int, fencing_token: int | None = None
    ) -> None:
        """`key` goes out as another transaction; durable when this returns."""
        fast = self._database.loop_claims if fencing_token is None else None
        if fast is not None and fast.resigned(key, tx_hash=tx_hash, nonce=nonce):
            return
        await asyncio.get_running_loop().run_in_executor(
            self._thread,
            partial(
                self._database.resigned,
                key,
                tx_hash=tx_hash,
                nonce=nonce,
                fencing_token=fencing_token,
            ),
        )

    async def max_fencing_token(self, *, chain_id: int) -> int:
        """The largest fencing token stored with a claim of `chain_id` (0 when none is)."""
        return await asyncio.get_running_loop().run_in_executor(
            self._thread, partial(self._database.max_fencing_token, chain_id=chain_id)
        )

    def close(self) -> None:
        """Let the claim under way finish, then end the thread."""
        self._thread.shutdown(wait=True)
