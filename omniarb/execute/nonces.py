"""Nonces for one account on one chain: handed out once, returned when unused, resynced on errors.

A nonce that is reserved but never sent would leave a gap that stalls every later transaction, and
a nonce handed out twice makes two transactions fight for one slot. `NonceBook` is the pure
bookkeeping that prevents both; `NonceManager` adds the lock and the node:

    nonces = NonceManager(rpc=rpc, address=signer.address)
    nonce = await nonces.reserve()      # first call reads eth_getTransactionCount(…, "pending")
    try:
        await send(signer.sign(nonce=nonce, ...))
    except NothingWasSent:
        nonces.release(nonce)           # the next reserve() hands it out again: no gap
        raise
    nonces.mark_sent(nonce)

After a restart a new manager starts from the node's pending count, so it continues after the
transactions the previous process sent. After "nonce too low" or "replacement transaction
underpriced" the submitter calls `resync()`, which reconciles the book with the node's count;
after a send lost in transit or a receipt that never came it calls `invalidate()`, so the next
`reserve()` resyncs first.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from omniarb.chains.rpc import RpcClient
from omniarb.errors import RpcTransportError

__all__ = ["NonceBook", "NonceManager"]

log = logging.getLogger(__name__)


class NonceBook:
    """Which nonces are reserved, free again or sent, reconciled with the node's pending count.

    Every nonce from the last synced count up to `next_nonce` is exactly one of: reserved
    (handed out, fate unknown), released (free again) or sent. `reserve` returns the lowest free
    nonce, so a release never leaves a gap.

    The node's pending count is the first nonce it holds no transaction for; higher ones it may
    hold in its queue. So a sync takes every lower nonce as spent and frees exactly that one
    (unless it is reserved: then the gap is ours and about to be filled); it never frees a
    higher nonce the node might hold. A lost run of transactions is thus repaired one nonce
    per sync, and a nonce is never handed out while the node has a transaction for it.
    """

    __slots__ = ("_floor", "_next", "_released", "_reserved", "_sent", "_sent_during_sync")

    def __init__(self, pending_count: int) -> None:
        if pending_count < 0:
            raise ValueError(f"pending_count must be >= 0, got {pending_count}")
        self._floor = pending_count  # nonces below it are spent on chain
        self._next = pending_count
        self._reserved: set[int] = set()
        self._released: set[int] = set()
        self._sent: set[int] = set()  # sent, at or above the floor
        self._sent_during_sync: set[int] | None = None

    @property
    def next_nonce(self) -> int:
        """The nonce `reserve` returns when nothing was released."""
        return self._next

    @property
    def synced_count(self) -> int:
        """The node's pending count at the last sync: every lower nonce is spent."""
        return self._floor

    @property
    def reserved(self) -> frozenset[int]:
        return frozenset(self._reserved)

    @property
    def released(self) -> frozenset[int]:
        return frozenset(self._released)

    @property
    def sent(self) -> frozenset[int]:
        """Sent nonces at or above the synced count (the node may still lack some)."""
        return frozenset(self._sent)

    def reserve(self) -> int:
        """The lowest free nonce, now reserved."""
        if self._released:
            nonce = min(self._released)
            self._released.remove(nonce)
        else:
            nonce = self._next
            self._next += 1
        self._reserved.add(nonce)
        return nonce

    def release(self, nonce: int) -> None:
        """`nonce` was not sent: free it for the next `reserve` (unless the chain spent it)."""
        self._take(nonce)
        if nonce >= self._floor:
            self._released.add(nonce)
            self._shrink()

    def mark_sent(self, nonce: int) -> None:
        """`nonce` went to the node: it is spent."""
        self._take(nonce)
        if nonce >= self._floor:
            self._sent.add(nonce)
        if self._sent_during_sync is not None:
            self._sent_during_sync.add(nonce)

    def lost(self, nonce: int) -> None:
        """A sent `nonce` is known to be free on the node again (a reorg dropped its
        transaction and no other took the nonce): hand it out again."""
        if nonce in self._sent:
            self._sent.remove(nonce)
            self._released.add(nonce)
            self._shrink()

    def _take(self, nonce: int) -> None:
        if nonce not in self._reserved:
            # Releasing or sending a nonce that was never handed out is a caller bug that
            # would corrupt the book; refuse loudly.
            raise ValueError(f"nonce {nonce} is not reserved")
        self._reserved.remove(nonce)

    def _shrink(self) -> None:
        # Free nonces at the top shrink the range instead of piling up.
        while self._next - 1 in self._released:
            self._next -= 1
            self._released.remove(self._next)

    def begin_sync(self) -> None:
        """Start a resync: nonces marked sent from now on are not freed by it, because the
        node's answer may predate them."""
        self._sent_during_sync = set()

    def abort_sync(self) -> None:
        """The resync failed (no answer from the node): keep the book as it is."""
        self._sent_during_sync = None

    def sync(self, pending_count: int) -> None:
        """Reconcile with the node's pending count; see the class docstring."""
        if pending_count < 0:
            raise ValueError(f"pending_count must be >= 0, got {pending_count}")
        sent_meanwhile = self._sent_during_sync or set()
        self._sent_during_sync = None
        if pending_count < self._floor:
            # The node went back (a reorg, a restarted node): what it lost above the new count
            # may come back from its queue, so it stays "sent" and is repaired one by one.
            self._sent |= set(range(pending_count, self._floor)) - self._reserved
        self._floor = pending_count
        self._next = max(self._next, pending_count)
        self._sent = {n for n in self._sent if n >= pending_count}
        self._released = {n for n in self._released if n >= pending_count}
        missing = pending_count
        if missing < self._next and missing not in self._reserved | sent_meanwhile:
            # The node has no transaction with this nonce, so it is free whatever we believed.
            self._sent.discard(missing)
            self._released.add(missing)
        self._shrink()


