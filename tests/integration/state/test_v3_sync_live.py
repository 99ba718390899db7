"""The V3 state stage on a real devnet chain: after a long market run (the devnet's simulated
traders plus our own SwapRouter swaps, and positions minted and burned through the
NonfungiblePositionManager), every pool equals a fresh read from the chain; a block holding a
mint, swaps and a burn on one pool is applied in log order; a reorg is repaired; a new pool
appears; a lost log is caught by the consistency check, and a late one repaired."""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import replace

import pytest
from _state_helpers import (
    EventFeed,
    mine_followed,
    rewrite_history,
    wait_subscribed,
    wait_until,
)
from _syncs import V3Sync, collector_of, v3_book
from _v3_sync_helpers import (
    V3Market,
    assert_v3_state_matches_chain,
    make_v3_sync,
    new_pool_call,
    receipts,
)

from omniarb.chain_events import ChainLog, NewHead, parse_log
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.market import MarketActivity, MarketParams
from omniarb.dex.uniswap_v3 import V3PoolReader, V3PoolState
from omniarb.dex.uniswap_v3.discovery import V3Discovery, V3DiscoverySettings
from omniarb.dex.uniswap_v3.logs import MINT_TOPIC, V3_TOPICS, apply_v3_logs
from omniarb.network import PoolEntry
from omniarb.state.runner import run_state
from omniarb.types import PoolUpdate

pytestmark = pytest.mark.integration

CHAIN = "ethereum"


async def latest(rpc: RpcClient) -> int:
    return int(await rpc.call("eth_blockNumber"), 16)


async def our_flow(market: V3Market, sync: V3Sync, rng: random.Random, rounds: int) -> int:
    """Rounds of deployer mints and burns and trader swaps on random pools, each round's
    transactions sent back to back (so several land in one block); returns the last block."""
    traders = market.chain.traders[6:8]
    last = 0
    for index in range(rounds):
        hashes, minted = [], []
        for pool in rng.sample(market.pools, 3):
            hashes.append(await market.mint(pool, sync.pool(pool.address), rng))
            minted.append(pool.address)
        live = [p for p in market.positions if p.liquidity > 0]
        hashes += [await market.burn(p, rng) for p in rng.sample(live, min(len(live), 2))]
        hashes += [
            await market.swap(pool, traders[index % 2], rng) for pool in rng.sample(market.pools, 4)
        ]
        done = await receipts(market.rpc, hashes)
        for receipt, pool_address in zip(done, minted, strict=False):
            market.remember_positions(receipt, pool_address)
        last = max(last, *(int(r["blockNumber"], 16) for r in done))
    return last


@pytest.mark.parametrize(
    "settings",
    [
        V3DiscoverySettings(),
        # Pools split across many small calls.
        V3DiscoverySettings(words_per_call=97, pools_per_call=2),
        # Calls planned too big for their output and gas: the lens stops them early (between
        # pools for the output, inside a pool's bitmap for gas) and the reads resume.
        V3DiscoverySettings(
            words_per_call=5000, pools_per_call=8, max_bytes=600, call_gas=1_500_000
        ),
    ],
    ids=["default", "split", "stopped"],
)
async def test_the_lens_reads_what_the_pools_getters_say(
    devnet_factory, settings: V3DiscoverySettings
) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            market = V3Market.of(rpc, chain)
            factories = {market.dex.factory: market.dex.name}
            discovery = V3Discovery(
                rpc=rpc, chain_id=chain.chain_id, factories=factories, settings=settings
            )
            rng = random.Random(1)
            reader = V3PoolReader(rpc, chain_id=chain.chain_id)
            states = await reader.read_many([p.address for p in market.pools], dex="uniswap-v3")
            await receipts(
                rpc,
                [await market.mint(p, s, rng) for p, s in zip(market.pools, states, strict=True)],
            )
            snapshot = await discovery.discover()
            expected = await V3PoolReader(rpc, chain_id=chain.chain_id).read_many(
                [p.address for p in market.pools], dex=market.dex.name, block=snapshot.block_number
            )
            missing = "0x" + "11" * 20
            listed = V3Discovery(
                rpc=rpc,
                chain_id=chain.chain_id,
                factories=factories,
                pools=[market.pools[0].address, missing],
                settings=settings,
            )
            (only,) = (await listed.discover(snapshot.block_number)).pools
            reread = await discovery.read_pools(
                {p.address: p.tick_spacing for p in market.pools[:2]} | {missing: 10},
                snapshot.block_number,
            )

    assert sorted(snapshot.pools, key=lambda s: s.address) == sorted(
        expected, key=lambda s: s.address
    )
    assert sum(len(s.ticks) for s in snapshot.pools) >= 8 * 8 + 8
    assert only == next(s for s in expected if s.address == market.pools[0].address)
    assert reread[missing] is None
    assert [reread[p.address] for p in market.pools[:2]] == [
        next(s for s in expected if s.address == p.address) for p in market.pools[:2]
    ]


