"""OmniArbExecutor through a Uniswap V4 pool of the native coin, on a real devnet chain.

Every case of `_native_cases` (the native side first, mid-route and last; borrowed from the
manager as the coin, from the route's first pair, the Vault, Aave or the manager by record) is
executed by the bot from the state a whale left, each from a fresh executor: the profit it
keeps equals the pools' states chained to the wei (and `execute`'s own answer), no native
coin is left behind, and the gas model's estimate covers the gas used. Then what guards the
native coin: `receive` takes it only from the manager being unlocked and the registered
wrapped token, a native hop needs that token registered, and its key must be the pool's.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import pytest
from _executor_calls import BOT, CHAIN, OUTSIDER, call_error
from _native_cases import (
    CASES,
    CHEAP,
    DEAR,
    NativeRun,
    execute_case,
    open_gap,
    read_states,
    season,
)
from _native_cases import route_of as native_route
from _plans import FAR_DEADLINE_BLOCK
from _snapshots import snapshot
from eth_utils.address import to_checksum_address

from omniarb.chains.rpc import RpcClient
from omniarb.execute.executor_calldata import dex_factories, factory_registry
from omniarb.execute.executor_contract import ExecutorContract, deploy_devnet_executor
from omniarb.execute.route_codec import RouteCodec, wrap_plan
from omniarb.types import Route

pytestmark = pytest.mark.integration

log = logging.getLogger(__name__)

NATIVE_COIN = "0x0000000000000000000000000000000000000000"


async def test_every_native_path_realizes_its_prediction_and_leaves_no_coin(
    devnet_factory: Any,
) -> None:
    runs: list[NativeRun] = []
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            await season(rpc, chain)
            executor = (await deploy_devnet_executor(rpc, chain, bot=BOT)).address
            codec = RouteCodec(dex_factories(chain))
            for gap in (CHEAP, DEAR):
                async with snapshot(rpc):
                    await open_gap(rpc, chain, gap)
                    states = await read_states(chain, rpc)
                    for case in (c for c in CASES if c.gap == gap):
                        async with snapshot(rpc):
                            runs.append(
                                await execute_case(rpc, chain, executor, codec, states, case)
                            )
    assert len(runs) == len(CASES)
    for run in runs:
        where = run.case.name
        assert run.simulated_profit == run.predicted_profit > 0, where
        assert run.realized_profit == run.predicted_profit, where
        assert run.native_left == 0, where
        log.info("%s: %d gas (estimate %d)", where, run.gas_used, run.gas_estimate)
    for run in runs:
        assert run.gas_estimate >= run.gas_used, (run.case.name, run.gas_estimate, run.gas_used)
    # Every case went through the native pool, and both of its sides were the route's token.
    sides = {
        (hop.currency_in is not None, hop.currency_out is not None)
        for run in runs
        for hop in run.route.hops
        if hop.wraps
    }
    assert sides == {(True, False), (False, True)}


async def test_native_coin_is_refused_but_from_the_manager_and_the_wrapped_token(
    devnet_factory: Any,
) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            executor = await deploy_devnet_executor(rpc, chain, bot=BOT)
            to = executor.address
            # A plain transfer, from anyone, and even from the PoolManager outside a trade.
            manager = chain.dex("uniswap-v4").factory
            for sender in (OUTSIDER, manager):
                assert await call_error(rpc, sender, to, "0x") == ("UnexpectedCallback", (sender,))

            # A native hop whose wrapped token is not registered as one: refused before the
            # coin moves (an executor registering the DEXes only).
            weth = chain.token("WETH").address
            registry = {k: v for k, v in factory_registry(chain).items() if k != weth}
            bare = await ExecutorContract.deploy(
                rpc, sender=BOT, executors=[BOT], factories=registry
            )
            codec = RouteCodec(dex_factories(chain))
            case = next(c for c in CASES if c.gap == DEAR and c.name.startswith("v2 lends"))
            async with snapshot(rpc):
                await open_gap(rpc, chain, DEAR)
                states = await read_states(chain, rpc)
                route, _ = native_route(chain, states, case)
                plan = wrap_plan(
                    codec.plan(route, case.amount_in, 0, deadline_block=FAR_DEADLINE_BLOCK)
                )
                assert await call_error(rpc, BOT, bare.address, plan) == (
                    "NotWrappedNative",
                    (weth,),
                )
                # A native flag on the WETH/USDC pool's hop makes the key of a pool of the
                # native coin at its fee and spacing, whose id is not the hop's: refused.
                other = next(c for c in CASES if c.name == "v4 then native in, last")
                v4_hop = native_route(chain, states, other)[0].hops[0]
                flagged = replace(v4_hop, currency_out=NATIVE_COIN, zero_for_one=False)
                fake = Route(chain_id=route.chain_id, hops=(flagged, route.hops[1]))
                plan = wrap_plan(
                    codec.plan(fake, other.amount_in, 0, deadline_block=FAR_DEADLINE_BLOCK)
                )
                field = str(to_checksum_address(codec.hop_bytes(flagged)[:20]))
                assert await call_error(rpc, BOT, to, plan) == ("NotGenuineV4Pool", (field,))
