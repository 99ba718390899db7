"""WebSocket subscriptions over two endpoints, each a fault-injecting WebSocket proxy
(`tests/_ws_rpc_proxy.WsRpcProxy`) in front of one real anvil node: the preferred endpoint is
cut and refuses, freezes at its head (stale) or delivers late (its heads fall behind); the
stream fails over to the other one with a gap notice, reports the first one down in the
endpoint health, and goes back to it once it recovers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass, field, replace

import pytest
from _waits import eventually
from _ws_rpc_proxy import WsRpcProxy

from omniarb.backoff import Backoff
from omniarb.chains.rpc import EndpointHealth, FailoverPolicy, RpcClient
from omniarb.chains.ws import (
    ReconnectPolicy,
    SubscriptionSpec,
    WsNotification,
    WsReconnected,
    WsSubscriptions,
)

pytestmark = pytest.mark.integration

POLICY = ReconnectPolicy(
    initial_s=0.02,
    max_s=0.2,
    call_timeout_s=2.0,
    failover=FailoverPolicy(
        max_lag_blocks=3,
        head_check_interval_s=0.2,
        probe_timeout_s=1.0,
        cooldown=Backoff(initial_s=0.1, max_s=0.4),
    ),
)


async def until(predicate: Callable[[], object], *, what: str, timeout_s: float = 10.0) -> None:
    async def check() -> object:
        return predicate()

    await eventually(check, what=what, timeout_s=timeout_s)


@dataclass(slots=True)
class Reader:
    """A stream read in the background: its heads (block numbers, in order) and gap notices."""

    subscriptions: WsSubscriptions
    heads: list[int] = field(default_factory=list)
    gaps: list[WsReconnected] = field(default_factory=list)
    health: dict[str, EndpointHealth] = field(default_factory=dict)


@asynccontextmanager
async def reading(urls: list[str], *, hold_s: float | None = None) -> AsyncIterator[Reader]:
    """`urls` subscribed to `newHeads` and read in the background; `hold_s`: the cooldown an
    endpoint starts with (POLICY's otherwise)."""
    health: dict[str, EndpointHealth] = {}
    policy = POLICY
    if hold_s is not None:
        failover = replace(POLICY.failover, cooldown=Backoff(initial_s=hold_s, max_s=hold_s))
        policy = replace(POLICY, failover=failover)
    subscriptions = WsSubscriptions(
        urls=urls,
        specs=[SubscriptionSpec(kind="newHeads")],
        policy=policy,
        observer=lambda h: health.__setitem__(h.endpoint, h),
    )
    reader = Reader(subscriptions=subscriptions, health=health)

    async def read() -> None:
        async with aclosing(subscriptions.stream()) as stream:
            async for item in stream:
                if isinstance(item, WsReconnected):
                    reader.gaps.append(item)
                elif isinstance(item, WsNotification):
                    reader.heads.append(int(item.result["number"], 16))

    async with asyncio.TaskGroup() as tasks:
        task = tasks.create_task(read())
        await until(lambda: subscriptions.connections >= 1, what="the first subscription")
        yield reader
        task.cancel()


async def mine_until_seen(rpc: RpcClient, reader: Reader, blocks: int) -> int:
    """Mine `blocks` blocks, each once the stream delivered the one before; the last number."""
    number = 0
    for _ in range(blocks):
        await rpc.call("evm_mine")
        number = int(await rpc.call("eth_blockNumber"), 16)
        await until(lambda n=number: n in reader.heads, what=f"head {number} on the stream")
    return number


async def test_the_stream_fails_over_when_the_first_endpoint_dies_and_comes_back(
    anvil_nodes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="omniarb.chains")
    async with (
        anvil_nodes(1) as (node,),
        RpcClient(node.rpc_http) as rpc,
        WsRpcProxy(node.rpc_ws) as first,
        WsRpcProxy(node.rpc_ws) as second,
        reading([first.url, second.url]) as reader,
    ):
        subs = reader.subscriptions
        await mine_until_seen(rpc, reader, 2)
        assert subs.active_index == 0
        assert second.notifications == 0  # nothing went through the standby

        first.refusing = True
        first.drop()
        await until(lambda: len(reader.gaps) == 1, what="the gap notice")
        gap = reader.gaps[0]
        assert gap.failover
        assert gap.endpoint == second.url
        assert subs.active_index == 1
        assert subs.drops == 1
        mined = await mine_until_seen(rpc, reader, 3)
        assert second.notifications >= 3
        down = reader.health[first.url]
        assert down.failures >= 1
        assert down.last_error is not None
        assert down.score < 1.0
        await until(
            lambda: reader.health[second.url].head_block == mined,
            what="the head check to report the second endpoint's head",
        )
        assert any("failed over from " + first.url in r.getMessage() for r in caplog.records)

        # It probes the first endpoint while refused, and goes back once it answers.
        await until(lambda: first.refused >= 2, what="probes of the refusing endpoint")
        assert subs.active_index == 1
        first.refusing = False
        await until(lambda: len(reader.gaps) == 2, what="the switch back to the first")
        assert subs.active_index == 0
        assert reader.gaps[1].failover
        assert reader.gaps[1].endpoint == first.url
        assert subs.failovers == 2
        again = await mine_until_seen(rpc, reader, 2)
        await until(
            lambda: reader.health[first.url].head_block == again,
            what="the head check to report the first endpoint's head",
        )
        assert reader.health[first.url].failures_in_a_row == 0


async def test_the_stream_leaves_an_endpoint_stuck_at_an_old_head(anvil_nodes) -> None:
    async with (
        anvil_nodes(1) as (node,),
        RpcClient(node.rpc_http) as rpc,
        WsRpcProxy(node.rpc_ws) as first,
        WsRpcProxy(node.rpc_ws) as second,
        reading([first.url, second.url]) as reader,
    ):
        subs = reader.subscriptions
        await mine_until_seen(rpc, reader, 1)
        frozen_at = await first.freeze()
        # Within the lag allowed (3 blocks) the stream stays where it is and hears nothing.
        for _ in range(3):
            await rpc.call("evm_mine")
        await until(lambda: first.withheld >= 3, what="3 heads withheld")
        probes = second.accepted
        await until(lambda: second.accepted >= probes + 3, what="3 more head checks")
        assert subs.active_index == 0
        assert reader.gaps == []
        # One more block: the first endpoint is 4 behind, set aside for the second.
        await rpc.call("evm_mine")
        await until(lambda: len(reader.gaps) == 1, what="the failover of a stale endpoint")
        assert subs.active_index == 1
        (gap,) = reader.gaps
        assert gap.failover
        assert "stale" in gap.error
        stale = reader.health[first.url]
        assert stale.head_block == frozen_at
        assert stale.stale
        assert stale.lag_blocks == 4
        await mine_until_seen(rpc, reader, 2)
        assert subs.drops == 0  # nothing dropped: the stream chose to leave

        first.thaw()
        await until(lambda: len(reader.gaps) == 2, what="the switch back once it caught up")
        assert subs.active_index == 0
        await mine_until_seen(rpc, reader, 1)
        assert not reader.health[first.url].stale


async def test_a_slow_endpoint_whose_heads_fall_behind_is_left(anvil_nodes) -> None:
    async with (
        anvil_nodes(1) as (node,),
        RpcClient(node.rpc_http) as rpc,
        WsRpcProxy(node.rpc_ws) as first,
        WsRpcProxy(node.rpc_ws) as second,
        # Held off for 30 s once left (by default 0.25 s, doubling each time it is left).
        reading([first.url, second.url], hold_s=30.0) as reader,
    ):
        subs = reader.subscriptions
        await mine_until_seen(rpc, reader, 1)
        first.delay_s = 0.5  # each notification half a second late: a congested link
        for _ in range(8):
            await rpc.call("evm_mine")
        await until(lambda: len(reader.gaps) == 1, what="the failover of a lagging endpoint")
        assert subs.active_index == 1
        (gap,) = reader.gaps
        assert gap.failover
        assert "stale" in gap.error
        assert subs.drops == 0
        # The blocks it had not delivered are the gap the consumer back-fills; new ones come
        # through the spare, and the stream stays there while the first is held off.
        await mine_until_seen(rpc, reader, 3)
        assert second.notifications >= 3
        assert subs.active_index == 1
        left = reader.health[first.url]
        assert left.cooling_down
        assert left.last_error is not None
        assert "stale" in left.last_error
