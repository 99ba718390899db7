"""OmniArbExecutor's four flash sources and its V3 hops, on a real devnet chain: what a trade
keeps, and what a loan that cannot be repaid costs.

On the planted V3 gap (`_flash_cases`), from one state (evm_snapshot / evm_revert), each cycle
is executed once with each flash source — a V2 flash swap (from the route's first pair, or from
a V2 pair outside it), the Balancer V2 Vault, Aave V3 and a V3 pool's `flash` — and the profit
the executor keeps (its balance and the receipt's Transfer logs) equals, to the wei, the
prediction made from the pools' own quotes at that state minus the lender's fee, which the
lender's own balance shows it received. An unmet `minProfit` reverts: no token moves, only gas
is spent.
"""

from __future__ import annotations

from typing import Any

import pytest
from _executor_calls import BOT, balance_of, call, call_error, transfers_of
from _flash_cases import (
    SOURCES,
    TX_GAS,
    Case,
    calldata,
    case_for,
    flash_fee,
    lender_holder,
    planted,
    send_tx,
)
from _snapshots import snapshot

from omniarb.chains.abi import decode, encode_call
from omniarb.execute.route_codec import FlashSource

pytestmark = pytest.mark.integration


# ---------------------------------------------------------------------------- realized = predicted


@pytest.mark.parametrize("name", ["v2-v3", "v2-v2-v3", "v3-v2", "v3-v3"])
async def test_planted_gap_with_each_flash_source_pays_the_prediction(
    devnet_factory: Any, name: str
) -> None:
    async with planted(devnet_factory) as s:
        case = await case_for(s.rpc, s.chain, name)
        start = case.route.token_in
        to = s.executor.address
        gas_used = {}
        for source in SOURCES:
            fee = await flash_fee(s.rpc, s.chain, case, source)
            predicted = case.amount_out - case.amount_in - fee
            assert predicted > 0
            data = calldata(s.codec, case, source, min_profit=predicted)
            holder = lender_holder(s.chain, case, source)
            async with snapshot(s.rpc):
                # The bot's pre-check: eth_call returns the profit the trade would keep.
                simulated = decode(["uint256"], await call(s.rpc, to, data))[0]
                assert simulated == predicted, source.name
                held_before = await balance_of(s.rpc, start, to)
                lender_before = await balance_of(s.rpc, start, holder)
                receipt = await send_tx(s.rpc, BOT, to, data)
                assert int(receipt["status"], 16) == 1, source.name
                assert transfers_of(receipt, start, to) == predicted, source.name
                assert await balance_of(s.rpc, start, to) - held_before == predicted, source.name
                if source is FlashSource.V2_PAIR and case.v2_lender is None:
                    # The route's first pair lent and was repaid amountIn of the start token.
                    assert transfers_of(receipt, start, holder) == case.amount_in
                else:
                    assert await balance_of(s.rpc, start, holder) - lender_before == fee
                if source is FlashSource.AAVE_V3:
                    allowance = await call(
                        s.rpc,
                        start,
                        encode_call(
                            "allowance(address,address)", to, s.chain.lender("aave-v3").address
                        ),
                    )
                    assert decode(["uint256"], allowance)[0] == 0  # the approval was used up
                gas_used[source.name] = int(receipt["gasUsed"], 16)
        assert set(gas_used) == {s.name for s in SOURCES}


# ---------------------------------------------------------------------------- a loan not repaid


async def test_a_loan_that_cannot_be_repaid_reverts_and_costs_only_gas(devnet_factory: Any) -> None:
    async with planted(devnet_factory) as s:
        case = await case_for(s.rpc, s.chain, "v2-v3")
        to = s.executor.address
        tokens = [s.chain.token(symbol).address for symbol in ("WETH", "USDC")]
        watched = [to, *(h.pool for h in case.route.hops)]
        for source in SOURCES:
            fee = await flash_fee(s.rpc, s.chain, case, source)
            predicted = case.amount_out - case.amount_in - fee
            short = calldata(s.codec, case, source, min_profit=predicted + 1)
            assert await call_error(s.rpc, BOT, to, short) == (
                "InsufficientProfit",
                (predicted, predicted + 1),
            ), source.name
            balances = [await balance_of(s.rpc, t, a) for t in tokens for a in watched]
            native = int(await s.rpc.call("eth_getBalance", BOT, "latest"), 16)
            receipt = await send_tx(s.rpc, BOT, to, short)
            assert int(receipt["status"], 16) == 0, source.name
            assert receipt["logs"] == []
            assert [await balance_of(s.rpc, t, a) for t in tokens for a in watched] == balances
            spent = native - int(await s.rpc.call("eth_getBalance", BOT, "latest"), 16)
            gas_used = int(receipt["gasUsed"], 16)
            assert 21_000 < gas_used < TX_GAS
            assert spent == gas_used * int(receipt["effectiveGasPrice"], 16)

        # Past break-even the cycle loses: its profit is reported as zero. Past what the lender
        # holds, the lender itself refuses (Balancer's BAL#528, "insufficient flash loan balance").
        for factor, expected in (
            (20, ("InsufficientProfit", (0, 0))),
            (200, ("Error", ("BAL#528",))),
        ):
            sized = Case(
                route=case.route,
                v2_lender=None,
                v3_lender=case.v3_lender,
                amount_in=case.amount_in * factor,
                amount_out=0,
                v4_lender=case.v4_lender,
            )
            data = calldata(s.codec, sized, FlashSource.BALANCER_VAULT, min_profit=0)
            assert await call_error(s.rpc, BOT, to, data) == expected
