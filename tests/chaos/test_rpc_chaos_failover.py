"""Several endpoints of one chain: a killed node, a frozen one, one left blocks behind, one that
fails and comes back. The caller keeps getting answers from a healthy endpoint, and sees an
error only when none is left, in the class the failure deserves.

Two bare anvil nodes of one chain id stand for two providers; they are told apart by their
heads (blocks mined on one only), which also makes one of them stale when it falls behind."""

from __future__ import annotations

import time

import pytest
from _rpc_proxy import Fault, FaultyRpcProxy
from _waits import eventually

from omniarb.backoff import Backoff
from omniarb.chains.rpc import FailoverPolicy, RetryPolicy, RpcClient, RpcPolicy
from omniarb.devnet.anvil import AnvilNode
from omniarb.errors import (
    ExecutionRevertedError,
    RpcConnectError,
    RpcHttpError,
    endpoint_label,
)
from omniarb.monitor.metrics import Metrics
from omniarb.monitor.rpc_metrics import ChainRpcMetrics

pytestmark = pytest.mark.integration

REVERTS = "0x60006000fd"  # creation code: revert(0, 0)


def policy(**failover: float) -> RpcPolicy:
    return RpcPolicy(
        retry=RetryPolicy(max_attempts=3, backoff=Backoff(initial_s=0.01, max_s=0.05, jitter=0)),
        failover=FailoverPolicy(**failover),  # type: ignore[arg-type]
    )


async def mine(node: AnvilNode, blocks: int) -> int:
    """Mine `blocks` on `node` alone; its new head."""
    async with RpcClient(node.rpc_http) as rpc:
        await rpc.call("anvil_mine", hex(blocks))
        return int(await rpc.call("eth_blockNumber"), 16)


async def head(rpc: RpcClient) -> int:
    return int(await rpc.call("eth_blockNumber"), 16)


async def test_a_killed_endpoint_fails_over_to_the_healthy_one(anvil_nodes) -> None:
    async with anvil_nodes(2) as (a, b):
        b_head = await mine(b, 2)
        async with RpcClient([a.rpc_http, b.rpc_http], policy=policy()) as rpc:
            assert await head(rpc) == 0  # the first endpoint, while it is healthy
            a.process.kill()
            await a.process.wait()
            started = time.monotonic()
            assert await head(rpc) == b_head
            failover_s = time.monotonic() - started
            a_health, b_health = rpc.health()
            assert a_health.cooling_down
            assert a_health.failures_in_a_row == 1
            assert a_health.last_error is not None
            assert "RpcConnectError" in a_health.last_error
            # While the dead node cools down, requests go straight to the healthy one.
            for _ in range(5):
                assert await head(rpc) == b_head
            a_after, b_after = rpc.health()
            assert a_after.failures == a_health.failures
            assert b_after.calls >= b_health.calls + 5
            assert b_after.score == 1.0
            assert a_after.score < 1.0
    assert rpc.failover.failovers >= 1
    assert rpc.retry.retries == 0  # failover answered within the first attempt
    assert failover_s < 1.0


async def test_a_stale_endpoint_is_set_aside_until_it_catches_up(anvil_nodes) -> None:
    async with anvil_nodes(2) as (a, b):
        b_head = await mine(b, 10)
        checks = policy(max_lag_blocks=3, head_check_interval_s=0.05)
        async with RpcClient([a.rpc_http, b.rpc_http], policy=checks) as rpc:
            # The preferred endpoint is 10 blocks behind: the first request's head check
            # sets it aside.
            assert await head(rpc) == b_head
            a_health, b_health = rpc.health()
            assert a_health.stale
            assert a_health.lag_blocks == 10
            assert not b_health.stale
            assert b_health.lag_blocks == 0
            block = await rpc.call("eth_getBlockByNumber", "latest", False)
            assert int(block["number"], 16) == b_head
            # Now the other one falls behind: a later check moves the requests back.
            a_head = await mine(a, 20)

            async def answered_by_a() -> bool:
                return await head(rpc) == a_head

            await eventually(answered_by_a, what="requests back on the caught-up endpoint")
            a_health, b_health = rpc.health()
            assert not a_health.stale
            assert b_health.stale
            assert b_health.lag_blocks == a_head - b_head


async def test_a_frozen_endpoint_times_out_once_then_is_left_alone(anvil_nodes) -> None:
    async with anvil_nodes(2) as (a, b), FaultyRpcProxy(a.rpc_http) as frozen:
        b_head = await mine(b, 1)
        frozen.inject(Fault(kind="hang"))
        fast = policy(probe_timeout_s=0.2)
        async with RpcClient([frozen.url, b.rpc_http], timeout_s=0.5, policy=fast) as rpc:
            started = time.monotonic()
            assert await head(rpc) == b_head
            first_s = time.monotonic() - started
            started = time.monotonic()
            for _ in range(5):
                assert await head(rpc) == b_head
            next_s = time.monotonic() - started
            a_health, _ = rpc.health()
    assert a_health.cooling_down
    assert a_health.last_error is not None
    assert "RpcTimeoutError" in a_health.last_error
    assert frozen.received["eth_blockNumber"] == 1  # the probe; nothing more while it cools
    assert first_s < 0.2 + 0.4
    assert next_s < 0.2


