"""One endpoint behind the fault-injecting proxy: each fault reaches the caller as the right
class of our error tree, and only what is retryable, and safe to send twice, is sent again.

The proxy counts every request it receives, so "retried" and "not retried" are counted at the
wire, not inferred from the client."""

from __future__ import annotations

import time

import pytest
from _receipts import mined_receipt
from _rpc_proxy import Fault, FaultyRpcProxy
from _waits import eventually

from omniarb.backoff import Backoff
from omniarb.chains.rpc import RetryPolicy, RpcClient, RpcPolicy
from omniarb.errors import (
    ExecutionRevertedError,
    MalformedAnswerError,
    RateLimitedError,
    RetryableError,
    RevertError,
    RpcConnectError,
    RpcError,
    RpcHttpError,
    RpcTimeoutError,
    RpcTransportError,
)

pytestmark = pytest.mark.integration

ATTEMPTS = 3
# Creation code that reverts with 32 bytes of data, 0x12 then zeros (mstore8 0x12 at 0,
# revert(0, 32)).
REVERTS_WITH_DATA = "0x60126000536020" + "6000fd"
REVERT_DATA = "0x12" + "00" * 31
# Creation code that loops until it runs out of gas (an exceptional halt, not a revert opcode).
RUNS_OUT_OF_GAS = "0x5b600056"


def policy(*, attempts: int = ATTEMPTS, max_s: float = 0.05) -> RpcPolicy:
    """Short, unjittered waits: the tests count attempts and measure the waits."""
    backoff = Backoff(initial_s=0.01, max_s=max_s, jitter=0)
    return RpcPolicy(retry=RetryPolicy(max_attempts=attempts, backoff=backoff))


async def test_a_frozen_node_times_out_after_bounded_retries(anvil_nodes) -> None:
    async with anvil_nodes(1) as (node,), FaultyRpcProxy(node.rpc_http) as proxy:
        proxy.inject(Fault(kind="hang", methods=frozenset({"eth_blockNumber"})))
        async with RpcClient(proxy.url, timeout_s=0.3, policy=policy()) as rpc:
            started = time.monotonic()
            with pytest.raises(RpcTimeoutError) as caught:
                await rpc.call("eth_blockNumber")
            elapsed_s = time.monotonic() - started
            # Other methods still pass: the node is frozen for this method only.
            assert int(await rpc.call("eth_chainId"), 16) == 31337
    assert isinstance(caught.value, RetryableError)
    assert "no answer within 0.3 s" in str(caught.value)
    assert proxy.received["eth_blockNumber"] == ATTEMPTS
    assert proxy.forwarded["eth_blockNumber"] == 0
    assert 3 * 0.3 <= elapsed_s < 3 * 0.3 + 2.0


async def test_http_429_is_retried_after_its_retry_after(anvil_nodes) -> None:
    async with anvil_nodes(1) as (node,), FaultyRpcProxy(node.rpc_http) as proxy:
        proxy.inject(Fault(kind="status", status=429, retry_after_s=0.2, times=2))
        async with RpcClient(proxy.url, policy=policy(max_s=1.0)) as rpc:
            assert int(await rpc.call("eth_chainId"), 16) == 31337
    assert (proxy.received["eth_chainId"], proxy.faulted["eth_chainId"]) == (3, 2)
    gaps = [b - a for a, b in zip(proxy.arrivals_s, proxy.arrivals_s[1:], strict=False)]
    # The endpoint asked for 0.2 s, more than our own first waits (0.01, 0.02 s).
    assert all(gap >= 0.2 for gap in gaps), gaps


