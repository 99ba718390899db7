"""OmniArbExecutor's bribe to the block's coinbase, on a real devnet chain: realized profit
equals prediction to the wei, bribe included.

On the planted V3 gap (`_flash_cases`) each WETH cycle is traded with every flash source, and on
the planted V2 gap (`_v2_arbitrage`) through the all-V2 path, by `executeAndPayCoinbase(plan,
share)`: the call returns the profit and `bribe_wei(profit, share)`, the executor keeps exactly
profit − bribe (balance and logs, as the tracker reads them), the coinbase receives exactly the
bribe plus the priority fees, and the bribed call costs one fixed amount of gas more than
`execute` of the same plan, within `BRIBE_GAS`. Then what it refuses: a share above 10,000 bps,
a route that does not start in the wrapped native token, a trade short of its minimum (which
reverts and pays nothing), a coinbase that refuses the coin, and a coinbase contract that tries
to re-enter a trade while it is paid.
"""

from __future__ import annotations

from typing import Any

import pytest
from _bribe_checks import (
    COINBASE,
    TX_GAS,
    native_balance,
    priority_fees,
    send_priced,
    set_coinbase,
    simulated,
    trade_and_check,
)
from _executor_calls import BOT, balance_of, call, call_error, encode_bytes, wait_receipt
from _flash_cases import SOURCES, case_for, flash_fee, plan, planted
from _plans import FAR_DEADLINE_BLOCK
from _snapshots import snapshot
from _v2_arbitrage import deployed, plant_gap_and_find
from _without_bribe import runtime_without_bribe

from omniarb.chains.abi import decode, encode_args, selector
from omniarb.chains.rpc import RpcClient
from omniarb.contracts import load_artifact
from omniarb.execute.bribe import BRIBE_GAS, bribe_wei, bribed_calldata
from omniarb.execute.route_codec import FlashSource, wrap_plan

pytestmark = pytest.mark.integration

SHARE_BPS = 2_500


async def _execute_gas(
    rpc: RpcClient, executor: str, plan_bytes: bytes, runtime: str | None = None
) -> int:
    """The gas of `execute(plan)` on the current state (then undone), through the executor's
    code or, with `runtime`, through that code at the same address."""
    async with snapshot(rpc):
        if runtime is not None:
            await rpc.call("anvil_setCode", executor, runtime)
        receipt = await send_priced(rpc, BOT, executor, wrap_plan(plan_bytes))
        assert int(receipt["status"], 16) == 1
        return int(receipt["gasUsed"], 16)


async def _extra_gas(rpc: RpcClient, executor: str, plan_bytes: bytes, bribed_gas: int) -> int:
    """The bribed call's gas over `execute` of the same plan on the same state."""
    return bribed_gas - await _execute_gas(rpc, executor, plan_bytes)


# ---------------------------------------------------------------------------- realized = predicted


@pytest.mark.parametrize("name", ["v2-v3", "v2-v2-v3", "v3-v3"])
async def test_bribed_trade_pays_the_predicted_bribe_with_each_flash_source(
    devnet_factory: Any, name: str
) -> None:
    async with planted(devnet_factory) as s:
        await set_coinbase(s.rpc)
        case = await case_for(s.rpc, s.chain, name)
        weth = s.chain.token("WETH").address
        assert case.route.token_in == weth
        to = s.executor.address
        extra: dict[str, int] = {}
        for source in SOURCES:
            fee = await flash_fee(s.rpc, s.chain, case, source)
            profit = case.amount_out - case.amount_in - fee
            bribe = bribe_wei(profit, SHARE_BPS)
            assert 0 < bribe < profit
            plan_bytes = plan(s.codec, case, source, min_profit=profit)
            data = bribed_calldata(plan_bytes, SHARE_BPS)
            async with snapshot(s.rpc):
                assert await simulated(s.rpc, BOT, to, data) == (profit, bribe), source.name
                receipt = await trade_and_check(
                    s.rpc,
                    sender=BOT,
                    executor=to,
                    token=weth,
                    data=data,
                    kept=profit - bribe,
                    bribe=bribe,
                )
            extra[source.name] = await _extra_gas(
                s.rpc, to, plan_bytes, int(receipt["gasUsed"], 16)
            )
        # One figure for every loan: the bribe is paid in one place, after any of them, and
        # touches no memory; only `execute`'s own return word may cost one memory word (3 gas)
        # more on one path than on another.
        assert max(extra.values()) - min(extra.values()) <= 3, extra
        assert BRIBE_GAS - 1_000 < extra[FlashSource.V2_PAIR.name] <= BRIBE_GAS, extra


