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

from omniarb.store.database import HistoryDatabase, process_label

__all__ = ["SubmissionLedger"]


class SubmissionLedger:
    """Claims submission keys in the history database; True once per key, ever."""

    def __init__(self, database: HistoryDatabase) -> None:
        self._database = database
        self._label = process_label()

    async def claim(
        self,
        key: str,
        *,
        chain_id: int | None = None,
        tx_hash: str | None = None,
        nonce: int | None = None,
    ) -> bool:
        """True if this call claimed `key` (send it), False if it was claimed before (don't).

        The insert, with the signed transaction it is about to send, runs in a thread and is
        durable when this returns; errors are omni-arb's (`RetryableError` when the database is
        unreachable: do not send then either).
        """
        return await asyncio.to_thread(
            self._database.claim,
            key,
            claimed_by=self._label,
            chain_id=chain_id,
            tx_hash=tx_hash,
            nonce=nonce,
        )

    async def resigned(self, key: str, *, tx_hash: str, nonce: int) -> None:
        """`key` goes out as another transaction; durable when this returns."""
        await asyncio.to_thread(self._database.resigned, key, tx_hash=tx_hash, nonce=nonce)