async def test_state_equals_the_chain_after_a_long_market_run(devnet_factory) -> None:
    async with devnet_factory({CHAIN: 0.25}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            market = V3Market.of(rpc, chain)
            sync = make_v3_sync(rpc, chain, check_every_blocks=8, check_sample=3)
            out: asyncio.Queue[PoolUpdate] = asyncio.Queue(maxsize=4096)
            activity = MarketActivity(
                net.manifest,
                MarketParams(seed=5, swaps_per_block=4, whale_probability=0.15, traders=6),
                chains=[CHAIN],
            )
            rng = random.Random(17)
            async with asyncio.TaskGroup() as tasks:
                runner = tasks.create_task(
                    run_state(sync=sync, collector=collector_of(sync, chain.rpc_ws), out=out)
                )
                first = await out.get()
                start = first.block_number
                traders = tasks.create_task(activity.run(steps=40))
                last = await our_flow(market, sync, rng, rounds=14)
                await traders
                end = max(last, await latest(rpc))
                # Taken from the queue, not read off `sync.head`: the head moves before the
                # runner has put its update.
                updates: list[PoolUpdate] = []
                while not updates or updates[-1].block_number < end:
                    updates.append(await asyncio.wait_for(out.get(), 30))
                runner.cancel()
            ticks = await assert_v3_state_matches_chain(rpc, sync)
            logs = await rpc.call(
                "eth_getLogs",
                {"fromBlock": hex(start + 1), "toBlock": hex(end), "topics": [list(V3_TOPICS)]},
            )
            kinds = [V3_TOPICS.index(entry["topics"][0]) for entry in logs]
            per_block: dict[int, set[int]] = {}
            for entry, kind in zip(logs, kinds, strict=True):
                per_block.setdefault(int(entry["blockNumber"], 16), set()).add(kind)

    assert len(first.pools) == len(first.new_pools) == 8
    # Swaps (0), mints (1) and burns (2) in numbers, several kinds in one block.
    assert kinds.count(0) >= 80
    assert kinds.count(1) >= 40
    assert kinds.count(2) >= 20
    assert sum(len(k) >= 3 for k in per_block.values()) >= 3
    assert ticks >= 8 * 8 + 40
    assert end - start >= 30
    assert v3_book(sync).counters.checks >= 3
    assert v3_book(sync).counters.checked_pools >= 9
    assert (
        v3_book(sync).counters.drifts
        == sync.counters.resyncs
        == v3_book(sync).counters.reread_pools
        == 0
    )
    # Each update names exactly the pools with logs since the update before (one block, or
    # more when a head was back-filled), all of them, in block order.
    previous = start
    for update in updates:
        assert update.block_number > previous
        touched = {
            entry["address"].lower()
            for entry in logs
            if previous < int(entry["blockNumber"], 16) <= update.block_number
        }
        assert {p.address.lower() for p in update.pools} == touched, sync.counters
        previous = update.block_number
    assert previous >= end


async def test_one_block_of_mint_swaps_and_burn_applies_in_log_order(devnet_factory) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            market = V3Market.of(rpc, chain)
            sync = make_v3_sync(rpc, chain, check_every_blocks=0)
            await sync.bootstrap()
            rng = random.Random(2)
            pool = next(p for p in market.pools if p.fee == 3000)
            key = pool.address.lower()
            trader = chain.traders[6]
            async with EventFeed(collector_of(sync, chain.rpc_ws)) as feed:
                # An older position to burn inside the block.
                (minted,) = await receipts(rpc, [await market.mint(pool, sync.pool(key), rng)])
                market.remember_positions(minted, pool.address)
                while sync.head is None or sync.head.number < int(minted["blockNumber"], 16):
                    await sync.process(await feed.next())
                before = sync.pool(key)
                await rpc.call("evm_setAutomine", False)
                try:
                    hashes = [await market.mint(pool, before, rng)]
                    hashes.append(await market.swap(pool, trader, rng, share=0.05))
                    hashes.append(await market.burn(market.positions[0], rng))
                    hashes.append(await market.mint(pool, before, rng))
                    hashes.append(await market.swap(pool, trader, rng, share=0.03))
                    await rpc.call("evm_mine")
                finally:
                    await rpc.call("evm_setAutomine", True)
                mined = await receipts(rpc, hashes)
                block = int(mined[0]["blockNumber"], 16)
                updates = []
                while sync.head is None or sync.head.number < block:
                    updates += await sync.process(await feed.next())
            raw = await rpc.call("eth_getLogs", {"fromBlock": hex(block), "toBlock": hex(block)})
            block_logs = [parse_log(chain.chain_id, e) for e in raw if e["address"].lower() == key]
            await assert_v3_state_matches_chain(rpc, sync)
            on_chain = await V3PoolReader(rpc, chain_id=chain.chain_id).read(
                pool.address, dex="uniswap-v3", block=block
            )

    assert {int(r["blockNumber"], 16) for r in mined} == {block}
    assert [e.topics[0] for e in block_logs] == [V3_TOPICS[i] for i in (1, 0, 2, 1, 0)]
    (update,) = updates
    (state,) = update.pools
    assert state == on_chain
    assert state.block_number == block
    assert (state.tick, state.ticks) != (before.tick, before.ticks)
    # The order matters: the same logs applied the other way round give another state.
    factories = {a.lower(): d for a, d in v3_book(sync).discovery.factories.items()}
    backwards = [replace(e, log_index=-e.log_index) for e in block_logs]
    wrong = apply_v3_logs({key: before}, backwards, factories=factories, chain_id=1)
    assert key in wrong.broken or replace(wrong.changed[key], block_number=block) != on_chain


async def test_a_reorg_is_repaired_and_a_pool_it_created_is_dropped(devnet_factory) -> None:
    async with devnet_factory({CHAIN: 0.3}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            market = V3Market.of(rpc, chain)
            sync = make_v3_sync(rpc, chain, check_every_blocks=0)
            out: asyncio.Queue[PoolUpdate] = asyncio.Queue(maxsize=1024)
            rng = random.Random(9)
            new_pool_data = new_pool_call(chain, market)
            collector = collector_of(sync, chain.rpc_ws)
            async with asyncio.TaskGroup() as tasks:
                runner = tasks.create_task(run_state(sync=sync, collector=collector, out=out))
                await out.get()
                await wait_subscribed(collector)
                first = await latest(rpc) + 1
                hashes = [
                    await market.send(chain.deployer, market.manager, new_pool_data, 6_000_000)
                ]
                for pool in market.pools[:4]:
                    hashes.append(await market.mint(pool, sync.pool(pool.address), rng))
                    hashes.append(await market.swap(pool, chain.traders[7], rng, share=0.04))
                done = await receipts(rpc, hashes)
                last = max(int(r["blockNumber"], 16) for r in done)
                await wait_until(lambda: sync.head is not None and sync.head.number >= last)
                assert len(sync.pools) == 9
                touched = {p.address for p in market.pools[:4]}
                reader = V3PoolReader(rpc, chain_id=chain.chain_id)
                before = {
                    s.address: s
                    for s in await reader.read_many(
                        list(touched), dex="uniswap-v3", block=first - 1
                    )
                }
                tx_blocks = sorted({int(r["blockNumber"], 16) for r in done})
                reorg_top = await rewrite_history(rpc, first)
                await mine_followed(rpc, lambda: sync.head.number if sync.head else -1)
                await wait_until(lambda: sync.counters.reorgs >= 1)
                runner.cancel()
            await assert_v3_state_matches_chain(rpc, sync)

    assert sync.counters.resyncs == 0
    context = (first, tx_blocks, reorg_top, sync.counters)
    assert sync.counters.repaired_pools >= 5, context
    assert sync.counters.removed_pools == 1
    assert len(sync.pools) == 8
    # The dropped blocks' swaps and positions are gone again: every touched pool is back.
    for address, old in before.items():
        assert replace(sync.pool(address), block_number=old.block_number) == old


async def test_a_new_pool_appears_with_its_first_positions(devnet_factory) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            market = V3Market.of(rpc, chain)
            sync = make_v3_sync(rpc, chain, check_every_blocks=0)
            await sync.bootstrap()
            rng = random.Random(4)
            async with EventFeed(collector_of(sync, chain.rpc_ws)) as feed:
                data = new_pool_call(chain, market)
                (created,) = await receipts(
                    rpc, [await market.send(chain.deployer, market.manager, data, gas=6_000_000)]
                )
                block = int(created["blockNumber"], 16)
                updates = []
                while sync.head is None or sync.head.number < block:
                    updates += await sync.process(await feed.next())
                (update,) = updates
                (address,) = update.new_pools
                state = sync.pool(address)
                entry = pool_entry(market, state)
                spacing = state.tick_spacing
                minted = await receipts(
                    rpc,
                    [
                        await market.mint(entry, state, rng, ticks=ticks, amounts=(10**15, 10**15))
                        for ticks in ((-spacing, spacing), (-3 * spacing, 5 * spacing))
                    ],
                )
                end = max(int(r["blockNumber"], 16) for r in minted)
                while sync.head is None or sync.head.number < end:
                    updates += await sync.process(await feed.next())
            await assert_v3_state_matches_chain(rpc, sync)

    assert update.pools == (state,)
    assert (state.unlocked, state.sqrt_price_x96, state.tick, state.block_number) == (
        True,
        2**96,
        0,
        block,
    )
    assert len(sync.pools) == 9
    grown = sync.pool(address)
    assert grown.liquidity > 0
    assert len(grown.ticks) == 4


def pool_entry(market: V3Market, state: V3PoolState) -> PoolEntry:
    """A manifest-like entry for a pool the manifest does not know (created in the test)."""
    return PoolEntry(
        address=state.address,
        dex=market.dex.name,
        kind="uniswap-v3",
        token0=state.token0,
        token1=state.token1,
        fee=state.fee_pips,
        symbol0="A",
        symbol1="B",
        tick_spacing=state.tick_spacing,
    )


async def test_a_lost_log_is_caught_by_the_check_and_a_late_one_repaired(
    devnet_factory, caplog: pytest.LogCaptureFixture
) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            market = V3Market.of(rpc, chain)
            sync = make_v3_sync(rpc, chain, check_every_blocks=0, check_sample=8)
            await sync.bootstrap()
            rng = random.Random(12)
            pool = market.pools[1]
            key = pool.address.lower()
            async with EventFeed(collector_of(sync, chain.rpc_ws)) as feed:

                async def one_block() -> tuple[NewHead, list[ChainLog]]:
                    """A mint and a swap in one block; its head and logs, not yet processed."""
                    await rpc.call("evm_setAutomine", False)
                    try:
                        hashes = [await market.mint(pool, sync.pool(key), rng)]
                        hashes.append(await market.swap(pool, chain.traders[6], rng, share=0.01))
                        await rpc.call("evm_mine")
                    finally:
                        await rpc.call("evm_setAutomine", True)
                    block = int((await receipts(rpc, hashes))[0]["blockNumber"], 16)
                    head, logs = None, []
                    while head is None or len(logs) < 2:
                        event = await feed.next()
                        if isinstance(event, NewHead) and event.number == block:
                            head = event
                        elif isinstance(event, ChainLog) and event.block_number == block:
                            logs.append(event)
                    return head, logs

                # The mint's log is lost; the swap's arrives before the head.
                head, logs = await one_block()
                (mint,) = [e for e in logs if e.topics[0] == MINT_TOPIC]
                for event in [e for e in logs if e is not mint]:
                    await sync.process(event)
                await sync.process(head)
                stale = sync.pool(key)
                with caplog.at_level(logging.ERROR, logger="omniarb.dex"):
                    drifted = await sync.audit_now()
                await assert_v3_state_matches_chain(rpc, sync)

                # Next block: the mint's log comes after its head was applied.
                head, logs = await one_block()
                (mint,) = [e for e in logs if e.topics[0] == MINT_TOPIC]
                for event in [e for e in logs if e is not mint]:
                    await sync.process(event)
                await sync.process(head)
                late_updates = await sync.process(mint)
                await assert_v3_state_matches_chain(rpc, sync)

    assert set(drifted) == {key}
    fixed = drifted[key]
    assert fixed is not None
    assert stale.ticks != fixed.ticks
    assert v3_book(sync).counters.drifts == 1
    assert v3_book(sync).counters.checked_pools == 8
    assert any(
        r.levelno == logging.ERROR
        and "drifted" in r.getMessage()
        and pool.address in r.getMessage()
        for r in caplog.records
    )
    assert sync.counters.late_logs == 1
    (late,) = late_updates
    assert [p.address.lower() for p in late.pools] == [key]
