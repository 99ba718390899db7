"""`Rivals`: rival searchers on every chain of a devnet, as one async component.

    async with Rivals(manifest, RivalsParams(seed=11, count=3)) as rivals:  # funded, deployed
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(rivals.run())      # until cancelled
            ...                                  # rivals.snapshot() for a live view

On each chain the rivals share one RPC session, one `newHeads` subscription and one
`ChainSight`. On each new head the sight prices every cycle on the new state and
each idle rival picks the best it takes by its policy, waits its latency and sends (one trade
in flight per rival and chain), then waits to see whether it won. Where rivals send bundles to
the chain's relay, they also watch its mempool with the product's own parts (`PendingStream`,
`RouterBook`, `BackrunSearch` in a `BackrunWatch`): a pending router swap that opens a gap is
backrun in a bundle right behind it, as the bot does. Which rivals exist, their
latencies, tips, bribes and choices follow from the seed; which of them lands first follows from
the chain's own ordering (tip, or the relay's bribe ranking), as for any searcher.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from omniarb.async_resource import AsyncResource
from omniarb.backrun_watch import BackrunWatch
from omniarb.chain_events import NewHead
from omniarb.chains.blocks import read_head
from omniarb.chains.rpc import RpcClient
from omniarb.chains.ws import SubscriptionSpec, WsClient
from omniarb.collect.pending import PendingStream
from omniarb.detect import BackrunSearch
from omniarb.devnet.accounts import RIVAL_FIRST_INDEX, dev_account
from omniarb.devnet.rivals.params import MAX_RIVALS, RivalsParams
from omniarb.devnet.rivals.policy import Channel
from omniarb.devnet.rivals.rival import Rival, RivalSend, SendResult
from omniarb.devnet.rivals.sight import ChainSight, flash_swap_route
from omniarb.devnet.rivals.snapshot import RivalsSnapshot, RivalStats
from omniarb.dex.router_book import RouterBook
from omniarb.errors import OmniarbError, RetryableError
from omniarb.execute.relay_auth import RelayAuth
from omniarb.execute.relay_client import RelayClient
from omniarb.network import ChainManifest, Manifest
from omniarb.types import Opportunity

__all__ = ["RivalRecord", "Rivals", "run_rivals"]

log = logging.getLogger(__name__)

_RPC_TIMEOUT_S = 10.0
# Sends kept per chain for `records()` (a long demo sends thousands).
_RECORD_LIMIT = 10_000
_RESUBSCRIBE_S = 1.0
# Rivals' relay reputation keys: accounts past the rivals' own (never a signing key).
_REPUTATION_OFFSET = MAX_RIVALS


@dataclass(frozen=True, slots=True, kw_only=True)
class RivalRecord:
    """A rival's send and, once known, what became of it."""

    sent: RivalSend
    result: SendResult | None = None


