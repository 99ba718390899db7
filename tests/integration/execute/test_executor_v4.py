"""OmniArbExecutor's Uniswap V4 parts on a real devnet chain: the PoolManager as a flash lender
(source 4) and what its loan costs in gas, and the checks that keep V4 hops and loans to a
registered PoolManager and to the pool the plan names.

The loan's gas is measured against the free loan: the same V2-opened cycles of the planted V3
gap (`_flash_cases`), from one state, once borrowing from their own first pair (a flash swap,
no extra gas) and once from the PoolManager; the difference is the loan's extra gas, which the
gas model (`GasModel.v4_flash_loan_gas`) must cover, as it must the Balancer Vault's.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import pytest
from _executor_calls import BOT, OUTSIDER, call_error, encode_bytes
from _flash_cases import Case, calldata, case_for, planted, send_tx
from _plans import FAR_DEADLINE_BLOCK
from _snapshots import snapshot
from eth_utils.address import to_checksum_address

from omniarb.execute.executor_calldata import dex_factories
from omniarb.execute.route_codec import FlashSource, RouteCodec, wrap_plan
from omniarb.types import FlashPool, Hop, Route
from omniarb.wiring import EXECUTOR_GAS

pytestmark = pytest.mark.integration

log = logging.getLogger(__name__)


async def _gas(s: Any, case: Case, source: FlashSource) -> int:
    data = calldata(s.codec, case, source, min_profit=0)
    async with snapshot(s.rpc):
        receipt = await send_tx(s.rpc, BOT, s.executor.address, data)
    assert int(receipt["status"], 16) == 1, source.name
    return int(receipt["gasUsed"], 16)


async def test_the_pool_managers_loan_costs_no_more_gas_than_the_model_says(
    devnet_factory: Any,
) -> None:
    async with planted(devnet_factory) as s:
        extra: dict[str, dict[str, int]] = {}
        for name in ("v2-v3", "v2-v2-v3"):
            case = await case_for(s.rpc, s.chain, name)
            own = await _gas(s, case, FlashSource.V2_PAIR)  # the route's first pair lends
            extra[name] = {
                source.name: await _gas(s, case, source) - own
                for source in (FlashSource.UNISWAP_V4, FlashSource.BALANCER_VAULT)
            }
        # A route opening with a V3 pool has no free loan: the V4 loan against the Vault's.
        below_vault: dict[str, int] = {}
        for name in ("v3-v3", "v3-v2"):
            case = await case_for(s.rpc, s.chain, name)
            below_vault[name] = await _gas(s, case, FlashSource.BALANCER_VAULT) - await _gas(
                s, case, FlashSource.UNISWAP_V4
            )
    log.info("extra gas over a flash swap from the route's first pair: %s", extra)
    log.info("gas a V4 loan saves over the Vault's: %s", below_vault)
    for name, by_source in extra.items():
        assert 0 < by_source["UNISWAP_V4"] <= EXECUTOR_GAS.v4_flash_loan_gas, (name, by_source)
        assert 0 < by_source["BALANCER_VAULT"] <= EXECUTOR_GAS.balancer_loan_gas, (name, by_source)
        assert by_source["UNISWAP_V4"] < by_source["BALANCER_VAULT"]
    model_saving = EXECUTOR_GAS.balancer_loan_gas - EXECUTOR_GAS.v4_flash_loan_gas
    for name, saved in below_vault.items():
        assert 0 < model_saving <= saved, (name, saved)


async def test_v4_hops_and_loans_need_a_registered_manager_and_the_named_pool(
    devnet_factory: Any,
) -> None:
    async with planted(devnet_factory) as s:
        to = s.executor.address
        case = await case_for(s.rpc, s.chain, "v2-v3")
        v4 = s.chain.dex("uniswap-v4")
        weth, usdc = s.chain.token("WETH").address, s.chain.token("USDC").address
        pool = next(
            p
            for p in s.chain.pools
            if p.dex == v4.name and {p.symbol0, p.symbol1} == {"WETH", "USDC"}
        )
        v4_hop = pool.hop(usdc)
        route = Route(chain_id=case.route.chain_id, hops=(case.route.hops[0], v4_hop))
        through_v4 = replace(case, route=route)
        data = calldata(s.codec, through_v4, FlashSource.V2_PAIR, min_profit=0)
        # The route itself trades (a V2 flash swap, the V4 hop inside an unlock): only the
        # profit check stands in its way here.
        name, _ = await call_error(
            s.rpc, BOT, to, calldata(s.codec, through_v4, FlashSource.V2_PAIR, 10**30)
        )
        assert name == "InsufficientProfit"

        # A V4 hop whose key is not the pool the plan names (another tick spacing): refused
        # before the manager is asked to swap.
        wrong = replace(v4_hop, tick_spacing=(v4_hop.tick_spacing or 0) * 2)
        plan = _plan(s, Route(chain_id=route.chain_id, hops=(route.hops[0], wrong)), case.amount_in)
        assert await call_error(s.rpc, BOT, to, plan) == ("NotGenuineV4Pool", (_field(s, wrong),))

        # A V4 hop or loan of a manager the owner never registered.
        stranger = str(to_checksum_address("0x" + "4e" * 20))
        codec = RouteCodec({**dex_factories(s.chain), v4.name: stranger})
        foreign = wrap_plan(codec.plan(route, case.amount_in, 0, deadline_block=FAR_DEADLINE_BLOCK))
        assert await call_error(s.rpc, BOT, to, foreign) == ("UnknownFactory", (stranger,))
        lender = FlashPool(
            pool=stranger, dex=v4.name, kind=v4.kind, token0=weth, token1=weth, fee_pips=0
        )
        loan = wrap_plan(
            codec.plan(
                case.route,
                case.amount_in,
                0,
                FlashSource.UNISWAP_V4,
                flash_pool=lender,
                deadline_block=FAR_DEADLINE_BLOCK,
            )
        )
        assert await call_error(s.rpc, BOT, to, loan) == ("UnknownFactory", (stranger,))

        # The unlock callback, called by anyone but the manager being unlocked now.
        poke = encode_bytes("unlockCallback(bytes)", data)
        assert await call_error(s.rpc, OUTSIDER, to, poke) == ("UnexpectedCallback", (OUTSIDER,))
        assert await call_error(s.rpc, v4.factory, to, poke) == (
            "UnexpectedCallback",
            (v4.factory,),
        )
        # A tx from the outsider is refused outright, and moves nothing.
        receipt = await send_tx(s.rpc, OUTSIDER, to, poke)
        assert int(receipt["status"], 16) == 0
        assert receipt["logs"] == []


def _plan(s: Any, route: Route, amount_in: int) -> bytes:
    return wrap_plan(s.codec.plan(route, amount_in, 0, deadline_block=FAR_DEADLINE_BLOCK))


def _field(s: Any, hop: Hop) -> str:
    """The hop's pool field as the executor reads it (an address in its error)."""
    return str(to_checksum_address(s.codec.hop_bytes(hop)[:20]))
