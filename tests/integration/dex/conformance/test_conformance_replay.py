"""Conformance, for every kind of the registry: the kind's book, driven by the state stage's
block bookkeeping (`BlockSync`) from the chain's own events, holds exactly what a fresh read
through the same book gives at the same head.

On two devnet chains at once, a `BlockSync` over the kind's book (built as the product builds
it) is bootstrapped, and the product's collector (`HeadCollector`, subscribed to
`sync.log_filters()`) records the chain's heads and logs while the chain moves: the devnet's
simulated traders, and the kind's own liquidity changes, one of which creates a new pool per
DEX. Once the sync has applied every recorded event up to the last block, every pool it holds
equals `book.discover_at(head)` field for field, and carries as its block number the block of
its last log (the bootstrap block for a pool without one); `book.read` of the same pools by
address gives the same states. The replay must stand on its own: the book's periodic audit
finds no drift, nothing is resynced or replayed late, and no step fails.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import pytest
from _conformance import BOT, CHAINS, SUPPORT, books_of, chains_with, deployments, market_of
from _state_helpers import EventFeed, latest_block
from _syncs import collector_of

from omniarb.chain_events import NewHead
from omniarb.chains.rpc import RpcClient
from omniarb.dex.base import PoolBook
from omniarb.dex.registry import ADAPTERS
from omniarb.dex.uniswap_v4 import pool_address
from omniarb.network import Manifest
from omniarb.state import BlockSync

pytestmark = pytest.mark.integration

ROUNDS = 4
MARKET_STEPS = 4  # per round, four swaps each
_EVENT_TIMEOUT_S = 10.0


class AuditWatch:
    """A book whose audits are recorded: a state kept from the events alone never drifts, and
    an audit that repaired one would hide that it did."""

    def __init__(self, book: PoolBook[Any]) -> None:
        self.book = book
        self.drifted: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.book, name)

    async def audit(
        self, pools: Mapping[str, Any], head: NewHead, *, force: bool = False
    ) -> Mapping[str, Any]:
        found = await self.book.audit(pools, head, force=force)
        self.drifted += list(found)
        return found


@dataclass(frozen=True, slots=True, kw_only=True)
class Replay:
    chain: str
    sync: BlockSync[Any]
    book: AuditWatch
    start: NewHead
    bootstrapped: frozenset[str]
    fresh: tuple[Any, ...]
    read: dict[str, Any]  # `book.read` of the fresh read's pools, an account and a token
    logs: tuple[dict[str, Any], ...]  # the book's topics, after the bootstrap block


async def replay_chain(manifest: Manifest, name: str, kind: str, seed: int) -> Replay:
    chain = manifest.chain(name)
    support = SUPPORT[kind]
    rng = random.Random(seed)
    market = market_of(manifest, name, seed)
    async with RpcClient(chain.rpc_http) as rpc:
        book = AuditWatch(books_of(chain, rpc)[kind])
        sync: BlockSync[Any] = BlockSync(book)
        await sync.bootstrap()
        start = sync.head
        assert start is not None
        bootstrapped = frozenset(sync.pools)
        mover = support.liquidity(rpc, chain)
        async with EventFeed(collector_of(sync, chain.rpc_ws)) as feed:
            for index in range(ROUNDS):
                await market.run(steps=MARKET_STEPS)
                await mover.move(list(sync.pools.values()), rng, create=index == 1)
            end = await latest_block(rpc)
            # Applied once the chain is idle: anvil answers a call pinned to its latest block
            # with the state of a block mined during the call, so a book's own reads (the V3
            # audit) made while blocks are mined may see the future.
            while sync.head is None or sync.head.number < end:
                await sync.process(await feed.next(timeout_s=_EVENT_TIMEOUT_S))
        head = sync.head
        assert head is not None
        fresh = tuple(await book.discover_at(head))
        # The same pools read by address, an account that is no pool at all, and a contract
        # that is no pool (a token: its getters revert or are missing).
        token = chain.tokens[0].address
        read = await book.read([*(state.address for state in fresh), BOT, token], head)
        logs = await rpc.call(
            "eth_getLogs",
            {
                "fromBlock": hex(start.number + 1),
                "toBlock": hex(head.number),
                "topics": [list(book.topics)],
            },
        )
    return Replay(
        chain=name,
        sync=sync,
        book=book,
        start=start,
        bootstrapped=bootstrapped,
        fresh=fresh,
        read=read,
        logs=tuple(logs),
    )


def _pool_of(entry: Mapping[str, Any], addresses: set[str]) -> str:
    """The pool (lowercase address) a log is of: its emitter, or (a singleton's log, whose
    pools live inside it: a Uniswap V4 PoolManager's, a Balancer Vault's) the pool named by
    the leading 20 bytes of its id in topic 1."""
    address = str(entry["address"]).lower()
    if address in addresses or len(entry["topics"]) < 2:
        return address
    return pool_address(entry["topics"][1]).lower()


@pytest.mark.parametrize("kind", list(ADAPTERS))
async def test_event_replay_equals_a_fresh_read(
    devnet_factory, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    caplog.set_level(logging.WARNING)
    async with devnet_factory(dict.fromkeys(CHAINS)) as net:
        names = chains_with(net.manifest, kind)
        replays = await asyncio.gather(
            *(replay_chain(net.manifest, name, kind, 5_200 + i) for i, name in enumerate(names))
        )
        chains = {name: net.manifest.chain(name) for name in CHAINS}

    state_topics = ADAPTERS[kind].state_topics
    for run in replays:
        sync, head = run.sync, run.sync.head
        assert head is not None
        where = f"{run.chain} at block {head.number}"
        addresses = {state.address.lower() for state in sync.pools.values()}
        last_log: dict[str, int] = {}
        for entry in run.logs:
            last_log[_pool_of(entry, addresses)] = int(entry["blockNumber"], 16)
        # States by state key (a pool's address, or for a pool of more tokens one per pair).
        assert set(sync.pools) == {state.state_key for state in run.fresh}, where
        no_pools = {BOT.lower(): None, chains[run.chain].tokens[0].address.lower(): None}
        assert run.read == no_pools | {s.state_key: s for s in run.fresh}, where
        for fresh in run.fresh:
            key = fresh.state_key
            ours = sync.pools[key]
            last = last_log.get(fresh.address.lower(), 0)
            assert fresh.block_number == head.number
            assert ours.block_number == max(run.start.number, last), (where, key)
            assert replace(ours, block_number=fresh.block_number) == fresh, (where, key)
        # What the run did: every event that changes a swap (that the devnet's pools can
        # emit), pools of every DEX, new pools.
        exercised = state_topics - SUPPORT[kind].unexercised_topics
        assert exercised <= {entry["topics"][0] for entry in run.logs}, where
        changed = [s for s in sync.pools.values() if s.block_number > run.start.number]
        expected = {d.name for d in deployments(chains[run.chain], kind)}
        assert {s.dex for s in changed} == expected, where
        assert len(changed) >= len(sync.pools) // 2, where
        created = set(sync.pools) - run.bootstrapped
        assert len(created) == len(expected), where
        # From the events alone: no resync, no late replay, no failed step, no audit repair.
        counters = sync.counters
        assert counters.heads >= 40, counters
        assert counters.resyncs == counters.late_logs == counters.reorgs == 0, counters
        assert counters.stale_heads == counters.errors == 0, counters
        assert run.book.drifted == [], where
    complaints = [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith(("omniarb.state", "omniarb.dex"))
    ]
    assert not complaints, complaints
