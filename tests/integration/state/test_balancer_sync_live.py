"""Balancer pools kept by the state stage through a long market run equal a fresh read.

On a devnet chain with a block time, the product's state stage (`wiring.pool_syncs`: every
traded kind's book behind one collector and one `logs` subscription) follows the chain while the
devnet's traders swap through every DEX, Balancer's weighted pools and the stablecoins' pool
among them, whales included. Once the stage has applied the last block, every Balancer pair it
holds equals what the kind's book reads fresh at that head, field for field (the pairs of the
three-stablecoin pool one state each, sharing their pool); every Balancer pool moved during the
run; and the state came from the events alone: no resync, no late replay, no repair by the
books' periodic audits.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from _state_helpers import latest_block
from _syncs import collector_of

from omniarb.chains.rpc import RpcClient
from omniarb.devnet.market import MarketActivity, MarketParams
from omniarb.dex.balancer.book import BalancerBook
from omniarb.state import PoolStateSync, run_state
from omniarb.types import PoolUpdate
from omniarb.wiring import pool_syncs

pytestmark = pytest.mark.integration

CHAIN = "ethereum"
STEPS = 80
BALANCER = ("balancer-weighted", "balancer-stable")


async def test_balancer_state_after_a_long_market_run_equals_a_fresh_read(
    devnet_factory,
) -> None:
    async with devnet_factory({CHAIN: 0.25}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            sync = PoolStateSync(pool_syncs(chain, rpc))
            stages = [s for s in sync.stages if s.book.kind in BALANCER]
            assert [s.book.kind for s in stages] == list(BALANCER)
            out: asyncio.Queue[PoolUpdate] = asyncio.Queue(maxsize=8192)
            market = MarketActivity(
                net.manifest,
                MarketParams(seed=31, swaps_per_block=6, whale_probability=0.2),
                chains=[CHAIN],
            )
            async with asyncio.TaskGroup() as tasks:
                runner = tasks.create_task(
                    run_state(sync=sync, collector=collector_of(sync, chain.rpc_ws), out=out)
                )
                first = await out.get()
                await market.run(steps=STEPS)
                end = await latest_block(rpc)
                updates = [first]
                while updates[-1].block_number < end:
                    updates.append(await asyncio.wait_for(out.get(), 30))
                runner.cancel()
            head = stages[0].head
            assert head is not None
            fresh = {stage.book.kind: await stage.book.discover_at(head) for stage in stages}

    start = first.block_number
    for stage in stages:
        kind = stage.book.kind
        assert isinstance(stage.book, BalancerBook)
        kept, read = stage.pools, {s.state_key: s for s in fresh[kind]}
        assert set(kept) == set(read), kind
        for key, state in read.items():
            assert replace(kept[key], block_number=state.block_number) == state, (kind, key)
        # Every pool of the kind traded during the run, and each pair of a pool of more tokens
        # is its pool's state.
        assert all(s.block_number > start for s in kept.values()), kind
        for state in kept.values():
            siblings = [s for s in kept.values() if s.address == state.address]
            assert all(s.pool == state.pool for s in siblings), kind
        counters = stage.counters
        assert counters.resyncs == counters.late_logs == counters.reorgs == 0, counters
        assert counters.errors == 0, counters
        assert stage.book.counters.drifts == 0, stage.book.counters
        assert stage.book.counters.checks > 0, stage.book.counters
    stable = next(s for s in stages if s.book.kind == "balancer-stable")
    assert len(stable.pools) == 3  # the three pairs of the stablecoins' pool
    assert len({s.address for s in stable.pools.values()}) == 1