class NonceManager:
    """Concurrency-safe nonces for one (chain, address), backed by the node's pending count."""

    def __init__(self, *, rpc: RpcClient, address: str) -> None:
        self._rpc = rpc
        self.address = address
        self._lock = asyncio.Lock()
        self._book: NonceBook | None = None
        self._stale = False

    def __repr__(self) -> str:
        return f"NonceManager(address={self.address}, url={self._rpc.url})"

    async def _pending_count(self) -> int:
        answer = await self._rpc.call("eth_getTransactionCount", self.address, "pending")
        try:
            return int(answer, 16)
        except (TypeError, ValueError) as exc:
            raise RpcTransportError(
                f"eth_getTransactionCount returned {answer!r}", url=self._rpc.url
            ) from exc

    async def resync(self) -> int:
        """Re-read the node's pending count and rebuild the book from it; returns the count.

        Reservations wait while it runs, so none is made from a stale book.
        """
        async with self._lock:
            return (await self._resync_locked()).synced_count

    async def _resync_locked(self) -> NonceBook:
        self._stale = False
        book = self._book
        if book is None:
            book = self._book = NonceBook(await self._pending_count())
            log.debug("nonces of %s start at %d", self.address, book.next_nonce)
            return book
        book.begin_sync()
        try:
            count = await self._pending_count()
        except BaseException:
            book.abort_sync()
            self._stale = True
            raise
        book.sync(count)
        log.debug("nonces of %s resynced: pending count %d", self.address, count)
        return book

    async def reserve(self) -> int:
        """The next nonce to use; reads the node's pending count on first use."""
        async with self._lock:
            book = self._book
            if book is None or self._stale:
                book = await self._resync_locked()
            return book.reserve()

    def lost(self, nonces: Iterable[int]) -> None:
        """These sent nonces are free on the node again (`omniarb.track.finality` found their
        transactions dropped by a reorg): the next reservations reuse them, lowest first,
        rather than leave a gap that stalls every later transaction."""
        book = self._require_book()
        for nonce in nonces:
            book.lost(nonce)

    def invalidate(self) -> None:
        """The book may be wrong (a send whose fate is unknown): the next `reserve` resyncs.

        Mark such a nonce sent first; the resync frees it again if the node never got it.
        """
        self._stale = True

    def _require_book(self) -> NonceBook:
        if self._book is None:
            raise ValueError("no nonce was reserved from this manager yet")
        return self._book

    def release(self, nonce: int) -> None:
        """`nonce` was reserved but not sent; the next `reserve` hands it out again."""
        self._require_book().release(nonce)

    def mark_sent(self, nonce: int) -> None:
        """`nonce`'s transaction reached the node."""
        self._require_book().mark_sent(nonce)

    @property
    def next_nonce(self) -> int | None:
        """The next fresh nonce, or None before the first sync."""
        return None if self._book is None else self._book.next_nonce
