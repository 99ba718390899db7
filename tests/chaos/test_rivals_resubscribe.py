"""Rivals whose head subscription drops: they subscribe again and go on racing. The rivals
watch a devnet chain through the fault-injecting WebSocket proxy; the proxy cuts every
connection; once the rivals are back, a whale's swap opens a gap and the fast rival takes it
(automine: its trade is mined at once)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from _bot_helpers import swap_v2_tx
from _waits import eventually
from _ws_rpc_proxy import WsRpcProxy

from omniarb.chains.rpc import RpcClient
from omniarb.devnet.rivals import RivalPolicy, RivalRecord, Rivals, RivalsParams
from omniarb.network import Manifest

pytestmark = pytest.mark.integration

CHAIN = "ethereum"
WETH = 10**18
FAST = RivalPolicy(name="fast", latency_ms=0, tip_wei=40 * 10**9)


async def test_rivals_resubscribe_after_a_drop_and_race_on(devnet_factory) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with WsRpcProxy(chain.rpc_ws) as proxy, RpcClient(chain.rpc_http) as rpc:
            behind_proxy = Manifest(chains=(replace(chain, rpc_ws=proxy.url),))
            params = RivalsParams(policies=(FAST,))
            async with Rivals(behind_proxy, params) as rivals:
                race = asyncio.create_task(rivals.run())
                try:

                    async def subscribed(count: int) -> bool:
                        return proxy.accepted >= count and rivals.heads()[CHAIN] is not None

                    await eventually(lambda: subscribed(1), what="the rivals' subscription")
                    proxy.drop()
                    await eventually(
                        lambda: subscribed(2), what="the rivals subscribed again", timeout_s=15
                    )
                    swap = swap_v2_tx(
                        chain, dex="sushiswap", path=["WETH", "USDC"], amount_in=600 * WETH
                    )
                    await rpc.call("eth_sendTransaction", swap)

                    async def won() -> RivalRecord | None:
                        done = [r for r in rivals.records(CHAIN) if r.result is not None]
                        return done[0] if done else None

                    record = await eventually(won, what="the rival's settled send", timeout_s=20)
                finally:
                    race.cancel()
                    await asyncio.gather(race, return_exceptions=True)
            assert proxy.cuts >= 1
            assert record.result == "won", record
