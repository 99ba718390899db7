"""Reorgs and outages on a chain mining every 0.3 s: `anvil_reorg` (the last blocks re-mined
with new hashes, without our swaps) and `anvil_rollback` (the head rewound) are detected from
parent hashes and repaired through the lens; a dropped WebSocket (a fault proxy cuts it and
refuses reconnects for a while) is reconnected, reported, and the blocks it missed back-filled."""

from __future__ import annotations

import asyncio
import random
from urllib.parse import urlparse

import pytest
from _state_helpers import (
    assert_state_matches_chain,
    get_reserves,
    make_sync,
    mine_followed,
    receipt,
    rewrite_history,
    send_swap,
    wait_for_block,
    wait_subscribed,
    wait_until,
)
from _syncs import V2Sync, collector_of, v2_sync
from _ws_proxy import FaultProxy

from omniarb.backoff import Backoff
from omniarb.chains.rpc import RpcClient
from omniarb.chains.ws import ReconnectPolicy
from omniarb.network import ChainManifest
from omniarb.state import run_state
from omniarb.types import PoolUpdate

pytestmark = pytest.mark.integration


async def swap_and_wait(
    rpc: RpcClient, chain: ChainManifest, sync: V2Sync, rng: random.Random
) -> tuple[int, int, set[str]]:
    """Eight swaps; returns their first and last block and the pairs they touched, once the
    stage has applied them."""
    sent = [await send_swap(rpc, chain, rng, t) for t in range(1, 9)]
    receipts = [await receipt(rpc, h) for h in sent]
    blocks = [int(r["blockNumber"], 16) for r in receipts]
    touched = {log["address"].lower() for r in receipts for log in r["logs"]} & set(sync.pools)
    await wait_until(lambda: sync.head is not None and sync.head.number >= max(blocks))
    return min(blocks), max(blocks), touched


async def run_until(
    rpc: RpcClient, sync: V2Sync, ws_url: str, scenario, policy: ReconnectPolicy | None = None
) -> list[PoolUpdate]:
    out: asyncio.Queue[PoolUpdate] = asyncio.Queue(maxsize=1024)
    collector = collector_of(sync, ws_url, policy=policy)
    async with asyncio.TaskGroup() as tasks:
        runner = tasks.create_task(run_state(sync=sync, collector=collector, out=out))
        await out.get()
        await wait_subscribed(collector)
        await scenario(collector)
        runner.cancel()
    updates = []
    while not out.empty():
        updates.append(out.get_nowait())
    return updates


@pytest.mark.parametrize("method", ["anvil_reorg", "anvil_rollback"])
async def test_a_reorg_is_detected_and_repaired(devnet_factory, method: str) -> None:
    async with devnet_factory({"ethereum": 0.3}) as net:
        chain = net.manifest.chain("ethereum")
        async with RpcClient(chain.rpc_http) as rpc:
            sync = make_sync(rpc, chain)
            rng = random.Random(21)
            facts: dict[str, object] = {}

            async def scenario(_collector: object) -> None:
                first, _last, touched = await swap_and_wait(rpc, chain, sync, rng)
                before = {a: await get_reserves(rpc, a, first - 1) for a in touched}
                await rewrite_history(rpc, first, method)
                await mine_followed(rpc, lambda: sync.head.number if sync.head else -1)
                await wait_until(lambda: sync.counters.reorgs >= 1)
                facts.update(first=first, touched=touched, before=before)

            await run_until(rpc, sync, chain.rpc_ws, scenario)
            assert sync.counters.repaired_pools >= len(facts["touched"]) > 0
            assert sync.counters.resyncs == 0
            await assert_state_matches_chain(rpc, sync)
            # The swaps were dropped with their blocks: the pairs are back where they were.
            for address, reserves in facts["before"].items():
                state = sync.pools[address]
                assert (state.reserve0, state.reserve1) == reserves


async def test_a_dropped_websocket_reconnects_and_back_fills(devnet_factory) -> None:
    async with devnet_factory({"ethereum": 0.3}) as net:
        chain = net.manifest.chain("ethereum")
        port = urlparse(chain.rpc_ws).port
        assert port is not None
        async with RpcClient(chain.rpc_http) as rpc, FaultProxy(port) as proxy:
            sync = make_sync(rpc, chain)
            rng = random.Random(8)

            async def scenario(collector) -> None:
                await swap_and_wait(rpc, chain, sync, rng)
                proxy.refusing = True
                proxy.cut()
                down_from = sync.head.number if sync.head else 0
                sent = [await send_swap(rpc, chain, rng, t) for t in range(1, 9)]
                last = max([int((await receipt(rpc, h))["blockNumber"], 16) for h in sent])
                # Blocks go by unseen: the swaps' blocks and enough more that the catch-up head
                # is at least 4 past ours (3 or more back-filled blocks).
                await wait_for_block(rpc, max(last + 1, down_from + 4))
                assert sync.head is not None
                assert sync.head.number <= down_from
                proxy.refusing = False
                await wait_until(lambda: sync.counters.stream_gaps >= 1)
                await wait_until(lambda: sync.head is not None and sync.head.number >= last)
                assert collector.subscriptions.drops >= 1
                assert collector.subscriptions.reconnects >= 1
                assert collector.subscriptions.connections >= 2

            await run_until(
                rpc,
                sync,
                proxy.ws_url,
                scenario,
                ReconnectPolicy(initial_s=0.05, max_s=0.2, call_timeout_s=2.0),
            )
            assert proxy.accepted >= 2
            assert sync.counters.backfills >= 1
            assert sync.counters.backfilled_blocks >= 3
            assert sync.counters.reorgs == sync.counters.resyncs == 0
            await assert_state_matches_chain(rpc, sync)


async def test_the_runner_keeps_retrying_a_node_that_is_down() -> None:
    """No node behind the URL: discovery fails, is counted, and is retried; cancel stops it."""
    from omniarb.devnet.anvil import free_port
    from omniarb.dex.uniswap_v2.discovery import V2Discovery

    url = f"http://127.0.0.1:{free_port('127.0.0.1')}"
    async with RpcClient(url, timeout_s=1.0) as rpc:
        sync = v2_sync(V2Discovery(rpc=rpc, chain_id=1, factories={"0x" + "11" * 20: ("x", 30)}))
        out: asyncio.Queue[PoolUpdate] = asyncio.Queue(maxsize=1)
        task = asyncio.get_running_loop().create_task(
            run_state(
                sync=sync,
                collector=collector_of(sync, url.replace("http", "ws")),
                out=out,
                retry=Backoff(initial_s=0.01, max_s=0.05),
            )
        )
        await wait_until(lambda: sync.counters.errors >= 3, timeout_s=10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert out.empty()
        assert sync.head is None
