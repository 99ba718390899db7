"""What an OmniArbExecutor plan may say, on a real devnet chain with a planted V2 arbitrage: an
unmet `minProfit` reverts and moves no token, and unknown flash sources, truncated plans,
unknown hop kinds, a fee the pairs do not charge and an unregistered factory revert clearly.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from _executor_calls import BOT, CHAIN, balance_of, call_error, pool_entry
from _lender_helpers import fill_wrapped_native
from _plans import FAR_DEADLINE_BLOCK
from _v2_arbitrage import deployed, plant_gap_and_find, reserves_at, send_tx, simulate

from omniarb.chains.rpc import RpcClient
from omniarb.errors import ExecutionRevertedError
from omniarb.execute.executor_calldata import decode_executor_revert
from omniarb.execute.route_codec import FlashSource, wrap_plan
from omniarb.types import Route

pytestmark = pytest.mark.integration


async def test_unmet_min_profit_reverts_and_moves_no_token(devnet_factory: Any) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            s = await deployed(rpc, chain)
            arb = await plant_gap_and_find(rpc, chain, 3)
            to = s.executor.address
            short = s.codec.calldata(
                arb.route,
                arb.amount_in,
                min_profit=arb.profit + 1,
                deadline_block=FAR_DEADLINE_BLOCK,
            )
            assert await call_error(rpc, BOT, to, short) == (
                "InsufficientProfit",
                (arb.profit, arb.profit + 1),
            )
            # A size past break-even loses: the profit is reported as zero.
            first = arb.route.hops[0]
            reserve0, reserve1 = (
                await reserves_at(rpc, [pool_entry(chain, first.pool)], "latest")
            )[first.pool]
            oversized = (reserve0 if first.zero_for_one else reserve1) // 2
            losing = s.codec.calldata(
                arb.route, oversized, min_profit=0, deadline_block=FAR_DEADLINE_BLOCK
            )
            assert await call_error(rpc, BOT, to, losing) == ("InsufficientProfit", (0, 0))

            pools = [pool_entry(chain, h.pool) for h in arb.route.hops]
            reserves_before = await reserves_at(rpc, pools, "latest")
            held_before = await balance_of(rpc, arb.route.token_in, to)
            receipt = await send_tx(rpc, BOT, to, short)
            assert int(receipt["status"], 16) == 0
            assert int(receipt["gasUsed"], 16) > 21_000
            assert receipt["logs"] == []
            assert await reserves_at(rpc, pools, "latest") == reserves_before
            assert await balance_of(rpc, arb.route.token_in, to) == held_before


async def test_unsupported_plan_fields_revert_clearly(devnet_factory: Any) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            s = await deployed(rpc, chain)
            arb = await plant_gap_and_find(rpc, chain, 2)
            to = s.executor.address
            route, amount_in = arb.route, arb.amount_in

            plan = s.codec.plan(route, amount_in, 0, deadline_block=FAR_DEADLINE_BLOCK)
            # Flash sources 0-4 are defined (tests in test_executor_flash_profit.py), and 5, the
            # executor's inventory (test_executor_inventory.py); 6 and above are not.
            for source in (6, 255):
                unknown_source = bytes((source,)) + plan[1:]
                assert await call_error(rpc, BOT, to, wrap_plan(unknown_source)) == (
                    "UnsupportedFlashSource",
                    (source,),
                )

            assert await call_error(rpc, BOT, to, wrap_plan(plan[:-1])) == (
                "MalformedPlan",
                (len(plan) - 1,),
            )
            one_hop = plan[: 41 + 64]
            assert await call_error(rpc, BOT, to, wrap_plan(one_hop)) == ("MalformedPlan", (105,))

            # Hop kinds 0 (V2) to 3 (V4) are defined, bits 5 and 6 flagging a V4 hop's side of
            # the native coin; kind 0x1f (no record either) in the second hop is not, with
            # those flags or without.
            kind_at = 41 + 64 + 60
            for byte in (0x1F, 0x7F):
                unknown_kind = plan[:kind_at] + bytes((byte,)) + plan[kind_at + 1 :]
                assert await call_error(rpc, BOT, to, wrap_plan(unknown_kind)) == (
                    "UnsupportedHopKind",
                    (1, 0x1F),
                )
            # The devnet's Vault holds stablecoins only: give it the WETH this loan takes.
            vault = chain.lender("balancer-v2").address
            await fill_wrapped_native(rpc, chain, vault, amount_in)
            balancer = s.codec.plan(
                route, amount_in, 0, FlashSource.BALANCER_VAULT, deadline_block=FAR_DEADLINE_BLOCK
            )
            unknown_kind = balancer[:kind_at] + bytes((0x1F,)) + balancer[kind_at + 1 :]
            assert await call_error(rpc, BOT, to, wrap_plan(unknown_kind)) == (
                "UnsupportedHopKind",
                (1, 0x1F),
            )

            # The fee comes from the plan: claiming 0.25% on 0.3% pairs asks them for more than
            # they pay, and the pair's constant-product check refuses.
            cheaper = Route(
                chain_id=route.chain_id,
                hops=tuple(dataclasses.replace(h, fee_pips=2500) for h in route.hops),
            )
            with pytest.raises(ExecutionRevertedError) as caught:
                await simulate(
                    rpc,
                    BOT,
                    to,
                    s.codec.calldata(cheaper, amount_in, 0, deadline_block=FAR_DEADLINE_BLOCK),
                )
            assert decode_executor_revert(caught.value.data).message == "UniswapV2: K"

            # The lender's factory must be registered.
            factory = chain.dex(route.hops[-1].dex).factory
            await s.executor.set_factory(BOT, factory, bytes(32))
            assert await call_error(
                rpc,
                BOT,
                to,
                s.codec.calldata(route, amount_in, 0, deadline_block=FAR_DEADLINE_BLOCK),
            ) == (
                "UnknownFactory",
                (factory,),
            )
