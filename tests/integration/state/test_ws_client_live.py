"""The WebSocket JSON-RPC client against anvil: calls, error mapping to our tree, subscriptions,
notifications kept while a call waits, and a stream that waits out a node that is not there."""

from __future__ import annotations

import asyncio
import logging
import time
from urllib.parse import urlparse

import pytest
from _state_helpers import wait_until
from _ws_proxy import FaultProxy

from omniarb.chains.rpc import RpcClient
from omniarb.chains.ws import (
    ReconnectPolicy,
    SubscriptionSpec,
    WsClient,
    WsNotification,
    WsSubscriptions,
)
from omniarb.devnet.anvil import free_port
from omniarb.errors import ConfigError, RpcError, RpcTransportError

pytestmark = pytest.mark.integration


async def test_calls_subscriptions_and_errors(devnet_factory) -> None:
    async with devnet_factory({"ethereum": None}) as net:
        chain = net.manifest.chain("ethereum")
        async with WsClient(chain.rpc_ws) as ws, RpcClient(chain.rpc_http) as rpc:
            assert await ws.call("eth_chainId") == "0x1"
            with pytest.raises(RpcError) as refused:
                await ws.call("eth_noSuchMethod")
            assert refused.value.method == "eth_noSuchMethod"
            await ws.subscribe(SubscriptionSpec(kind="newHeads"), index=3)
            await rpc.call("evm_mine")
            # The head arrives while a call waits for its answer; it is kept, not lost.
            number = await _call_until_a_notification_is_kept(ws)
            assert ws.pending_notifications == 1
            head = await ws.next_notification(timeout_s=5)
            assert ws.pending_notifications == 0
            assert head.index == 3
            assert int(head.result["number"], 16) == number
            with pytest.raises(RpcTransportError, match="nothing received"):
                await ws.next_notification(timeout_s=0.2)


async def _call_until_a_notification_is_kept(ws: WsClient, timeout_s: float = 5.0) -> int:
    """`eth_blockNumber` over `ws` until a notification came in while a call waited; the
    block number that call answered."""
    deadline = time.monotonic() + timeout_s
    while True:
        number = int(await ws.call("eth_blockNumber"), 16)
        if ws.pending_notifications:
            return number
        if time.monotonic() > deadline:
            raise AssertionError(f"no notification arrived during a call in {timeout_s:g} s")
        await asyncio.sleep(0.01)


async def test_connect_errors_are_ours() -> None:
    with pytest.raises(RpcTransportError, match="connect"):
        await WsClient(f"ws://127.0.0.1:{free_port('127.0.0.1')}", timeout_s=2).connect()
    with pytest.raises(ConfigError, match="invalid WebSocket URL"):
        await WsClient("http//nonsense").connect()
    with pytest.raises(RpcTransportError, match="not connected"):
        await WsClient("ws://127.0.0.1:1").call("eth_chainId")


async def test_stream_waits_for_a_node_that_is_not_there_yet(
    devnet_factory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="omniarb.chains.ws")
    async with devnet_factory({"ethereum": None}) as net:
        chain = net.manifest.chain("ethereum")
        port = urlparse(chain.rpc_ws).port
        assert port is not None
        async with FaultProxy(port) as proxy, RpcClient(chain.rpc_http) as rpc:
            proxy.refusing = True
            subscriptions = WsSubscriptions(
                urls=[proxy.ws_url],
                specs=[SubscriptionSpec(kind="newHeads")],
                policy=ReconnectPolicy(initial_s=0.02, max_s=0.1, call_timeout_s=1.0),
            )
            stream = subscriptions.stream()
            first = asyncio.ensure_future(anext(stream))
            # It tried, was refused and backed off, three times over: still no connection.
            await wait_until(
                lambda: subscriptions.failed_attempts >= 3,
                timeout_s=10,
                what="3 refused reconnects",
            )
            assert subscriptions.connections == 0
            assert not first.done()
            # Logged when it went down, not once per refused attempt.
            down_lines = [r for r in caplog.records if "reconnect: down" in r.getMessage()]
            assert len(down_lines) == 1
            proxy.refusing = False
            await wait_until(lambda: subscriptions.connections == 1, what="the first connection")
            await rpc.call("evm_mine")
            item = await asyncio.wait_for(first, 5)
            assert isinstance(item, WsNotification)
            assert item.index == 0
            assert subscriptions.reconnects == subscriptions.drops == 0  # a late start, no gap
            await stream.aclose()