async def test_a_failing_request_moves_on_and_a_revert_does_not(anvil_nodes) -> None:
    async with (
        anvil_nodes(2) as (a, b),
        FaultyRpcProxy(a.rpc_http) as pa,
        FaultyRpcProxy(b.rpc_http) as pb,
    ):
        async with RpcClient([pa.url, pb.url], policy=policy()) as rpc:
            with pytest.raises(ExecutionRevertedError):
                await rpc.call("eth_call", {"data": REVERTS}, "latest")
            # A revert is the chain's answer: asking the other endpoint would only repeat it.
            assert (pa.received["eth_call"], pb.received["eth_call"]) == (1, 0)
            pa.inject(Fault(kind="status", status=502, methods=frozenset({"eth_chainId"})))
            assert int(await rpc.call("eth_chainId"), 16) == 31337
            assert (pa.received["eth_chainId"], pb.received["eth_chainId"]) == (1, 1)
        pa.clear()
        sends = frozenset({"eth_sendTransaction"})
        pa.inject(Fault(kind="lose_answer", status=502, methods=sends))
        async with RpcClient([pa.url, pb.url], policy=policy()) as rpc:
            (sender, _) = await rpc.call("eth_accounts")
            # The first endpoint took the send and lost the answer: sending it again elsewhere
            # could trade twice, so the caller hears of it instead.
            with pytest.raises(RpcHttpError, match="HTTP 502"):
                await rpc.call("eth_sendTransaction", {"from": sender, "to": sender})
        assert (pa.received["eth_sendTransaction"], pb.received["eth_sendTransaction"]) == (1, 0)
        assert pa.forwarded["eth_sendTransaction"] == 1


async def test_with_every_endpoint_dead_the_caller_sees_a_connect_error(anvil_nodes) -> None:
    async with anvil_nodes(2) as (a, b):
        urls = [a.rpc_http, b.rpc_http]
        await a.stop()
        await b.stop()
        async with RpcClient(urls, policy=policy()) as rpc:
            with pytest.raises(RpcConnectError):
                await rpc.call("eth_chainId")
            assert all(h.cooling_down and h.failures >= 1 for h in rpc.health())
            assert rpc.retry.retries == 2


async def test_an_endpoint_that_recovers_is_preferred_again(anvil_nodes) -> None:
    """Health scores: one failure sets the preferred endpoint aside; once its cooldown is over
    and its score has recovered, it is the first choice again."""
    async with anvil_nodes(2) as (a, b), FaultyRpcProxy(a.rpc_http) as pa:
        b_head = await mine(b, 1)
        recovering = policy(
            cooldown=Backoff(initial_s=0.1, max_s=0.1, jitter=0),  # type: ignore[dict-item]
            score_half_life_s=0.1,
            head_check_interval_s=60,
        )
        async with RpcClient([pa.url, b.rpc_http], policy=recovering) as rpc:
            pa.inject(Fault(kind="status", status=503, times=3))
            assert await head(rpc) == b_head
            a_health, _ = rpc.health()
            assert a_health.score < 0.9
            assert a_health.cooling_down

            async def answered_by_a() -> bool:
                return await head(rpc) == 0

            await eventually(answered_by_a, what="the recovered endpoint preferred again")
            a_health, _ = rpc.health()
            assert not a_health.cooling_down
            assert a_health.failures_in_a_row == 0


async def test_latency_errors_and_endpoint_health_reach_the_metrics(anvil_nodes) -> None:
    metrics = Metrics(chains=["ethereum"])
    observer = ChainRpcMetrics(metrics, "ethereum")
    async with anvil_nodes(2) as (a, b):
        urls = [a.rpc_http, b.rpc_http]
        async with RpcClient(urls, policy=policy(), observer=observer) as rpc:
            for _ in range(4):
                await head(rpc)
            await rpc.batch([("eth_chainId", []), ("eth_blockNumber", [])])
            with pytest.raises(ExecutionRevertedError):
                await rpc.call("eth_call", {"data": REVERTS}, "latest")
            await a.stop()
            await head(rpc)

    def sample(name: str, **labels: str) -> float | None:
        return metrics.registry.get_sample_value(name, {"chain": "ethereum", **labels})

    assert sample("omniarb_rpc_latency_seconds_count", method="eth_blockNumber") == 5
    assert sample("omniarb_rpc_latency_seconds_count", method="batch") == 1
    assert sample("omniarb_rpc_latency_seconds_count", method="eth_call") == 1
    assert sample("omniarb_rpc_errors_total", method="eth_call", kind="ExecutionRevertedError") == 1
    # The dead endpoint's failure was answered by the other one: not an error for the caller.
    assert (
        sample("omniarb_rpc_errors_total", method="eth_blockNumber", kind="RpcConnectError") is None
    )
    dead, alive = endpoint_label(urls[0]), endpoint_label(urls[1])
    assert sample("omniarb_rpc_endpoint_up", endpoint=dead) == 0
    dead_score = sample("omniarb_rpc_endpoint_health", endpoint=dead)
    assert dead_score is not None
    assert dead_score < 1.0
    assert sample("omniarb_rpc_endpoint_up", endpoint=alive) == 1
    assert sample("omniarb_rpc_endpoint_lag_blocks", endpoint=alive) == 0