async def test_http_429_that_persists_reaches_the_caller_as_rate_limited(anvil_nodes) -> None:
    async with anvil_nodes(1) as (node,), FaultyRpcProxy(node.rpc_http) as proxy:
        proxy.inject(Fault(kind="status", status=429))
        async with RpcClient(proxy.url, policy=policy()) as rpc:
            with pytest.raises(RateLimitedError) as caught:
                await rpc.call("eth_chainId")
    assert caught.value.status == 429
    assert caught.value.retry_after_s is None
    assert proxy.received["eth_chainId"] == ATTEMPTS


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"<html>502 Bad Gateway</html>", "answer is not JSON"),
        (b'{"jsonrpc": "2.0", "id": 1, "res', "answer is not JSON"),
        (b'{"jsonrpc": "2.0", "id": 1}', "neither result nor error"),
        (b'{"jsonrpc": "2.0", "id": 1, "error": "boom"}', "error is not an object"),
        (b"[1, 2]", r"eth_chainId: answer \[1, 2\]"),
    ],
    ids=["html", "truncated", "no-result", "error-string", "array"],
)
async def test_a_malformed_answer_is_named_and_retried(anvil_nodes, body: bytes, says: str):
    async with anvil_nodes(1) as (node,), FaultyRpcProxy(node.rpc_http) as proxy:
        proxy.inject(Fault(kind="malformed", body=body))
        async with RpcClient(proxy.url, policy=policy()) as rpc:
            with pytest.raises(MalformedAnswerError, match=says):
                await rpc.call("eth_chainId")
            assert proxy.received["eth_chainId"] == ATTEMPTS
            # Garbled once: the next attempt gets the node's own answer.
            proxy.clear()
            proxy.inject(Fault(kind="malformed", body=body, times=1))
            assert int(await rpc.call("eth_chainId"), 16) == 31337
    assert proxy.received["eth_chainId"] == ATTEMPTS + 2


async def test_a_batch_answered_with_the_wrong_count_is_malformed(anvil_nodes) -> None:
    one = b'[{"jsonrpc": "2.0", "id": 1, "result": "0x1"}]'
    async with anvil_nodes(1) as (node,), FaultyRpcProxy(node.rpc_http) as proxy:
        proxy.inject(Fault(kind="malformed", body=one, methods=frozenset({"batch"}), times=1))
        async with RpcClient(proxy.url, policy=policy()) as rpc:
            heads = await rpc.batch([("eth_chainId", []), ("eth_blockNumber", [])])
            assert int(heads[0], 16) == 31337
            proxy.inject(Fault(kind="malformed", body=one, methods=frozenset({"batch"})))
            with pytest.raises(MalformedAnswerError, match="batch of 2 answered with"):
                await rpc.batch([("eth_chainId", []), ("eth_blockNumber", [])])
    assert proxy.received["batch"] == 2 + ATTEMPTS


async def test_a_dropped_connection_is_a_transport_error_and_retried(anvil_nodes) -> None:
    async with anvil_nodes(1) as (node,), FaultyRpcProxy(node.rpc_http) as proxy:
        proxy.inject(Fault(kind="drop", times=2))
        async with RpcClient(proxy.url, policy=policy()) as rpc:
            assert int(await rpc.call("eth_chainId"), 16) == 31337
            proxy.inject(Fault(kind="drop"))
            with pytest.raises(RpcTransportError) as caught:
                await rpc.call("eth_chainId")
    assert not isinstance(caught.value, RpcConnectError | RpcTimeoutError | MalformedAnswerError)
    assert proxy.received["eth_chainId"] == 3 + ATTEMPTS


async def test_a_revert_is_a_revert_with_its_data_and_is_not_retried(anvil_nodes) -> None:
    async with (
        anvil_nodes(1) as (node,),
        FaultyRpcProxy(node.rpc_http) as proxy,
        RpcClient(proxy.url, policy=policy()) as rpc,
    ):
        with pytest.raises(ExecutionRevertedError) as reverted:
            await rpc.call("eth_call", {"data": REVERTS_WITH_DATA}, "latest")
        with pytest.raises(ExecutionRevertedError) as halted:
            await rpc.call("eth_call", {"data": RUNS_OUT_OF_GAS, "gas": "0x10000"}, "latest")
        with pytest.raises(ExecutionRevertedError):
            await rpc.call("eth_estimateGas", {"data": REVERTS_WITH_DATA})
    assert isinstance(reverted.value, RevertError)
    assert not isinstance(reverted.value, RpcError | RetryableError)
    assert (reverted.value.code, reverted.value.data) == (3, REVERT_DATA)
    assert "OutOfGas" in halted.value.rpc_message
    assert proxy.received["eth_call"] == 2
    assert proxy.received["eth_estimateGas"] == 1


