"""The state stage of every traded kind on a devnet chain with market activity, subscribed
through the fault-injecting WebSocket proxy (`tests/_ws_rpc_proxy.WsRpcProxy`): duplicated and
reordered notifications (within a block and across blocks) change nothing, and a WebSocket
dropped again and again is reconnected and back-filled by range. Each time, every pool equals a
fresh sync of the chain at the same block (`BlockSync.bootstrap` there); the books' periodic
audits are off, so nothing repairs a wrong state behind the test's back.

Blocks come from the test's `Miner` (one every 0.3 s, the market's transactions in them), which
holds still while the fresh sync reads: anvil answers a read pinned to a block with a newer
block's state when one is mined during the read."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from _waits import eventually
from _ws_rpc_proxy import WsRpcProxy

from omniarb.chains.rpc import RpcClient
from omniarb.chains.ws import ReconnectPolicy
from omniarb.collect import HeadCollector
from omniarb.devnet.market import MarketActivity, MarketParams
from omniarb.network import ChainManifest
from omniarb.state import BlockSync, PoolStateSync, run_state
from omniarb.types import PoolUpdate
from omniarb.wiring import pool_syncs

pytestmark = pytest.mark.integration

CHAIN = "ethereum"
BLOCK_TIME_S = 0.3
POLICY = ReconnectPolicy(initial_s=0.05, max_s=0.2, call_timeout_s=2.0)


async def until(predicate: Callable[[], object], *, what: str, timeout_s: float = 30.0) -> None:
    async def check() -> object:
        return predicate()

    await eventually(check, what=what, timeout_s=timeout_s, interval_s=0.02)


class Miner:
    """`await miner.run()` mines a block every `interval_s` (the node's own mining off);
    `async with miner.paused():` no block is mined inside the block."""

    def __init__(self, rpc: RpcClient, interval_s: float = BLOCK_TIME_S) -> None:
        self.rpc = rpc
        self.interval_s = interval_s
        self._lock = asyncio.Lock()

    async def run(self) -> None:
        await self.rpc.call("evm_setIntervalMining", 0)
        while True:
            async with self._lock:
                await self.rpc.call("evm_mine")
            await asyncio.sleep(self.interval_s)  # the block time, not a synchronisation

    @asynccontextmanager
    async def paused(self) -> AsyncIterator[None]:
        async with self._lock:
            yield


async def assert_caught_up_and_fresh(
    rpc: RpcClient, chain: ChainManifest, sync: PoolStateSync, miner: Miner
) -> int:
    """With the chain held still: the stage reaches the head, and equals a fresh sync there."""
    async with miner.paused():
        end = await latest(rpc)
        await until(lambda: lowest_head(sync) >= end, what=f"the stage at block {end}")
        return await assert_equals_fresh_sync(rpc, chain, sync)


def unaudited(rpc: RpcClient, chain: ChainManifest) -> PoolStateSync:
    """The bot's state stage of `chain`, every kind, without the periodic consistency audits
    (they would re-read a drifted pool and hide the bug this suite looks for)."""
    stages = pool_syncs(chain, rpc)
    for stage in stages:
        if hasattr(stage.book, "check_every_blocks"):
            stage.book.check_every_blocks = 0
    return PoolStateSync(stages)


async def assert_equals_fresh_sync(
    rpc: RpcClient, chain: ChainManifest, sync: PoolStateSync
) -> int:
    """Every kind's pools, as they are now, equal a fresh sync bootstrapped at that kind's
    head; returns the number of pools compared."""
    fresh_by_kind = {stage.book.kind: stage for stage in pool_syncs(chain, rpc)}
    compared = 0
    for stage in sync.stages:
        # Taken at once: the stage goes on applying blocks while the fresh sync reads.
        head, pools = stage.head, dict(stage.pools)
        assert head is not None
        fresh: BlockSync[Any] = fresh_by_kind[stage.book.kind]
        await fresh.bootstrap(head.number)
        assert fresh.head is not None
        assert fresh.head.hash == head.hash, f"{stage.book.kind}: head {head.number} not canonical"
        assert set(pools) == set(fresh.pools), f"{stage.book.kind}: other pools at {head.number}"
        differing = [k for k, s in pools.items() if stage.book.differs(s, fresh.pools[k])]
        assert differing == [], f"{stage.book.kind} at block {head.number}: {differing}"
        compared += len(pools)
    return compared


def lowest_head(sync: PoolStateSync) -> int:
    return min(stage.head.number if stage.head else -1 for stage in sync.stages)


async def latest(rpc: RpcClient) -> int:
    return int(await rpc.call("eth_blockNumber"), 16)


async def chain_at(rpc: RpcClient, number: int) -> None:
    async def check() -> bool:
        return await latest(rpc) >= number

    await eventually(check, what=f"block {number}", timeout_s=30, interval_s=0.05)


def market_on(net: Any, seed: int) -> MarketActivity:
    params = MarketParams(seed=seed, swaps_per_block=4, whale_probability=0.1, traders=6)
    return MarketActivity(net.manifest, params, chains=[CHAIN])


async def test_duplicated_and_reordered_notifications_are_harmless(devnet_factory) -> None:
    async with devnet_factory({CHAIN: BLOCK_TIME_S}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc, WsRpcProxy(chain.rpc_ws) as proxy:
            sync = unaudited(rpc, chain)
            collector = HeadCollector(
                chain_id=chain.chain_id,
                ws_url=proxy.url,
                log_filters=sync.log_filters(),
                policy=POLICY,
            )
            out: asyncio.Queue[PoolUpdate] = asyncio.Queue(maxsize=10_000)
            miner = Miner(rpc)
            async with asyncio.TaskGroup() as tasks:
                mining = tasks.create_task(miner.run())
                runner = tasks.create_task(run_state(sync=sync, collector=collector, out=out))
                await asyncio.wait_for(out.get(), 30)
                await until(lambda: collector.subscriptions.connections == 1, what="subscribed")
                proxy.duplicate = True
                proxy.reorder_blocks = 1
                await market_on(net, seed=41).run(steps=25)
                compared = await assert_caught_up_and_fresh(rpc, chain, sync, miner)
                runner.cancel()
                mining.cancel()

    assert compared >= 10
    assert proxy.duplicated >= 50
    assert proxy.reordered >= 50
    assert proxy.cuts == 0
    assert collector.subscriptions.reconnects == 0
    counters = [stage.counters for stage in sync.stages]
    # Blocks came after their successors (applied by the back-fill of the later head), and
    # logs after their block's head (found applied, or replayed as late logs).
    assert sum(c.backfills for c in counters) >= 5
    assert all(c.resyncs == 0 and c.reorgs == 0 and c.errors == 0 for c in counters)


async def test_a_websocket_dropped_mid_run_back_fills_to_a_fresh_sync(
    devnet_factory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="omniarb.state")
    async with devnet_factory({CHAIN: BLOCK_TIME_S}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc, WsRpcProxy(chain.rpc_ws) as proxy:
            sync = unaudited(rpc, chain)
            collector = HeadCollector(
                chain_id=chain.chain_id,
                ws_url=proxy.url,
                log_filters=sync.log_filters(),
                policy=POLICY,
            )
            subscriptions = collector.subscriptions
            out: asyncio.Queue[PoolUpdate] = asyncio.Queue(maxsize=10_000)
            compared = []
            miner = Miner(rpc)
            async with asyncio.TaskGroup() as tasks:
                mining = tasks.create_task(miner.run())
                runner = tasks.create_task(run_state(sync=sync, collector=collector, out=out))
                await asyncio.wait_for(out.get(), 30)
                market = tasks.create_task(market_on(net, seed=43).run())
                for cut in range(1, 4):
                    await until(lambda n=cut: subscriptions.connections == n, what="subscribed")
                    start = await latest(rpc)
                    await until(lambda s=start: lowest_head(sync) >= s + 2, what="blocks applied")
                    filled = [stage.counters.backfilled_blocks for stage in sync.stages]
                    proxy.refusing = True
                    proxy.drop()
                    # Blocks go by unseen (at least 3 to back-fill), while reconnects are refused.
                    await until(lambda: proxy.refused >= 2, what="two refused reconnects")
                    await chain_at(rpc, lowest_head(sync) + 5)
                    proxy.refusing = False
                    await until(
                        lambda n=cut: all(s.counters.stream_gaps == n for s in sync.stages),
                        what=f"the gap notice of cut {cut}",
                    )
                    compared.append(await assert_caught_up_and_fresh(rpc, chain, sync, miner))
                    for stage, before in zip(sync.stages, filled, strict=True):
                        assert stage.counters.backfilled_blocks >= before + 3, stage.book.kind
                market.cancel()
                runner.cancel()
                mining.cancel()

    assert subscriptions.drops == subscriptions.reconnects == 3
    assert proxy.cuts == 3
    assert min(compared) >= 10
    for stage in sync.stages:
        assert stage.counters.backfills >= 3, stage.book.kind
        assert stage.counters.backfilled_blocks >= 9, stage.book.kind
        assert stage.counters.resyncs == stage.counters.reorgs == 0, stage.book.kind
    backfilled = [r.getMessage() for r in caplog.records if "back-filled blocks" in r.getMessage()]
    assert len(backfilled) >= 3 * len(sync.stages), backfilled
    assert any("connection lost" in r.getMessage() for r in caplog.records)