@pytest.mark.parametrize("hops", [2, 3])
async def test_bribed_all_v2_flash_swap_pays_the_predicted_bribe(
    devnet_factory: Any, hops: int
) -> None:
    async with devnet_factory({"ethereum": None}) as net:
        chain = net.manifest.chain("ethereum")
        async with RpcClient(chain.rpc_http) as rpc:
            s = await deployed(rpc, chain)
            await set_coinbase(rpc)
            arb = await plant_gap_and_find(rpc, chain, hops)
            weth = arb.route.token_in
            # Every hop V2 and no record: the route's last pair lends (the cheapest path).
            plan_bytes = s.codec.plan(
                arb.route, arb.amount_in, arb.profit, deadline_block=FAR_DEADLINE_BLOCK
            )
            bribe = bribe_wei(arb.profit, SHARE_BPS)
            data = bribed_calldata(plan_bytes, SHARE_BPS)
            to = s.executor.address
            assert await simulated(rpc, BOT, to, data) == (arb.profit, bribe)
            async with snapshot(rpc):
                receipt = await trade_and_check(
                    rpc,
                    sender=BOT,
                    executor=to,
                    token=weth,
                    data=data,
                    kept=arb.profit - bribe,
                    bribe=bribe,
                )
            extra = await _extra_gas(rpc, to, plan_bytes, int(receipt["gasUsed"], 16))
            assert BRIBE_GAS - 1_000 < extra <= BRIBE_GAS


async def test_all_or_none_of_the_profit_as_bribe(devnet_factory: Any) -> None:
    async with planted(devnet_factory) as s:
        await set_coinbase(s.rpc)
        case = await case_for(s.rpc, s.chain, "v2-v3")
        weth, to = case.route.token_in, s.executor.address
        profit = case.amount_out - case.amount_in
        plan_bytes = plan(s.codec, case, FlashSource.BALANCER_VAULT, min_profit=profit)
        for share, bribe in ((10_000, profit), (0, 0)):
            data = bribed_calldata(plan_bytes, share)
            async with snapshot(s.rpc):
                assert await simulated(s.rpc, BOT, to, data) == (profit, bribe)
                await trade_and_check(
                    s.rpc,
                    sender=BOT,
                    executor=to,
                    token=weth,
                    data=data,
                    kept=profit - bribe,
                    bribe=bribe,
                )


# ---------------------------------------------------------------------------- no bribe: as before


async def test_without_a_bribe_every_trade_costs_the_gas_it_did_before(
    devnet_factory: Any,
) -> None:
    before = runtime_without_bribe()
    async with planted(devnet_factory) as s:
        to = s.executor.address
        for name in ("v2-v3", "v3-v3"):
            case = await case_for(s.rpc, s.chain, name)
            for source in SOURCES:
                fee = await flash_fee(s.rpc, s.chain, case, source)
                plan_bytes = plan(
                    s.codec, case, source, min_profit=case.amount_out - case.amount_in - fee
                )
                now = await _execute_gas(s.rpc, to, plan_bytes)
                assert now == await _execute_gas(s.rpc, to, plan_bytes, before), (name, source)
    async with devnet_factory({"ethereum": None}) as net:
        chain = net.manifest.chain("ethereum")
        async with RpcClient(chain.rpc_http) as rpc:
            v2 = await deployed(rpc, chain)
            arb = await plant_gap_and_find(rpc, chain, 2)
            plan_bytes = v2.codec.plan(
                arb.route, arb.amount_in, arb.profit, deadline_block=FAR_DEADLINE_BLOCK
            )
            to = v2.executor.address
            now = await _execute_gas(rpc, to, plan_bytes)
            assert now == await _execute_gas(rpc, to, plan_bytes, before)


# ---------------------------------------------------------------------------- refusals


async def test_a_bribe_is_refused_above_all_the_profit_and_outside_the_native_coin(
    devnet_factory: Any,
) -> None:
    async with planted(devnet_factory) as s:
        to = s.executor.address
        weth_case = await case_for(s.rpc, s.chain, "v2-v3")
        profit = weth_case.amount_out - weth_case.amount_in
        plan_bytes = plan(s.codec, weth_case, FlashSource.BALANCER_VAULT, min_profit=profit)
        too_much = encode_bytes("executeAndPayCoinbase(bytes,uint256)", plan_bytes, 10_001)
        assert await call_error(s.rpc, BOT, to, too_much) == ("BribeTooLarge", (10_001,))

        # From USDC: the trade pays, but its profit is not the native coin's to give.
        usdc_case = await case_for(s.rpc, s.chain, "v3-v2")
        usdc = s.chain.token("USDC").address
        assert usdc_case.route.token_in == usdc
        usdc_profit = usdc_case.amount_out - usdc_case.amount_in
        usdc_plan = plan(s.codec, usdc_case, FlashSource.BALANCER_VAULT, min_profit=usdc_profit)
        assert await call_error(s.rpc, BOT, to, bribed_calldata(usdc_plan, 1)) == (
            "BribeNotInNativeCoin",
            (usdc,),
        )
        assert await simulated(s.rpc, BOT, to, bribed_calldata(usdc_plan, 0)) == (usdc_profit, 0)