class _ChainRivals:
    """The rivals of one chain, on one RPC session (and the chain's relay, if it has one)."""

    def __init__(self, chain: ChainManifest, params: RivalsParams) -> None:
        self.chain = chain
        self._policies = params.resolved()
        self._stack = contextlib.AsyncExitStack()
        self.rivals: list[Rival] = []
        self.stats: dict[str, RivalStats] = {}
        # By tx hash, oldest first; the counters in `stats` keep the totals past the bound.
        self.records: dict[str, RivalRecord] = {}
        self._sight: ChainSight | None = None
        self._rpc: RpcClient | None = None
        self.head: NewHead | None = None

    async def open(self) -> None:
        rpc = await self._stack.enter_async_context(
            RpcClient(self.chain.rpc_http, timeout_s=_RPC_TIMEOUT_S)
        )
        for i, policy in enumerate(self._policies):
            relay = None
            if self.chain.relay_url is not None:
                key = dev_account(RIVAL_FIRST_INDEX + _REPUTATION_OFFSET + i).private_key
                relay = await self._stack.enter_async_context(
                    RelayClient(self.chain.relay_url, RelayAuth(key))
                )
            self.rivals.append(Rival(policy, index=i, chain=self.chain, rpc=rpc, relay=relay))
        # Each rival deploys from its own account: the deployments share the next block.
        await asyncio.gather(*(rival.prepare() for rival in self.rivals))
        for rival, policy in zip(self.rivals, self._policies, strict=True):
            self.stats[rival.name] = RivalStats(
                rival=rival.name,
                chain=self.chain.name,
                channel=rival.channel,
                latency_ms=policy.latency_ms,
                tip_wei=policy.tip_wei,
                bribe_share_bps=policy.bribe_share_bps,
            )
        self._rpc = rpc
        self._sight = ChainSight(self.chain, rpc)

    async def close(self) -> None:
        await self._stack.aclose()

    async def run(self) -> None:
        sight, rpc = self._sight, self._rpc
        if sight is None or rpc is None:
            raise RuntimeError("the chain's rivals are not open")
        last: int | None = None
        async with asyncio.TaskGroup() as group:
            if any(r.channel is Channel.RELAY for r in self.rivals):
                group.create_task(self._watch_mempool(group, rpc, sight), name="rivals-mempool")
            while True:
                try:
                    async with WsClient(self.chain.rpc_ws) as ws:
                        await ws.subscribe(SubscriptionSpec(kind="newHeads"))
                        # The head once subscribed (none is missed), then one per notice.
                        while True:
                            last = await self._look(group, rpc, sight, last)
                            await ws.next_notification()
                except RetryableError as exc:
                    # A dropped socket: the rivals miss blocks until it is back, no more.
                    log.warning("%s: rivals' head subscription lost (%s)", self.chain.name, exc)
                    await asyncio.sleep(_RESUBSCRIBE_S)

    async def _look(
        self, group: asyncio.TaskGroup, rpc: RpcClient, sight: ChainSight, last: int | None
    ) -> int | None:
        """Price the latest block, not the notified one: heads that queued while the sight was
        busy are passed over, as a searcher behind the chain would. The block looked at."""
        try:
            number = int(await rpc.call("eth_blockNumber"), 16)
            if number == last:
                return last
            head = await read_head(rpc, self.chain.chain_id, number)
            found = await sight.look(head)
        except OmniarbError as exc:
            # A block the rivals could not read is one they miss, as a searcher with a slow
            # node would; the next head is read afresh.
            log.warning("%s: rivals skip a block: %s", self.chain.name, exc)
            return last
        self.head = head
        self._react(group, head, found)
        return number

    async def _watch_mempool(
        self, group: asyncio.TaskGroup, rpc: RpcClient, sight: ChainSight
    ) -> None:
        """Backrun the pending router swaps that open a gap, on the latest head's state."""
        stream = PendingStream(chain_id=self.chain.chain_id, ws_url=self.chain.rpc_ws, rpc=rpc)
        watch = BackrunWatch(
            stream=stream,
            routers=RouterBook.from_manifest(self.chain),
            search=BackrunSearch(
                detector=sight.detector,
                block_time_s=math.ceil(self.chain.block_time_s or 1),
            ),
            sender="",
        )
        bundlers = [r for r in self.rivals if r.channel is Channel.RELAY]
        group.create_task(stream.run(), name="rivals-pending")
        while True:
            tx = await stream.get()
            head = self.head
            if head is None or not any(not r.busy for r in bundlers):
                continue
            found = [
                o
                for o in watch.opportunities(tx, head, dequeued_ns=time.monotonic_ns())
                if o is not None and o.net_profit > 0 and flash_swap_route(o)
            ]
            found.sort(key=lambda o: -o.net_profit_usd)
            self._react(group, head, found, bundlers, lead=(tx.raw_hex,))

    def _react(
        self,
        group: asyncio.TaskGroup,
        head: NewHead,
        opportunities: list[Opportunity],
        rivals: list[Rival] | None = None,
        *,
        lead: tuple[str, ...] = (),
    ) -> None:
        for rival in self.rivals if rivals is None else rivals:
            if rival.busy:
                continue
            chosen = rival.choose(opportunities)
            if chosen is None:
                continue
            rival.busy = True
            group.create_task(self._race(rival, chosen, head, lead), name=f"rival-{rival.name}")

    async def _race(
        self, rival: Rival, opportunity: Opportunity, head: NewHead, lead: tuple[str, ...] = ()
    ) -> None:
        try:
            sent = await rival.take(opportunity, head, lead=lead)
            if sent is None:
                return
            self._count(rival.name, sent=1)
            self.records[sent.tx_hash] = RivalRecord(sent=sent)
            while len(self.records) > _RECORD_LIMIT:
                del self.records[next(iter(self.records))]
            result = await rival.settle(sent)
            if sent.tx_hash in self.records:
                self.records[sent.tx_hash] = RivalRecord(sent=sent, result=result)
            if result == "won":
                self._count(rival.name, won=1, profit_usd=sent.expected_profit_usd)
            else:
                self._count(rival.name, **{result: 1})
        except OmniarbError as exc:
            self._count(rival.name, errors=1)
            log.info("%s: rival %s could not send: %s", self.chain.name, rival.name, exc)
        finally:
            rival.busy = False

    def _count(self, rival: str, *, profit_usd: float = 0.0, **deltas: int) -> None:
        stats = self.stats[rival]
        changes = {key: getattr(stats, key) + delta for key, delta in deltas.items()}
        self.stats[rival] = replace(
            stats, won_profit_usd=stats.won_profit_usd + profit_usd, **changes
        )


