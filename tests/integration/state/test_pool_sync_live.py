"""The combined state stage on a real devnet chain: one collector, one `logs` subscription and
one update per block for the chain's V2 pairs and V3 pools. After a market run (the devnet's
traders, our V3 mints, burns and swaps and our V2 swaps, both kinds in the same blocks) every
pair and pool equals a fresh read from the chain, each update names exactly the pools of both
kinds that changed, and neither stage took the other's logs for late logs of its blocks; both
kinds are bootstrapped at one block, a reorg is repaired in both, and a stage whose node reads
fail does not hold back the other's update."""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time

import pytest
from _rpc_proxy import RpcProxy
from _state_helpers import (
    assert_state_matches_chain,
    latest_block,
    make_sync,
    mine_followed,
    receipt,
    rewrite_history,
    send_swap,
    v2_pools,
    wait_subscribed,
    wait_until,
)
from _syncs import V2Sync, V3Sync, collector_of, v3_book
from _v3_sync_helpers import V3Market, assert_v3_state_matches_chain, make_v3_sync, receipts
from aiohttp import web

from omniarb.chain_events import StreamResumed
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.market import MarketActivity, MarketParams
from omniarb.dex.uniswap_v2.book import UniswapV2Book
from omniarb.dex.uniswap_v2.logs import SYNC_TOPIC
from omniarb.dex.uniswap_v2.pool import V2PoolState
from omniarb.dex.uniswap_v3.logs import V3_TOPICS
from omniarb.dex.uniswap_v3.pool import V3PoolState
from omniarb.network import ChainManifest
from omniarb.state import PoolStateSync, run_state
from omniarb.types import PoolUpdate

pytestmark = pytest.mark.integration

CHAIN = "ethereum"
# Our V2 swaps come from the last trader account: the market's traders are the first six and
# the V3 swaps use the seventh (`V3Market` tracks that account's nonces itself).
V2_TRADER = 8


V2_TOPICS = UniswapV2Book.topics


def combined(rpc: RpcClient, chain: ChainManifest, **v3_settings: int) -> PoolStateSync:
    return PoolStateSync([make_sync(rpc, chain), make_v3_sync(rpc, chain, **v3_settings)])


def v2_of(sync: PoolStateSync) -> V2Sync:
    stage: V2Sync = sync.stages[0]
    assert stage.book.kind == "uniswap-v2"
    return stage


def v3_of(sync: PoolStateSync) -> V3Sync:
    stage: V3Sync = sync.stages[1]
    assert stage.book.kind == "uniswap-v3"
    return stage


async def mixed_flow(
    market: V3Market, sync: PoolStateSync, rng: random.Random, rounds: int
) -> tuple[int, int]:
    """Rounds of V3 mints, burns and swaps and V2 swaps sent back to back, so both kinds land
    in one block; returns the last block and how many blocks held our logs of both kinds."""
    rpc, chain = market.rpc, market.chain
    last, both = 0, 0
    for _ in range(rounds):
        v3_hashes, minted = [], []
        for pool in rng.sample(market.pools, 2):
            v3_hashes.append(await market.mint(pool, v3_of(sync).pool(pool.address), rng))
            minted.append(pool.address)
        live = [p for p in market.positions if p.liquidity > 0]
        v3_hashes += [await market.burn(p, rng) for p in rng.sample(live, min(len(live), 1))]
        v3_hashes += [
            await market.swap(pool, chain.traders[6], rng) for pool in rng.sample(market.pools, 2)
        ]
        v2_hashes = [await send_swap(rpc, chain, rng, V2_TRADER) for _ in range(2)]
        v3_done = await receipts(rpc, v3_hashes)
        v2_done = await receipts(rpc, v2_hashes)
        for done, pool_address in zip(v3_done, minted, strict=False):
            market.remember_positions(done, pool_address)
        v3_blocks = {int(r["blockNumber"], 16) for r in v3_done}
        v2_blocks = {int(r["blockNumber"], 16) for r in v2_done}
        both += len(v3_blocks & v2_blocks)
        last = max(last, *v3_blocks, *v2_blocks)
    return last, both