async def test_a_trade_short_of_its_minimum_reverts_and_pays_no_bribe(devnet_factory: Any) -> None:
    async with planted(devnet_factory) as s:
        await set_coinbase(s.rpc)
        case = await case_for(s.rpc, s.chain, "v2-v3")
        weth, to = case.route.token_in, s.executor.address
        for source in SOURCES:
            fee = await flash_fee(s.rpc, s.chain, case, source)
            profit = case.amount_out - case.amount_in - fee
            short = bribed_calldata(plan(s.codec, case, source, min_profit=profit + 1), SHARE_BPS)
            assert await call_error(s.rpc, BOT, to, short) == (
                "InsufficientProfit",
                (profit, profit + 1),
            ), source.name
            held = await balance_of(s.rpc, weth, to)
            coinbase_before = await native_balance(s.rpc, COINBASE)
            receipt = await send_priced(s.rpc, BOT, to, short)
            assert int(receipt["status"], 16) == 0, source.name
            assert receipt["logs"] == []
            assert await balance_of(s.rpc, weth, to) == held
            gained = await native_balance(s.rpc, COINBASE) - coinbase_before
            assert gained == await priority_fees(s.rpc, receipt, COINBASE), source.name


async def test_a_coinbase_that_refuses_the_coin_fails_the_trade(devnet_factory: Any) -> None:
    async with planted(devnet_factory) as s:
        # The pool's token: a contract with no way to receive the coin.
        refusing = s.chain.token("USDC").address
        await set_coinbase(s.rpc, refusing, fund=False)
        case = await case_for(s.rpc, s.chain, "v2-v3")
        profit = case.amount_out - case.amount_in
        data = bribed_calldata(
            plan(s.codec, case, FlashSource.BALANCER_VAULT, min_profit=profit), SHARE_BPS
        )
        assert await call_error(s.rpc, BOT, s.executor.address, data) == (
            "BribeNotAccepted",
            (refusing,),
        )


async def test_a_coinbase_contract_cannot_reenter_a_trade_while_it_is_paid(
    devnet_factory: Any,
) -> None:
    async with planted(devnet_factory) as s:
        case = await case_for(s.rpc, s.chain, "v2-v3")
        weth, to = case.route.token_in, s.executor.address
        profit = case.amount_out - case.amount_in
        plan_bytes = plan(s.codec, case, FlashSource.BALANCER_VAULT, min_profit=profit)
        artifact = load_artifact("DevReenteringCoinbase")
        creation = artifact.bytecode_bytes + encode_args(["address"], [to])
        deployment = await wait_receipt(
            s.rpc,
            await s.rpc.call(
                "eth_sendTransaction",
                {"from": BOT, "data": "0x" + creation.hex(), "gas": hex(TX_GAS)},
            ),
        )
        coinbase = deployment["contractAddress"]
        for data in (
            encode_bytes("setPlan(bytes)", plan_bytes),
            # An authorized executor, so only the executor's lock can refuse its `execute`.
            encode_bytes("setExecutor(address,bool)", coinbase, True),
        ):
            target = coinbase if data[:4] == selector("setPlan(bytes)") else to
            receipt = await send_priced(s.rpc, BOT, target, data)
            assert int(receipt["status"], 16) == 1
        await set_coinbase(s.rpc, coinbase)
        bribe = bribe_wei(profit, SHARE_BPS)
        await trade_and_check(
            s.rpc,
            sender=BOT,
            executor=to,
            token=weth,
            data=bribed_calldata(plan_bytes, SHARE_BPS),
            kept=profit - bribe,
            bribe=bribe,
            coinbase=coinbase,
        )

        async def view(signature: str, out: str) -> Any:
            return decode([out], await call(s.rpc, coinbase, encode_bytes(signature)))[0]

        assert await view("received()", "uint256") == bribe
        assert await view("executeRefusal()", "bytes4") == selector("FlashInProgress()")
        assert await view("callbackRefusal()", "bytes4") == selector("UnexpectedCallback(address)")