class Rivals(AsyncResource):
    """The rivals of `params` on `chains` (default: every chain of the manifest).

    Entering prepares them (funds each rival's account and deploys its executor on each chain);
    `run()` races until cancelled.
    """

    def __init__(
        self,
        manifest: Manifest,
        params: RivalsParams,
        *,
        chains: Sequence[str] | None = None,
    ) -> None:
        self.params = params
        selected = [manifest.chain(name) for name in chains] if chains else list(manifest.chains)
        self._chains = tuple(_ChainRivals(chain, params) for chain in selected)

    async def _open(self) -> None:
        try:
            await asyncio.gather(*(chain.open() for chain in self._chains))
        except BaseException:
            await self._close()
            raise

    async def _close(self) -> None:
        for chain in self._chains:
            await chain.close()

    def rivals(self, chain: str) -> tuple[Rival, ...]:
        """The rivals on `chain` (their addresses and executors)."""
        for rivals in self._chains:
            if rivals.chain.name == chain:
                return tuple(rivals.rivals)
        raise KeyError(chain)

    async def run(self) -> None:
        """Watch every chain and race until cancelled; an error that is not a failed send
        stops every chain and is raised as is."""
        if self.params.count == 0 and not self.params.policies:
            await asyncio.Event().wait()
        try:
            async with asyncio.TaskGroup() as group:
                for chain in self._chains:
                    group.create_task(chain.run(), name=f"rivals-{chain.chain.name}")
        except BaseExceptionGroup as group:
            if len(group.exceptions) == 1:
                raise group.exceptions[0] from None
            raise

    def heads(self) -> dict[str, int | None]:
        """The block each chain's rivals last priced (None before their first)."""
        return {c.chain.name: None if c.head is None else c.head.number for c in self._chains}

    def records(self, chain: str | None = None) -> tuple[RivalRecord, ...]:
        """The sends so far (on `chain`, or all; the last 10,000 per chain), in the order sent
        per chain."""
        return tuple(
            r for c in self._chains if chain in (None, c.chain.name) for r in c.records.values()
        )

    def snapshot(self) -> RivalsSnapshot:
        """Every rival's figures on every chain (no I/O)."""
        return RivalsSnapshot(
            rivals=tuple(stats for c in self._chains for stats in c.stats.values())
        )


async def run_rivals(
    manifest: Manifest, params: RivalsParams, *, chains: Sequence[str] | None = None
) -> None:
    """Prepare the rivals of `params` and race until cancelled."""
    async with Rivals(manifest, params, chains=chains) as rivals:
        await rivals.run()
