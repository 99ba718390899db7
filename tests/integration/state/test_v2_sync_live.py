"""The state stage on a real devnet chain with real swaps: it follows every `Sync`, each update
holds exactly the pools that changed, new pairs arrive through `PairCreated`, missed blocks are
back-filled, a head that beats its logs is completed from `eth_getLogs`, and a gap too long to
replay is resynced through the lens."""

from __future__ import annotations

import asyncio
import random
from dataclasses import replace

import pytest
from _state_helpers import (
    EventFeed,
    add_liquidity,
    assert_state_matches_chain,
    get_reserves,
    make_sync,
    receipt,
    send_swap,
    wait_subscribed,
    wait_until,
)
from _syncs import V2Sync, collector_of

from omniarb.chain_events import ChainLog, NewHead
from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.dex.uniswap_v2.logs import SYNC_TOPIC
from omniarb.state import SyncSettings, run_state
from omniarb.types import PoolUpdate

pytestmark = pytest.mark.integration


def drain(queue: asyncio.Queue[PoolUpdate]) -> list[PoolUpdate]:
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items


async def test_state_follows_trader_swaps_block_by_block(devnet_factory) -> None:
    async with devnet_factory({"ethereum": 0.3}) as net:
        chain = net.manifest.chain("ethereum")
        async with RpcClient(chain.rpc_http) as rpc:
            sync = make_sync(rpc, chain)
            out: asyncio.Queue[PoolUpdate] = asyncio.Queue(maxsize=256)
            rng = random.Random(11)
            collector = collector_of(sync, chain.rpc_ws)
            async with asyncio.TaskGroup() as tasks:
                runner = tasks.create_task(run_state(sync=sync, collector=collector, out=out))
                first = await out.get()
                await wait_subscribed(collector)
                blocks: list[int] = []
                for _ in range(6):
                    sent = [await send_swap(rpc, chain, rng, t) for t in range(1, 9)]
                    # Each round is mined before the next is sent: six rounds, six blocks or more.
                    blocks += [int((await receipt(rpc, h))["blockNumber"], 16) for h in sent]
                await wait_until(lambda: sync.head is not None and sync.head.number >= max(blocks))
                runner.cancel()
            assert len(first.pools) == len(first.new_pools) == 18
            await assert_state_matches_chain(rpc, sync, exact_after=first.block_number)
            updates = drain(out)
            assert len(set(blocks)) >= 4
            assert updates[-1].block_number == sync.head.number
            previous = first.block_number
            for update in updates:
                assert update.block_number > previous
                logs = await rpc.call(
                    "eth_getLogs",
                    {
                        "fromBlock": hex(previous + 1),
                        "toBlock": hex(update.block_number),
                        "topics": [SYNC_TOPIC],
                    },
                )
                last = {e["address"].lower(): int(e["blockNumber"], 16) for e in logs}
                assert {p.address.lower(): p.block_number for p in update.pools} == last
                header = await rpc.call("eth_getBlockByNumber", hex(update.block_number), False)
                assert update.block_hash == header["hash"]
                assert update.base_fee_wei == int(header["baseFeePerGas"], 16)
                assert update.new_pools == ()
                previous = update.block_number


async def test_a_new_pair_arrives_through_pair_created(devnet_factory) -> None:
    async with devnet_factory({"ethereum": None}) as net:
        chain = net.manifest.chain("ethereum")
        async with RpcClient(chain.rpc_http) as rpc:
            sync = make_sync(rpc, chain)
            out: asyncio.Queue[PoolUpdate] = asyncio.Queue(maxsize=64)
            collector = collector_of(sync, chain.rpc_ws)
            async with asyncio.TaskGroup() as tasks:
                runner = tasks.create_task(run_state(sync=sync, collector=collector, out=out))
                await out.get()
                await wait_subscribed(collector)
                added = await receipt(
                    rpc, await add_liquidity(rpc, chain, "sushiswap", "LINK", "UNI")
                )
                block = int(added["blockNumber"], 16)
                await wait_until(lambda: sync.head is not None and sync.head.number >= block)
                runner.cancel()
            factory = chain.dex("sushiswap").factory
            (pair,) = decode(
                ["address"],
                await rpc.call(
                    "eth_call",
                    {
                        "to": factory,
                        "data": encode_call(
                            "getPair(address,address)",
                            chain.token("LINK").address,
                            chain.token("UNI").address,
                        ),
                    },
                    "latest",
                ),
            )
            (update,) = [u for u in drain(out) if u.block_number == block]
            (new_address,) = update.new_pools
            assert new_address.lower() == pair.lower()
            new = sync.pool(new_address)
            assert new in update.pools
            assert (new.dex, new.factory, new.fee_bps, new.block_number) == (
                "sushiswap",
                factory,
                30,
                block,
            )
            assert {new.token0, new.token1} == {
                chain.token("LINK").address,
                chain.token("UNI").address,
            }
            assert (new.reserve0, new.reserve1) == await get_reserves(rpc, pair, block)
            assert min(new.reserve0, new.reserve1) > 0
            assert len(sync.pools) == 19
            await assert_state_matches_chain(rpc, sync, exact_after=block - 1)


async def feed_until(
    sync: V2Sync,
    feed: EventFeed,
    block: int,
    *,
    drop: range = range(0),
) -> list[PoolUpdate]:
    """Process events until the stage's head reaches `block`, dropping those of `drop`."""
    updates = []
    while sync.head is None or sync.head.number < block:
        event = await feed.next()
        number = event.number if isinstance(event, NewHead) else getattr(event, "block_number", -1)
        if number in drop:
            continue
        updates += await sync.process(event)
    return updates


