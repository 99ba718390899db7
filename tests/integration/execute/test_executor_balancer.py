"""OmniArbExecutor's Balancer hop on a real devnet chain: `Vault.swap` through the weighted and
stable pools, alone, two in a route, and both kinds in one route (`_balancer_cases`).

Each cycle is executed from the state after the planted whales, with the planted amount: the
executor keeps exactly the profit the pools' own answers (V2 reserves, `BalancerQueries`)
predict, which is also what the Balancer book's states predict with our math, and uses no more
gas than the product's gas model estimates for the route (one route gas for the Vault, however
many Balancer kinds the route mixes). The cycles' pools are seasoned first (swapped a little
each way, as a live chain's have been). The executor holds no allowance to the Vault: each
Balancer hop approves exactly what it sells, right before its swap, and the Vault's pull spends
it to zero, so none stands after a trade either (and the bot refuses to start on an executor
that holds one: an older executor's). The Vault cannot lend to a route
through its pools (its one reentrancy lock, BAL#400), and a hop naming a Vault the owner never
registered is refused.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from _balancer_cases import CYCLES, case_for, plant, season
from _executor_calls import BOT, CHAIN, Setup, call_error
from _flash_cases import send_tx
from _lender_helpers import balance_of
from _plans import FAR_DEADLINE_BLOCK
from _snapshots import snapshot
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from omniarb.chains.abi import encode_call
from omniarb.chains.blocks import read_head
from omniarb.chains.rpc import RpcClient
from omniarb.dex.deployments import traded_deployments
from omniarb.dex.registry import adapter
from omniarb.errors import ExecutionRevertedError, FatalError
from omniarb.execute.executor_calldata import dex_factories
from omniarb.execute.executor_contract import deploy_devnet_executor
from omniarb.execute.executor_setup import verify_executor
from omniarb.execute.route_codec import FlashSource, RouteCodec, wrap_plan
from omniarb.gas import HopWork
from omniarb.network import ChainManifest
from omniarb.types import Route
from omniarb.wiring import EXECUTOR_GAS

pytestmark = pytest.mark.integration

APPROVAL_TOPIC = "0x" + keccak(text="Approval(address,address,uint256)").hex()

log = logging.getLogger(__name__)


@asynccontextmanager
async def planted(devnet_factory: Any) -> AsyncIterator[Setup]:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            # A new timestamp every block, as on a real chain: a V2 pair's first swap in a block
            # then always updates its price accumulators (automine's wall-clock timestamps
            # would leave that to luck, and the gas used with it).
            await rpc.call("anvil_setBlockTimestampInterval", 12)
            executor = await deploy_devnet_executor(rpc, chain, bot=BOT)
            await season(rpc, chain)
            await plant(rpc, chain)
            yield Setup(
                rpc=rpc, chain=chain, executor=executor, codec=RouteCodec(dex_factories(chain))
            )


async def _ours(rpc: RpcClient, chain: ChainManifest, route: Route, amount_in: int) -> int:
    """The route's output by the Balancer books' states (and V2's), chained hop by hop."""
    head = await read_head(rpc, chain.chain_id)
    states = []
    for kind, dexes in traded_deployments(chain).items():
        if kind in ("uniswap-v2", "balancer-weighted", "balancer-stable"):
            book = adapter(kind).book(rpc=rpc, chain_id=chain.chain_id, dexes=dexes)
            states += await book.discover_at(head)
    amount = amount_in
    for hop in route.hops:
        (state,) = [
            s
            for s in states
            if s.address == hop.pool and {s.token0, s.token1} == {hop.token_in, hop.token_out}
        ]
        amount = state.amount_out(hop.token_in, amount)
    return amount


async def _execute(s: Setup, executor: str, route: Route, amount_in: int, min_profit: int) -> Any:
    data = s.codec.calldata(
        route, amount_in, min_profit, FlashSource.V2_PAIR, deadline_block=FAR_DEADLINE_BLOCK
    )
    before = await balance_of(s.rpc, route.token_in, executor)
    receipt = await send_tx(s.rpc, BOT, executor, data)
    assert int(receipt["status"], 16) == 1, route
    return receipt, await balance_of(s.rpc, route.token_in, executor) - before


async def test_balancer_hops_realize_the_predicted_profit_within_the_gas_estimate(
    devnet_factory: Any,
) -> None:
    async with planted(devnet_factory) as s:
        used: dict[str, tuple[int, int]] = {}
        for name in CYCLES:
            case = await case_for(s.rpc, s.chain, name)
            assert await _ours(s.rpc, s.chain, case.route, case.amount_in) == case.amount_out
            async with snapshot(s.rpc):
                receipt, realized = await _execute(
                    s, s.executor.address, case.route, case.amount_in, case.profit
                )
            assert realized == case.profit, name
            hops = [HopWork(kind=hop.kind) for hop in case.route.hops]
            estimate = EXECUTOR_GAS.estimate(hops, free_loan=True)
            used[name] = (int(receipt["gasUsed"], 16), estimate)
    log.info("gas used and estimated by route: %s", used)
    for name, (gas_used, estimate) in used.items():
        assert gas_used <= estimate, (name, gas_used, estimate)
    # The Vault's route gas is real and paid once: the route through both kinds costs the two
    # one-Balancer-hop routes less one contract and V2 hop, less at least 15,000 more (what the
    # second Vault swap of a transaction does not pay again: 32,678 measured with a standing
    # allowance, 19,795 since each hop approves its exact amount, the second approval's
    # 0 -> amount -> 0 costing ~13,000 more than the first's).
    both = used["v2-stable-weighted"][0]
    apart = used["v2-stable"][0] + used["v2-weighted"][0]
    v2_hop = adapter("uniswap-v2").hop_gas.hop_gas
    assert both <= apart - (EXECUTOR_GAS.base_gas + v2_hop) - 15_000


async def test_no_allowance_to_the_vault_stands_before_or_after_a_balancer_hop(
    devnet_factory: Any,
) -> None:
    async with planted(devnet_factory) as s:
        vault = s.chain.dex("balancer-weighted").factory
        for token in s.chain.tokens:
            assert await s.executor.allowance(token.address, vault) == 0, token.symbol
        # Each hop approves exactly what it sells, and the Vault's pull spends it back to zero.
        for name in CYCLES:
            case = await case_for(s.rpc, s.chain, name)
            async with snapshot(s.rpc):
                receipt, realized = await _execute(
                    s, s.executor.address, case.route, case.amount_in, 0
                )
                assert realized == case.profit, name
                approvals = [
                    entry
                    for entry in receipt["logs"]
                    if entry["topics"][0] == APPROVAL_TOPIC
                    and int(entry["topics"][2], 16) == int(vault, 16)
                ]
                balancer_hops = sum(hop.kind.startswith("balancer") for hop in case.route.hops)
                assert len(approvals) == balancer_hops, name
                for token in s.chain.tokens:
                    allowance = await s.executor.allowance(token.address, vault)
                    assert allowance == 0, (name, token.symbol)


async def test_the_vault_lends_to_no_route_through_its_pools(devnet_factory: Any) -> None:
    async with planted(devnet_factory) as s:
        case = await case_for(s.rpc, s.chain, "v2-weighted")
        # The same pools from USDC, the weighted pool first: no flash swap can lend it, and
        # the Vault, which holds USDC, refuses while its swap is locked in the route.
        route = Route(chain_id=case.route.chain_id, hops=(case.route.hops[1], case.route.hops[0]))
        data = s.codec.calldata(
            route, 10**9, 0, FlashSource.BALANCER_VAULT, deadline_block=FAR_DEADLINE_BLOCK
        )
        tx = {"from": BOT, "to": s.executor.address, "data": "0x" + data.hex()}
        with pytest.raises(ExecutionRevertedError) as refused:
            await s.rpc.call("eth_call", tx, "latest")
        assert "BAL#400" in refused.value.rpc_message


async def test_a_hop_through_an_unregistered_vault_is_refused(devnet_factory: Any) -> None:
    async with planted(devnet_factory) as s:
        case = await case_for(s.rpc, s.chain, "v2-weighted")
        stranger = str(to_checksum_address("0x" + "ba" * 20))
        codec = RouteCodec({**dex_factories(s.chain), "balancer-weighted": stranger})
        plan = wrap_plan(
            codec.plan(case.route, case.amount_in, 0, deadline_block=FAR_DEADLINE_BLOCK)
        )
        assert await call_error(s.rpc, BOT, s.executor.address, plan) == (
            "UnknownFactory",
            (stranger,),
        )


async def test_the_bot_refuses_an_executor_that_lets_the_vault_take_its_tokens(
    devnet_factory: Any,
) -> None:
    async with planted(devnet_factory) as s:
        chain = dataclasses.replace(s.chain, executor=s.executor.address)
        assert await verify_executor(s.rpc, chain, BOT) == s.executor.address
        # An older executor's standing approval, given from the executor's own address.
        vault = s.chain.dex("balancer-weighted").factory
        usdc = s.chain.token("USDC").address
        await s.rpc.call("anvil_impersonateAccount", s.executor.address)
        await s.rpc.call("anvil_setBalance", s.executor.address, hex(10**18))
        approve = encode_call("approve(address,uint256)", vault, 2**256 - 1)
        receipt = await send_tx(s.rpc, s.executor.address, usdc, approve)
        assert int(receipt["status"], 16) == 1
        with pytest.raises(FatalError, match="USDC at will: an older executor"):
            await verify_executor(s.rpc, chain, BOT)