async def test_both_kinds_equal_the_chain_after_a_market_run(devnet_factory) -> None:
    async with devnet_factory({CHAIN: 0.25}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            market = V3Market.of(rpc, chain)
            sync = combined(rpc, chain, check_every_blocks=8, check_sample=3)
            out: asyncio.Queue[PoolUpdate] = asyncio.Queue(maxsize=4096)
            activity = MarketActivity(
                net.manifest,
                MarketParams(seed=23, swaps_per_block=4, whale_probability=0.15, traders=6),
                chains=[CHAIN],
            )
            rng = random.Random(29)
            async with asyncio.TaskGroup() as tasks:
                runner = tasks.create_task(
                    run_state(sync=sync, collector=collector_of(sync, chain.rpc_ws), out=out)
                )
                first = await out.get()
                start = first.block_number
                traders = tasks.create_task(activity.run(steps=30))
                last, both_in_one_block = await mixed_flow(market, sync, rng, rounds=10)
                await traders
                end = max(last, await latest_block(rpc))
                # Taken from the queue, not read off `sync.head`: the head moves before the
                # runner has put its update.
                updates: list[PoolUpdate] = []
                while not updates or updates[-1].block_number < end:
                    updates.append(await asyncio.wait_for(out.get(), 30))
                runner.cancel()
            await assert_state_matches_chain(rpc, v2_of(sync), exact_after=start)
            ticks = await assert_v3_state_matches_chain(rpc, v3_of(sync))
            logs = await rpc.call(
                "eth_getLogs",
                {
                    "fromBlock": hex(start + 1),
                    "toBlock": hex(end),
                    "topics": [[*V2_TOPICS, *V3_TOPICS]],
                },
            )

    pairs, pools = len(v2_pools(chain)), len(market.pools)
    assert len(first.pools) == len(first.new_pools) == pairs + pools == sync.pool_count
    assert {type(p) for p in first.pools} == {V2PoolState, V3PoolState}
    assert ticks >= 8 * 8
    assert end - start >= 25
    assert both_in_one_block >= 3
    v2_logs = sum(entry["topics"][0] in V2_TOPICS for entry in logs)
    v3_logs = len(logs) - v2_logs
    assert v2_logs >= 60
    assert v3_logs >= 60
    # Every log of the run reached exactly its own stage, and no other log came in.
    assert sync.counters.logs["uniswap-v2"] + sync.counters.logs["uniswap-v3"] >= len(logs)
    assert sync.counters.logs["uniswap-v2"] >= v2_logs
    assert sync.counters.logs["uniswap-v3"] >= v3_logs
    assert sync.counters.ignored_logs == sync.counters.errors == 0
    # Undisturbed, no stage had to replay a block: none saw a late log, nothing was re-read.
    for counters in (v2_of(sync).counters, v3_of(sync).counters):
        assert counters.late_logs == counters.resyncs == counters.stale_heads == 0, counters
        assert counters.errors == 0, counters
    assert v3_book(v3_of(sync)).counters.drifts == v3_book(v3_of(sync)).counters.reread_pools == 0
    assert v3_book(v3_of(sync)).counters.checks >= 3
    # One update per block (or per back-filled run of blocks), naming exactly the pairs and
    # pools of both kinds with logs since the update before, in block order.
    previous, mixed = start, 0
    for update in updates:
        assert update.block_number > previous
        touched = {
            entry["address"].lower()
            for entry in logs
            if previous < int(entry["blockNumber"], 16) <= update.block_number
        }
        assert {p.address.lower() for p in update.pools} == touched
        assert update.new_pools == ()
        mixed += {type(p) for p in update.pools} == {V2PoolState, V3PoolState}
        previous = update.block_number
    assert previous >= end
    assert mixed >= both_in_one_block


async def test_both_kinds_are_bootstrapped_at_one_block(devnet_factory) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            sync = combined(rpc, chain)
            assert sync.head is None
            update = await sync.bootstrap()
            head = await rpc.call("eth_getBlockByNumber", "latest", False)
            await assert_state_matches_chain(rpc, v2_of(sync))
            await assert_v3_state_matches_chain(rpc, v3_of(sync))

    assert v2_of(sync).head == v3_of(sync).head == sync.head
    assert sync.head is not None
    assert (update.block_number, update.block_hash) == (sync.head.number, sync.head.hash)
    assert (sync.head.number, sync.head.hash) == (int(head["number"], 16), head["hash"])
    assert update.base_fee_wei == int(head["baseFeePerGas"], 16)
    assert {p.address.lower() for p in update.pools} == set(sync.pools)
    assert sorted(update.new_pools) == sorted(p.address for p in update.pools)
    assert (
        sync.pool_count
        == len(update.pools)
        == len(v2_pools(chain)) + len([p for p in chain.pools if p.kind == "uniswap-v3"])
    )


async def test_a_reorg_is_repaired_in_both_kinds(
    devnet_factory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="omniarb.state.pool_sync")
    async with devnet_factory({CHAIN: 0.3}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            market = V3Market.of(rpc, chain)
            sync = combined(rpc, chain, check_every_blocks=0)
            out: asyncio.Queue[PoolUpdate] = asyncio.Queue(maxsize=1024)
            rng = random.Random(31)
            collector = collector_of(sync, chain.rpc_ws)
            async with asyncio.TaskGroup() as tasks:
                runner = tasks.create_task(run_state(sync=sync, collector=collector, out=out))
                await out.get()
                await wait_subscribed(collector)
                first = await latest_block(rpc) + 1
                _, both = await mixed_flow(market, sync, rng, rounds=3)
                now = await latest_block(rpc)
                await wait_until(lambda: sync.head is not None and sync.head.number >= now)
                await rewrite_history(rpc, first)
                await mine_followed(rpc, lambda: sync.head.number if sync.head else -1)
                await wait_until(lambda: v2_of(sync).counters.reorgs >= 1)
                await wait_until(lambda: v3_of(sync).counters.reorgs >= 1)
                runner.cancel()
            await assert_state_matches_chain(rpc, v2_of(sync))
            await assert_v3_state_matches_chain(rpc, v3_of(sync))

    assert both >= 1
    assert v2_of(sync).counters.repaired_pools >= 1
    assert v3_of(sync).counters.repaired_pools >= 1
    assert v2_of(sync).counters.resyncs == v3_of(sync).counters.resyncs == 0
    # The only step failure allowed: anvil, asked for a block its reorg is re-mining (pinned by
    # hash), may answer with the next block's state; the lens's own block number exposes it,
    # the step fails loudly and catches up at the next head (the state above matches the chain).
    # An outage logs its first failure and, once over, how many attempts failed (`outage`):
    # every outage began with that failure, at most two happened, and they account for every
    # failed step.
    messages = [r.getMessage() for r in caplog.records]
    began = [m for m in messages if ": down: " in m]
    assert len(began) <= 2, messages
    assert all("lens read block" in m for m in began), messages
    assert not [m for m in messages if ": still down " in m], messages
    ended = [re.search(r"back up after .* \((\d+) failed attempts\)", m) for m in messages]
    failed = [int(match.group(1)) for match in ended if match is not None]
    assert len(failed) == len(began), messages
    assert sync.counters.errors == sum(failed), messages


class RpcGate(RpcProxy):
    """Forwards every request, or answers 503 to all while `shut` is set (a node that stopped
    answering one client)."""

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream)
        self.shut = False
        self.refused = 0

    async def respond(self, body: bytes) -> web.Response:
        if self.shut:
            self.refused += 1
            return web.Response(status=503)
        return await super().respond(body)


def resumed(chain: ChainManifest) -> StreamResumed:
    return StreamResumed(
        chain_id=chain.chain_id, down_s=1.0, attempts=1, received_ns=time.monotonic_ns()
    )


async def test_a_failed_stage_does_not_hold_back_the_other(devnet_factory) -> None:
    """The V3 stage reads through a gate that stops answering: the V2 stage's update of the
    same event still goes out, the failure is counted, and the V3 stage catches up later."""
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with (
            RpcClient(chain.rpc_http) as rpc,
            RpcGate(chain.rpc_http) as gate,
            RpcClient(gate.url) as gated,
        ):
            v3 = make_v3_sync(gated, chain, check_every_blocks=0)
            sync = PoolStateSync([make_sync(rpc, chain), v3])
            start = (await sync.bootstrap()).block_number
            rng = random.Random(37)
            # Both stages catch up to the node's head after a `StreamResumed`, each reading it.
            swapped = await receipt(rpc, await send_swap(rpc, chain, rng, V2_TRADER))
            gate.shut = True
            during = await sync.process(resumed(chain))
            gate.shut = False
            heads_during = (v2_of(sync).head, v3.head, sync.head)
            market = V3Market.of(rpc, chain)
            (v3_swapped,) = await receipts(
                rpc, [await market.swap(market.pools[0], chain.traders[6], rng, share=0.01)]
            )
            after = await sync.process(resumed(chain))
            await assert_state_matches_chain(rpc, v2_of(sync))
            await assert_v3_state_matches_chain(rpc, v3)

    block = int(swapped["blockNumber"], 16)
    assert block == start + 1
    pairs = {e["address"].lower() for e in swapped["logs"] if e["topics"][0] == SYNC_TOPIC}
    assert pairs
    (update,) = during
    assert update.block_number == block
    assert {p.address.lower() for p in update.pools} == pairs
    assert gate.refused >= 1
    assert (sync.counters.errors, v3.counters.errors, v2_of(sync).counters.errors) == (1, 1, 0)
    v2_head, v3_head, combined_head = heads_during
    assert v2_head is not None
    assert v3_head is not None
    assert (v2_head.number, v3_head.number) == (block, start)
    assert combined_head == v3_head  # the block up to which both kinds are current
    (caught_up,) = after
    assert caught_up.block_number == int(v3_swapped["blockNumber"], 16) == block + 1
    assert [p.address for p in caught_up.pools] == [market.pools[0].address]
    assert sync.head is not None
    assert sync.head.number == block + 1
    assert v3.counters.backfilled_blocks == 1
