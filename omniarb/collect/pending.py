"""A chain's pending transactions, as `PendingTx` values, from `eth_subscribe
newPendingTransactions`.

The subscription asks for full transaction objects (`["newPendingTransactions", true]`: geth,
reth and anvil send them). Where a node refuses that form, or where `mode="hashes"` forces it,
the stream subscribes to hashes and fetches the objects itself with `eth_getTransactionByHash`,
one batch per short window (`fetch_window_s`) over the chain's HTTP client; a node that sends
hashes although asked for objects is served the same way. A hash the node no longer knows by
then (mined, replaced or evicted) is counted as `unknown`, one already in a block as `mined`.

What comes in is untrusted. Each object is rebuilt into its signed bytes and checked against its
hash (`omniarb.pending_tx.parse_pending_tx`); one that does not parse or hash is counted as
`malformed` (a type whose bytes cannot be rebuilt, such as a blob transaction, as `unsupported`)
and nothing raises out of the stream. Hashes seen recently (the last `recent_hashes`) are
`duplicate`s. What passes is `received` into a buffer of `capacity` that drops its OLDEST
transaction when full (`dropped`; the newest is the one worth backrunning). Every outcome goes
to `counters` and to the `observer` (the monitor's `omniarb_pending_tx_total{chain,outcome}` and
`omniarb_pending_queue_depth{chain}`); a reconnect is logged and counted in `counters.gaps`
(transactions announced while the socket was down are lost: a mempool cannot be back-filled).

    stream = PendingStream(chain_id=1, ws_url=ws, rpc=RpcClient(http))
    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(stream.run())
        tx = await stream.get()
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from omniarb.chains.raw_tx import MalformedTxError, UnsupportedTxTypeError
from omniarb.chains.rpc import EndpointObserver, RpcLayer
from omniarb.chains.ws import (
    ReconnectPolicy,
    SubscriptionSpec,
    WsNotification,
    WsReconnected,
    WsSubscriptions,
)
from omniarb.collect.pending_buffer import DropOldestBuffer, RecentHashes
from omniarb.errors import NODE_ERRORS, RpcError
from omniarb.pending_tx import PendingTx, parse_pending_tx

__all__ = [
    "PENDING_OUTCOMES",
    "PendingCounters",
    "PendingMode",
    "PendingObserver",
    "PendingSettings",
    "PendingStream",
]

log = logging.getLogger(__name__)

PendingMode = Literal["auto", "full", "hashes"]
# What became of each announcement; a fixed set, so metric labels stay bounded.
PENDING_OUTCOMES = (
    "received",
    "duplicate",
    "dropped",
    "malformed",
    "unsupported",
    "unknown",
    "mined",
    "fetch_failed",
)
_HASH = re.compile(r"0x[0-9a-fA-F]{64}")
_SUBSCRIPTION = "newPendingTransactions"
_GET_TX = "eth_getTransactionByHash"


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingSettings:
    """`mode`: `auto` asks for full objects and falls back to hashes if the node refuses,
    `full` only objects (a refusal raises), `hashes` always fetches. `capacity` bounds the
    buffer to the consumer, `recent_hashes` the duplicate check; hashes are fetched in batches
    of at most `fetch_batch_max`, gathered for `fetch_window_s` after the first one."""

    mode: PendingMode = "auto"
    capacity: int = 4096
    recent_hashes: int = 65_536
    fetch_window_s: float = 0.002
    fetch_batch_max: int = 200

    def __post_init__(self) -> None:
        if self.mode not in ("auto", "full", "hashes"):
            raise ValueError(f"mode must be auto, full or hashes, got {self.mode!r}")
        if min(self.capacity, self.recent_hashes, self.fetch_batch_max) < 1:
            raise ValueError("capacity, recent_hashes and fetch_batch_max must be positive")
        if self.fetch_window_s < 0:
            raise ValueError(f"fetch_window_s must not be negative, got {self.fetch_window_s}")


class PendingObserver(Protocol):
    """Where one chain's pending-stream figures go (the monitor's `ChainPendingMetrics`)."""

    def pending_tx(self, outcome: str, count: int) -> None:
        """`count` announcements ended as `outcome` (one of `PENDING_OUTCOMES`)."""
        ...

    def pending_depth(self, depth: int) -> None:
        """The buffer now holds `depth` transactions."""
        ...


@dataclass(slots=True)
class PendingCounters:
    """How many announcements ended as each of `PENDING_OUTCOMES`, and `gaps`: reconnects,
    after each of which announcements may have been lost."""

    received: int = 0
    duplicate: int = 0
    dropped: int = 0
    malformed: int = 0
    unsupported: int = 0
    unknown: int = 0
    mined: int = 0
    fetch_failed: int = 0
    gaps: int = 0

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in (*PENDING_OUTCOMES, "gaps")}


@dataclass(slots=True)
class _Announced:
    tx_hash: str
    seen_ns: int


class PendingStream:
    """One chain's pending transactions: run `run()` in a task, take them with `await get()`.

    `ws_url` is one WebSocket URL or several in order of preference (see `WsSubscriptions`);
    `rpc` is the chain's HTTP client, used only to fetch announced hashes. `mode` says which
    form the stream settled on (`full` or `hashes`) once it has subscribed.
    """

    def __init__(
        self,
        *,
        chain_id: int,
        ws_url: str | Sequence[str],
        rpc: RpcLayer,
        settings: PendingSettings | None = None,
        policy: ReconnectPolicy | None = None,
        observer: PendingObserver | None = None,
        endpoint_observer: EndpointObserver | None = None,
    ) -> None:
        self.chain_id = chain_id
        self.settings = settings = settings or PendingSettings()
        self.counters = PendingCounters()
        self.buffer: DropOldestBuffer[PendingTx] = DropOldestBuffer(settings.capacity)
        self.mode: PendingMode = settings.mode
        self.subscriptions: WsSubscriptions | None = None
        self._urls = (ws_url,) if isinstance(ws_url, str) else tuple(ws_url)
        self._rpc = rpc
        self._policy = policy or ReconnectPolicy()
        self._observer = observer
        self._endpoint_observer = endpoint_observer
        self._recent = RecentHashes(settings.recent_hashes)
        # Hashes waiting to be fetched: bounded like the buffer, the oldest dropped first.
        self._to_fetch: DropOldestBuffer[_Announced] = DropOldestBuffer(settings.capacity)

    # -- the consumer's side -----------------------------------------------------------------

    async def get(self) -> PendingTx:
        """The oldest pending transaction in the buffer, waiting for one."""
        tx = await self.buffer.get()
        self._depth()
        return tx

    def get_nowait(self) -> PendingTx | None:
        tx = self.buffer.get_nowait()
        if tx is not None:
            self._depth()
        return tx

    # -- the producer ------------------------------------------------------------------------

    async def run(self) -> None:
        """Subscribe and fill the buffer until cancelled; resubscribes after every drop.

        Raises `RpcError` only when the node refuses the subscription itself (with `mode`
        `full`, or the hash form too): a configuration problem, not a passing fault."""
        try:
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(self._fetch_forever())
                await self._listen()
        except ExceptionGroup as group:
            # The fetcher never fails, so this is the listener's error: raise it as itself.
            if len(group.exceptions) == 1:
                raise group.exceptions[0] from None
            raise

    async def _listen(self) -> None:
        full = self.settings.mode != "hashes"
        while True:
            self.mode = "full" if full else "hashes"
            spec = SubscriptionSpec(kind=_SUBSCRIPTION, params=(True,) if full else ())
            self.subscriptions = WsSubscriptions(
                urls=self._urls,
                specs=[spec],
                policy=self._policy,
                observer=self._endpoint_observer,
            )
            try:
                async with aclosing(self.subscriptions.stream()) as stream:
                    async for item in stream:
                        self._take(item)
            except RpcError as exc:
                if not full or self.settings.mode == "full":
                    raise
                log.warning(
                    "chain %d: the node refused full pending transactions (%s); "
                    "subscribing to hashes and fetching them",
                    self.chain_id,
                    exc,
                )
                full = False
            else:
                return

    def _count(self, outcome: str, count: int = 1) -> None:
        setattr(self.counters, outcome, getattr(self.counters, outcome) + count)
        if self._observer is not None:
            self._observer.pending_tx(outcome, count)

    def _depth(self) -> None:
        if self._observer is not None:
            self._observer.pending_depth(len(self.buffer))

    def _take(self, item: WsNotification | WsReconnected) -> None:
        seen_ns = time.monotonic_ns()
        if isinstance(item, WsReconnected):
            self.counters.gaps += 1
            log.info(
                "chain %d: pending transactions subscribed again after %.2f s; "
                "those announced meanwhile are lost",
                self.chain_id,
                item.down_s,
            )
            return
        result = item.result
        if isinstance(result, str):
            self._announce(result, seen_ns)
        elif isinstance(result, Mapping):
            self._offer(result, seen_ns, fetched=False)
        else:
            self._count("malformed")

    def _announce(self, tx_hash: str, seen_ns: int) -> None:
        if not _HASH.fullmatch(tx_hash):
            self._count("malformed")
            return
        tx_hash = tx_hash.lower()
        if not self._recent.add(tx_hash):
            self._count("duplicate")
            return
        if self._to_fetch.put(_Announced(tx_hash=tx_hash, seen_ns=seen_ns)) is not None:
            self._count("dropped")

    def _offer(self, obj: Mapping[str, Any], seen_ns: int, *, fetched: bool) -> None:
        """A transaction object: parsed, checked, and into the buffer. A fetched one's hash
        was counted against duplicates when it was announced."""
        claimed = obj.get("hash")
        if not fetched and isinstance(claimed, str) and claimed.lower() in self._recent:
            self._count("duplicate")
            return
        try:
            tx = parse_pending_tx(self.chain_id, obj, seen_ns)
        except UnsupportedTxTypeError:
            self._count("unsupported")
            return
        except (MalformedTxError, ValueError, TypeError) as exc:
            self._count("malformed")
            log.debug("chain %d: malformed pending transaction: %s", self.chain_id, exc)
            return
        if not fetched:
            self._recent.add(tx.tx_hash)
        self._count("received")
        if self.buffer.put(tx) is not None:
            self._count("dropped")
        self._depth()

    # -- the hash path -----------------------------------------------------------------------

    async def _fetch_forever(self) -> None:
        settings = self.settings
        while True:
            first = await self._to_fetch.get()
            # Let the hashes announced in the next moment join this one's batch.
            await asyncio.sleep(settings.fetch_window_s)
            batch = [first]
            while len(batch) < settings.fetch_batch_max:
                more = self._to_fetch.get_nowait()
                if more is None:
                    break
                batch.append(more)
            await self._fetch(batch)

    async def _fetch(self, batch: list[_Announced]) -> None:
        try:
            results = await self._rpc.batch([(_GET_TX, (a.tx_hash,)) for a in batch])
        except NODE_ERRORS as exc:
            self._count("fetch_failed", len(batch))
            log.warning(
                "chain %d: fetching %d pending transactions failed: %s",
                self.chain_id,
                len(batch),
                exc,
            )
            return
        if not isinstance(results, list) or len(results) != len(batch):
            self._count("fetch_failed", len(batch))
            return
        for announced, result in zip(batch, results, strict=True):
            if result is None:
                self._count("unknown")
            elif not isinstance(result, Mapping):
                self._count("malformed")
            elif str(result.get("hash", "")).lower() != announced.tx_hash:
                self._count("malformed")  # an answer about another transaction
            elif result.get("blockNumber") is not None:
                self._count("mined")
            else:
                self._offer(result, announced.seen_ns, fetched=True)
