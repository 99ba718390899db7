"""A swap the node loses from its pool is broadcast again and mined, without stalling the chain.

anvil 1.7.1 drops a pending transaction's later-nonce siblings with it (`anvil_dropTransaction`);
the devnet relay takes its chain's pool out that way before it builds each block, so a trader's
second swap arriving while the relay takes the first one vanished: neither pooled nor mined. The
market then waited out its 30 s receipt timeout, and the demo's Ethereum saw no more swaps, no
gaps and no trades. Here a proxy in front of a relay-built chain makes the node lose swaps right
after accepting them, and the market must see every one of them mined, well inside that timeout.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import replace

import pytest
from _rpc_proxy import RpcProxy, method_of
from aiohttp import web

from omniarb.chains.rpc import RpcClient
from omniarb.devnet.market import MarketActivity, MarketParams
from omniarb.network import Manifest

pytestmark = pytest.mark.integration

_STEPS = 4
_LOST = 2
# The market's step gives up on a receipt after 30 s: a stalled step would take that long.
_WITHIN_S = 15.0


class LosingProxy(RpcProxy):
    """Forwards every request; after the next `lose(n)` accepted swaps, has the node drop each
    one from its pool (`anvil_dropTransaction`), as anvil drops a sibling during the relay's
    drain. The client hears that its swap was accepted."""

    def __init__(self, upstream: str, node: RpcClient) -> None:
        super().__init__(upstream)
        self._node = node
        self.to_lose = 0
        self.lost: list[str] = []

    def lose(self, swaps: int) -> None:
        self.to_lose = swaps

    async def respond(self, body: bytes) -> web.Response:
        payload = await self.forward(body)
        if self.to_lose > 0 and method_of(body) == "eth_sendRawTransaction":
            tx_hash = json.loads(payload).get("result")
            if tx_hash and await self._node.call("anvil_dropTransaction", tx_hash):
                self.to_lose -= 1
                self.lost.append(tx_hash)
        return web.Response(body=payload, content_type="application/json")


async def test_a_swap_the_node_lost_is_sent_again_and_mined(
    devnet_factory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="omniarb.devnet.market")
    async with devnet_factory({"ethereum": None}, relays=["ethereum"]) as net:
        node_url = net.manifest.chain("ethereum").rpc_http
        async with RpcClient(node_url) as node, LosingProxy(node_url, node) as proxy:
            chain = replace(net.manifest.chain("ethereum"), rpc_http=proxy.url)
            params = MarketParams(seed=9, swaps_per_block=2, whale_probability=0.0)
            market = MarketActivity(Manifest(chains=(chain,)), params)
            relay = net.relays["ethereum"]
            proxy.lose(_LOST)
            started = time.monotonic()
            async with asyncio.timeout(_WITHIN_S), asyncio.TaskGroup() as tasks:
                run = tasks.create_task(market.run(steps=_STEPS))
                # The relay builds a block whenever asked: here, every 50 ms until the run ends.
                while not run.done():
                    await relay.build_block()
                    await asyncio.sleep(0.05)
            elapsed_s = time.monotonic() - started
            receipts = await node.batch([("eth_getTransactionReceipt", [h]) for h in proxy.lost])

    stats = market.snapshot().chain("ethereum")
    assert len(proxy.lost) == _LOST
    assert all(r is not None and int(r["status"], 16) == 1 for r in receipts), receipts
    assert stats.step == _STEPS
    assert stats.swaps_failed == 0
    assert stats.swaps_mined == stats.swaps_sent == len(market.swap_log("ethereum"))
    resent = [r.getMessage() for r in caplog.records if "sent again" in r.getMessage()]
    assert {h for h in proxy.lost if any(h in m for m in resent)} == set(proxy.lost), resent
    assert elapsed_s < _WITHIN_S