async def test_missed_blocks_are_back_filled(devnet_factory) -> None:
    """Notifications of three blocks never reach the stage; the next head back-fills them."""
    async with devnet_factory({"ethereum": None}) as net:
        chain = net.manifest.chain("ethereum")
        async with RpcClient(chain.rpc_http) as rpc:
            sync = make_sync(rpc, chain)
            bootstrap = await sync.bootstrap()
            rng = random.Random(3)
            async with EventFeed(collector_of(sync, chain.rpc_ws)) as feed:
                start = int(
                    (await receipt(rpc, await send_swap(rpc, chain, rng, 1)))["blockNumber"], 16
                )
                await feed_until(sync, feed, start)
                missed = [
                    await receipt(rpc, await send_swap(rpc, chain, rng, t)) for t in (2, 3, 4)
                ]
                gap = range(start + 1, start + 4)
                assert [int(r["blockNumber"], 16) for r in missed] == list(gap)
                end = int(
                    (await receipt(rpc, await send_swap(rpc, chain, rng, 5)))["blockNumber"], 16
                )
                updates = await feed_until(sync, feed, end, drop=gap)
            assert sync.counters.backfills == 1
            assert sync.counters.backfilled_blocks == 3
            (update,) = updates
            changed = {p.address.lower() for p in update.pools}
            for entry in missed:
                for log in entry["logs"]:
                    if log["topics"][0] == SYNC_TOPIC:
                        assert log["address"].lower() in changed
            await assert_state_matches_chain(rpc, sync, exact_after=bootstrap.block_number)


async def test_a_gap_too_long_to_replay_is_resynced(devnet_factory) -> None:
    async with devnet_factory({"ethereum": None}) as net:
        chain = net.manifest.chain("ethereum")
        async with RpcClient(chain.rpc_http) as rpc:
            sync = make_sync(rpc, chain, settings=SyncSettings(max_backfill_blocks=2))
            await sync.bootstrap()
            rng = random.Random(4)
            async with EventFeed(collector_of(sync, chain.rpc_ws)) as feed:
                start = sync.head.number if sync.head else 0
                receipts = [
                    await receipt(rpc, await send_swap(rpc, chain, rng, t)) for t in range(1, 7)
                ]
                end = int(receipts[-1]["blockNumber"], 16)
                await feed_until(sync, feed, end, drop=range(start + 1, end))
            assert sync.counters.resyncs == 1
            assert sync.counters.backfills == 0
            await assert_state_matches_chain(rpc, sync)


async def test_a_head_that_beats_its_logs_is_completed_from_the_node(devnet_factory) -> None:
    """The head is processed before its logs arrive: its logs come from eth_getLogs by block
    hash, and the subscription's copies that arrive afterwards change nothing."""
    async with devnet_factory({"ethereum": None}) as net:
        chain = net.manifest.chain("ethereum")
        async with RpcClient(chain.rpc_http) as rpc:
            sync = make_sync(rpc, chain)
            await sync.bootstrap()
            rng = random.Random(9)
            async with EventFeed(collector_of(sync, chain.rpc_ws)) as feed:
                block = int(
                    (await receipt(rpc, await send_swap(rpc, chain, rng, 6)))["blockNumber"], 16
                )
                held: list[ChainLog] = []
                head = None
                while head is None or len(held) < 1:
                    event = await feed.next()
                    if isinstance(event, NewHead):
                        head = event
                    elif isinstance(event, ChainLog):
                        held.append(event)
                assert head.number == block
                (update,) = await sync.process(head)
                assert sync.counters.logs_by_hash == 1
                assert len(update.pools) == 1
                for entry in held:
                    assert await sync.process(entry) == []
                assert sync.counters.late_logs == 0
                # A log the node never sent for this block makes the stage replay the block.
                stray = replace(held[0], log_index=999)
                (replayed,) = await sync.process(stray)
                assert sync.counters.late_logs == 1
                assert [p.address for p in replayed.pools] == [p.address for p in update.pools]
            await assert_state_matches_chain(rpc, sync)


async def test_a_head_from_an_abandoned_branch_is_ignored(devnet_factory) -> None:
    async with devnet_factory({"ethereum": None}) as net:
        chain = net.manifest.chain("ethereum")
        async with RpcClient(chain.rpc_http) as rpc:
            sync = make_sync(rpc, chain)
            await sync.bootstrap()
            rng = random.Random(12)
            async with EventFeed(collector_of(sync, chain.rpc_ws)) as feed:
                block = int(
                    (await receipt(rpc, await send_swap(rpc, chain, rng, 2)))["blockNumber"], 16
                )
                old_heads = []
                while sync.head is None or sync.head.number < block:
                    event = await feed.next()
                    if isinstance(event, NewHead):
                        old_heads.append(event)
                    await sync.process(event)
                await rpc.call("anvil_reorg", 1, [])
                replaced = await feed.next()
                while not isinstance(replaced, NewHead):  # the old block's logs may trail
                    assert await sync.process(replaced) == []
                    replaced = await feed.next()
                assert replaced.number == block
                (repair,) = await sync.process(replaced)
                assert sync.counters.reorgs == 1
                assert repair.block_hash == replaced.hash
                assert await sync.process(old_heads[-1]) == []
                assert sync.counters.stale_heads == 1
                assert sync.head == replaced
            await assert_state_matches_chain(rpc, sync)
