"""OmniArbExecutor on a real devnet chain, trading a planted arbitrage through the real Uniswap
V2 pairs with a flash swap.

A trader's large router swap opens a gap; the executor, called by the bot, trades the best
2-hop and 3-hop cycles, and the profit it keeps equals `get_amount_out` chained over the
reserves of the block before, to the wei (read both from the contract's balance and from the
receipt's Transfer logs); the owner then withdraws it, tokens and native coin. Who may call,
what the plan may say and the other flash sources are tested beside this file.
"""

from __future__ import annotations

from typing import Any

import pytest
from _executor_calls import (
    BOT,
    CHAIN,
    OUTSIDER,
    TRADER,
    balance_of,
    call_error,
    encode_bytes,
    transfers_of,
    wait_receipt,
)
from _plans import FAR_DEADLINE_BLOCK
from _v2_arbitrage import SPARE, deployed, plant_gap_and_find, send_tx

from omniarb.chains.abi import decode
from omniarb.chains.rpc import RpcClient
from omniarb.execute.executor_calldata import ExecutorRevertError

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("hops", [2, 3])
async def test_planted_arbitrage_profit_equals_prediction_to_the_wei(
    devnet_factory: Any, hops: int
) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            s = await deployed(rpc, chain)
            arb = await plant_gap_and_find(rpc, chain, hops)
            weth = arb.route.token_in
            assert len(arb.route.hops) == hops
            calldata = s.codec.calldata(
                arb.route, arb.amount_in, min_profit=arb.profit, deadline_block=FAR_DEADLINE_BLOCK
            )
            # The pre-check a bot makes: eth_call returns the profit the trade would keep.
            simulated = await rpc.call(
                "eth_call",
                {"from": BOT, "to": s.executor.address, "data": "0x" + calldata.hex()},
                arb.block,
            )
            assert decode(["uint256"], simulated)[0] == arb.profit

            before = await balance_of(rpc, weth, s.executor.address)
            receipt = await send_tx(rpc, BOT, s.executor.address, calldata)
            assert int(receipt["status"], 16) == 1
            assert int(receipt["blockNumber"], 16) == int(arb.block, 16) + 1
            after = await balance_of(rpc, weth, s.executor.address)

            assert after - before == arb.profit
            assert transfers_of(receipt, weth, s.executor.address) == arb.profit
            # Pair to pair: no other token of the route passed through the executor.
            for h in arb.route.hops[1:]:
                assert not any(
                    log["address"].lower() == h.token_in.lower()
                    and s.executor.address.lower()[2:] in "".join(log["topics"][1:3])
                    for log in receipt["logs"]
                )


async def test_profit_kept_by_the_executor_is_withdrawn_by_the_owner(devnet_factory: Any) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            s = await deployed(rpc, chain)
            arb = await plant_gap_and_find(rpc, chain, 2)
            weth = arb.route.token_in
            receipt = await send_tx(
                rpc,
                BOT,
                s.executor.address,
                s.codec.calldata(arb.route, arb.amount_in, 0, deadline_block=FAR_DEADLINE_BLOCK),
            )
            assert int(receipt["status"], 16) == 1
            held = await balance_of(rpc, weth, s.executor.address)
            assert held == arb.profit

            name, args = await call_error(
                rpc,
                OUTSIDER,
                s.executor.address,
                encode_bytes("withdraw(address,uint256,address)", weth, held, OUTSIDER),
            )
            assert (name, args) == ("NotOwner", (OUTSIDER,))

            spare_before = await balance_of(rpc, weth, SPARE)
            await s.executor.withdraw(BOT, weth, held - 1, SPARE)
            assert await balance_of(rpc, weth, SPARE) - spare_before == held - 1
            assert await balance_of(rpc, weth, s.executor.address) == 1

            # Native coin: refused from anyone but a PoolManager it unlocked and the wrapped
            # native token (a trade's own), yet what it holds (here set by the node) goes out
            # through `withdrawNative`.
            tx = {"from": TRADER, "to": s.executor.address, "value": hex(10**18), "gas": "0x15f90"}
            refused = await wait_receipt(rpc, await rpc.call("eth_sendTransaction", tx))
            assert int(refused["status"], 16) == 0
            assert int(await rpc.call("eth_getBalance", s.executor.address, "latest"), 16) == 0
            await rpc.call("anvil_setBalance", s.executor.address, hex(10**18))
            native_before = int(await rpc.call("eth_getBalance", SPARE, "latest"), 16)
            await s.executor.withdraw_native(BOT, 10**18, SPARE)
            native_after = int(await rpc.call("eth_getBalance", SPARE, "latest"), 16)
            assert native_after - native_before == 10**18
            with pytest.raises(ExecutorRevertError, match="NotOwner"):
                await s.executor.withdraw_native(OUTSIDER, 1, OUTSIDER)