async def test_a_refused_request_is_an_rpc_error_not_a_revert_and_not_retried(
    anvil_nodes,
) -> None:
    async with (
        anvil_nodes(1) as (node,),
        FaultyRpcProxy(node.rpc_http) as proxy,
        RpcClient(proxy.url, policy=policy()) as rpc,
    ):
        with pytest.raises(RpcError) as bad_params:
            await rpc.call("eth_getBalance", "0xnot-an-address", "latest")
        with pytest.raises(RpcError) as unknown:
            await rpc.call("eth_noSuchMethod")
        with pytest.raises(RpcError):
            await rpc.batch([("eth_chainId", []), ("eth_getBalance", ["0xzz", "latest"])])
    assert not isinstance(bad_params.value, RevertError | RetryableError)
    assert bad_params.value.code == -32602
    assert unknown.value.code == -32601
    assert proxy.received["eth_getBalance"] == proxy.received["eth_noSuchMethod"] == 1
    assert proxy.received["batch"] == 1


async def test_a_send_whose_answer_was_lost_is_not_sent_again(anvil_nodes) -> None:
    """The node took the transaction and the answer was lost: sending it again could come back
    as "nonce too low" for a transaction that is on chain. The caller decides."""
    async with anvil_nodes(1) as (node,), FaultyRpcProxy(node.rpc_http) as proxy:
        sends = frozenset({"eth_sendTransaction"})
        proxy.inject(Fault(kind="lose_answer", status=503, methods=sends, times=1))
        async with RpcClient(proxy.url, policy=policy()) as rpc:
            (sender, _) = await rpc.call("eth_accounts")
            tx = {"from": sender, "to": sender, "value": "0x1"}
            with pytest.raises(RpcHttpError) as caught:
                await rpc.call("eth_sendTransaction", tx)

            async def mined() -> bool:
                return int(await rpc.call("eth_getTransactionCount", sender, "latest"), 16) == 1

            # The node took it (automine mines it soon after the answer it sent).
            await eventually(mined, what="the lost send mined", timeout_s=20.0)
    assert caught.value.status == 503
    assert proxy.received["eth_sendTransaction"] == 1


async def test_a_send_refused_before_the_node_saw_it_is_sent_again(anvil_nodes) -> None:
    async with anvil_nodes(1) as (node,), FaultyRpcProxy(node.rpc_http) as proxy:
        sends = frozenset({"eth_sendTransaction"})
        proxy.inject(Fault(kind="status", status=429, methods=sends, times=1))
        async with RpcClient(proxy.url, policy=policy()) as rpc:
            (sender, _) = await rpc.call("eth_accounts")
            tx_hash = await rpc.call("eth_sendTransaction", {"from": sender, "to": sender})
            # Automine mines it soon after the answer, not always before it.
            await mined_receipt(rpc, tx_hash)
            assert int(await rpc.call("eth_getTransactionCount", sender, "latest"), 16) == 1
    assert (proxy.received["eth_sendTransaction"], proxy.forwarded["eth_sendTransaction"]) == (
        2,
        1,
    )


async def test_a_node_that_is_not_there_is_a_connect_error(anvil_nodes) -> None:
    async with anvil_nodes(1) as (node,):
        url = node.rpc_http
        await node.stop()
        async with RpcClient(url, policy=policy()) as rpc:
            started = time.monotonic()
            with pytest.raises(RpcConnectError, match="connect"):
                await rpc.call("eth_sendTransaction", {})
            # Nothing reached a node: a send may be tried again, and was.
            assert rpc.retry.retries == ATTEMPTS - 1
            assert time.monotonic() - started < 2.0
