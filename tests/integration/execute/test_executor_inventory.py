"""OmniArbExecutor's inventory source (plan source 5), on a real devnet chain: a trade paid for
with the executor's own balance of the start token keeps exactly what the pools pay, and a short
trade (or too little inventory) reverts with the inventory untouched.

On the planted V3 gap (`_flash_cases`), from one state (evm_snapshot / evm_revert), each cycle
is executed from inventory: the executor first holds the cycle's input (WETH wrapped by a dev
account, or USDC sent from the Balancer Vault's holdings), and its balance of the start token
then grows by exactly amount out − amount in, the prediction from the pools' own quotes; the
receipt's Transfer logs say the same. No loan means no fee, and less gas than any loan from
outside the route.
"""

from __future__ import annotations

from typing import Any

import pytest
from _executor_calls import BOT, balance_of, call, call_error, transfers_of
from _flash_cases import SOURCES, calldata, case_for, flash_fee, planted, send_tx
from _lender_helpers import fill_wrapped_native, mined
from _snapshots import snapshot

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.errors import ExecutionRevertedError
from omniarb.execute.route_codec import FlashSource
from omniarb.network import ChainManifest

pytestmark = pytest.mark.integration

INVENTORY = FlashSource.INVENTORY
CASES = ["v2-v3", "v2-v2-v3", "v3-v2", "v3-v3"]


async def fund(rpc: RpcClient, chain: ChainManifest, token: str, to: str, amount: int) -> None:
    """Give `to` `amount` of `token`: wrapped native coin from a dev account, any other token
    from the Balancer Vault's holdings (impersonated; no route here swaps through the Vault)."""
    if chain.token_by_address(token).wrapped_native:
        await fill_wrapped_native(rpc, chain, to, amount)
        return
    vault = chain.lender("balancer-v2").address
    await rpc.call("anvil_impersonateAccount", vault)
    await rpc.call("anvil_setBalance", vault, hex(10**18))
    try:
        tx_hash = await rpc.call(
            "eth_sendTransaction",
            {
                "from": vault,
                "to": token,
                "data": encode_call("transfer(address,uint256)", to, amount),
                "gas": hex(200_000),
            },
        )
        assert int((await mined(rpc, tx_hash))["status"], 16) == 1
    finally:
        await rpc.call("anvil_stopImpersonatingAccount", vault)


@pytest.mark.parametrize("name", CASES)
async def test_an_inventory_trade_keeps_exactly_the_prediction(
    devnet_factory: Any, name: str
) -> None:
    async with planted(devnet_factory) as s:
        case = await case_for(s.rpc, s.chain, name)
        start = case.route.token_in
        to = s.executor.address
        predicted = case.amount_out - case.amount_in
        assert predicted > 0
        # More than the trade needs: only amountIn of it is put in, and all of it comes back.
        await fund(s.rpc, s.chain, start, to, case.amount_in + case.amount_in // 3)
        data = calldata(s.codec, case, INVENTORY, min_profit=predicted)
        loan_gas = {}
        for source in SOURCES:
            fee = await flash_fee(s.rpc, s.chain, case, source)
            kept = case.amount_out - case.amount_in - fee
            loan = calldata(s.codec, case, source, min_profit=kept)
            async with snapshot(s.rpc):
                receipt = await send_tx(s.rpc, BOT, to, loan)
                assert int(receipt["status"], 16) == 1, source.name
                loan_gas[source] = int(receipt["gasUsed"], 16)
        async with snapshot(s.rpc):
            simulated = decode(["uint256"], await call(s.rpc, to, data))[0]
            assert simulated == predicted
            held_before = await balance_of(s.rpc, start, to)
            receipt = await send_tx(s.rpc, BOT, to, data)
            assert int(receipt["status"], 16) == 1
            assert transfers_of(receipt, start, to) == predicted
            assert await balance_of(s.rpc, start, to) - held_before == predicted
            gas_used = int(receipt["gasUsed"], 16)
        # No loan: cheaper in gas than every lender outside the route.
        outside = [s for s in SOURCES if not (s is FlashSource.V2_PAIR and case.v2_lender is None)]
        assert all(gas_used < loan_gas[source] for source in outside), (gas_used, loan_gas)


async def test_a_short_inventory_trade_reverts_and_keeps_the_inventory(
    devnet_factory: Any,
) -> None:
    async with planted(devnet_factory) as s:
        case = await case_for(s.rpc, s.chain, "v2-v3")
        start = case.route.token_in
        to = s.executor.address
        predicted = case.amount_out - case.amount_in
        await fund(s.rpc, s.chain, start, to, case.amount_in)
        short = calldata(s.codec, case, INVENTORY, min_profit=predicted + 1)
        assert await call_error(s.rpc, BOT, to, short) == (
            "InsufficientProfit",
            (predicted, predicted + 1),
        )
        watched = [to, *(h.pool for h in case.route.hops)]
        tokens = [s.chain.token(symbol).address for symbol in ("WETH", "USDC")]
        before = [await balance_of(s.rpc, t, a) for t in tokens for a in watched]
        receipt = await send_tx(s.rpc, BOT, to, short)
        assert int(receipt["status"], 16) == 0
        assert receipt["logs"] == []
        assert [await balance_of(s.rpc, t, a) for t in tokens for a in watched] == before
        assert await balance_of(s.rpc, start, to) == case.amount_in


async def test_too_little_inventory_reverts_and_moves_nothing(devnet_factory: Any) -> None:
    async with planted(devnet_factory) as s:
        case = await case_for(s.rpc, s.chain, "v2-v3")
        start = case.route.token_in
        to = s.executor.address
        await fund(s.rpc, s.chain, start, to, case.amount_in - 1)
        data = calldata(s.codec, case, INVENTORY, min_profit=1)
        with pytest.raises(ExecutionRevertedError):
            await call(s.rpc, to, data)
        receipt = await send_tx(s.rpc, BOT, to, data)
        assert int(receipt["status"], 16) == 0
        assert receipt["logs"] == []
        assert await balance_of(s.rpc, start, to) == case.amount_in - 1
