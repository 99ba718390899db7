"""Hedged sends: two endpoints (fault-injecting proxies) in front of ONE anvil node, each
transaction sent to both at once through the submitter. The first acknowledgment answers while
the other endpoint is still held; one endpoint down, the other carries the send; all down, the
error says whether anything may have been sent; a node's refusal stays a refusal. Every
transaction lands exactly once (one receipt, one nonce), and each endpoint's answer is counted
in the real Prometheus series."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest
from _receipts import mined_receipt
from _rpc_proxy import Fault, FaultyRpcProxy
from _waits import eventually

from omniarb.backoff import Backoff
from omniarb.chains.fees import read_fees
from omniarb.chains.rpc import FailoverPolicy, RetryPolicy, RpcClient, RpcPolicy
from omniarb.chains.spec import FeeModel
from omniarb.config import RpcSettings, load_secrets
from omniarb.devnet.accounts import dev_account
from omniarb.errors import RpcConnectError, RpcError, endpoint_label
from omniarb.execute._send_errors import (
    InsufficientFundsError,
    NonceConflictError,
    SendUnconfirmedError,
    classify_send_error,
)
from omniarb.execute.nonces import NonceManager
from omniarb.execute.signer import Signer
from omniarb.execute.submit import MemorySubmissionGuard, Submitter, TxRequest
from omniarb.monitor.metrics import Metrics
from omniarb.monitor.rpc_metrics import ChainRpcMetrics

pytestmark = pytest.mark.integration

CHAIN_ID = 31337
CHAIN = "hedged"
GWEI = 10**9
SEND = "eth_sendRawTransaction"
SENDS = frozenset({SEND})
# No head check after the first request's: a stopped proxy is met by the hedged send itself.
POLICY = RpcPolicy(
    retry=RetryPolicy(max_attempts=3, backoff=Backoff(initial_s=0.01, max_s=0.05, jitter=0)),
    failover=FailoverPolicy(head_check_interval_s=3600.0),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Sender:
    rpc: RpcClient
    direct: RpcClient  # the node itself, past the proxies: what the chain really holds
    signer: Signer
    nonces: NonceManager
    submitter: Submitter
    metrics: Metrics

    async def transfer(self, *, value: int = 1) -> TxRequest:
        fees = await read_fees(self.direct, fee_model=FeeModel.EIP1559, tip_wei=GWEI)
        return TxRequest(to=dev_account(1).address, data=b"", gas=21_000, fees=fees, value=value)

    async def count(self, block: str = "pending") -> int:
        answer = await self.direct.call("eth_getTransactionCount", self.signer.address, block)
        return int(answer, 16)

    def answers(self, proxy: FaultyRpcProxy, outcome: str) -> float:
        labels = {"chain": CHAIN, "endpoint": endpoint_label(proxy.url), "outcome": outcome}
        value = self.metrics.registry.get_sample_value("omniarb_rpc_hedge_answers_total", labels)
        return value or 0.0

    def wins(self, proxy: FaultyRpcProxy) -> float:
        labels = {"chain": CHAIN, "endpoint": endpoint_label(proxy.url)}
        value = self.metrics.registry.get_sample_value("omniarb_rpc_hedge_wins_total", labels)
        return value or 0.0


@asynccontextmanager
async def sender(
    node_url: str, urls: list[str], policy: RpcPolicy = POLICY
) -> AsyncIterator[Sender]:
    """A submitter for anvil's account 0 over `urls`, its RPC figures in a real `Metrics`."""
    metrics = Metrics(chains=[CHAIN])
    observer = ChainRpcMetrics(metrics, CHAIN)
    async with (
        RpcClient(urls, timeout_s=5.0, policy=policy, observer=observer) as rpc,
        RpcClient(node_url) as direct,
    ):
        signer = Signer.from_secrets(
            load_secrets({}), chain_id=CHAIN_ID, default_key=dev_account(0).private_key
        )
        nonces = NonceManager(rpc=rpc, address=signer.address)
        submitter = Submitter(rpc=rpc, signer=signer, nonces=nonces, guard=MemorySubmissionGuard())
        # The first request checks every endpoint's head: all of them healthy from here.
        await rpc.call("eth_blockNumber")
        yield Sender(
            rpc=rpc,
            direct=direct,
            signer=signer,
            nonces=nonces,
            submitter=submitter,
            metrics=metrics,
        )


async def test_the_first_acknowledgment_answers_while_a_slow_endpoint_holds_the_send(
    anvil_nodes,
) -> None:
    async with (
        anvil_nodes(1) as (node,),
        FaultyRpcProxy(node.rpc_http) as slow,
        FaultyRpcProxy(node.rpc_http) as fast,
    ):
        slow.inject(Fault(kind="hold", methods=SENDS))
        # The slow endpoint is the preferred one: without hedging every send would wait on it.
        async with sender(node.rpc_http, [slow.url, fast.url]) as s:
            start = await s.count()
            sent = await s.submitter.submit("hedged", await s.transfer(), precheck=False)
            # Answered while the slow endpoint still holds its copy of the send.
            assert slow.forwarded[SEND] == 0
            assert fast.forwarded[SEND] == 1
            assert (s.wins(fast), s.wins(slow)) == (1.0, 0.0)
            assert s.answers(fast, "ack") == 1.0

            async def held() -> bool:
                return slow.held == 1

            await eventually(held, what="the slow endpoint holding the send")
            slow.release()

            async def slow_answered() -> float:
                late = ("ack", "refused_after_ack", "refused", "failed")
                return sum(s.answers(slow, outcome) for outcome in late)

            await eventually(slow_answered, what="the slow endpoint's answer counted")
            # The node had it already: "already imported" (an ack) or, once mined, "nonce too
            # low" after the fast one's ack; logged and counted, never raised.
            assert s.answers(slow, "ack") + s.answers(slow, "refused_after_ack") == 1.0
            assert s.answers(slow, "failed") == s.answers(slow, "refused") == 0.0
            receipt = await mined_receipt(s.direct, sent.tx_hash)
            assert int(receipt["blockNumber"], 16) > 0
            assert (sent.nonce, sent.attempts) == (start, 1)
            assert await s.count("latest") == start + 1  # one nonce spent: it landed once
            slow_health, fast_health = s.rpc.health()
            assert slow_health.failures == fast_health.failures == 0
            assert slow_health.calls >= 2  # the head check and the hedged send
            # The next send takes the next nonce and is hedged again.
            slow.clear()
            again = await s.submitter.submit("next", await s.transfer(), precheck=False)
            assert again.nonce == start + 1
            await mined_receipt(s.direct, again.tx_hash)
            assert s.rpc.hedge is not None
            assert s.rpc.hedge.hedged == 2


@pytest.mark.parametrize("fault", ["refused", "dropped"])
async def test_one_endpoint_down_the_other_carries_the_send(anvil_nodes, fault: str) -> None:
    async with (
        anvil_nodes(1) as (node,),
        FaultyRpcProxy(node.rpc_http) as up,
        FaultyRpcProxy(node.rpc_http) as down,
        # Reads (the nonce sync) go to the preferred endpoint; only the send meets the other.
        sender(node.rpc_http, [up.url, down.url]) as s,
    ):
        start = await s.count()
        request = await s.transfer()
        if fault == "refused":
            await down.stop()  # its port is closed: no connection
        else:
            down.inject(Fault(kind="drop", methods=SENDS))
        sent = await s.submitter.submit("one-down", request, precheck=False)
        await mined_receipt(s.direct, sent.tx_hash)
        assert (sent.nonce, sent.attempts) == (start, 1)
        assert await s.count("latest") == start + 1
        assert (s.wins(up), s.wins(down)) == (1.0, 0.0)

        async def down_counted() -> bool:
            return s.answers(down, "failed") == 1.0

        await eventually(down_counted, what="the failed endpoint's answer counted")
        up_health, down_health = s.rpc.health()
        # The failed endpoint's health drops as from a normal call.
        assert down_health.failures == 1
        assert down_health.cooling_down
        assert down_health.score < 1.0
        assert up_health.failures == 0
    assert up.forwarded[SEND] == 1
    assert down.forwarded[SEND] == 0


async def test_every_endpoint_refusing_connections_sends_nothing_and_frees_the_nonce(
    anvil_nodes,
) -> None:
    async with (
        anvil_nodes(1) as (node,),
        FaultyRpcProxy(node.rpc_http) as a,
        FaultyRpcProxy(node.rpc_http) as b,
        sender(node.rpc_http, [a.url, b.url]) as s,
    ):
        start = await s.count()
        request = await s.transfer()
        assert await s.nonces.resync() == start  # the book is synced: the send's turn
        await asyncio.gather(a.stop(), b.stop())
        with pytest.raises(RpcConnectError):
            await s.submitter.submit("all-down", request, precheck=False)
        assert await s.count() == start  # nothing reached the node
        # The nonce is free again: the next reservation hands out the same one.
        assert await s.nonces.reserve() == start
        assert s.answers(a, "failed") >= 1.0
        assert s.answers(b, "failed") >= 1.0


async def test_every_answer_lost_after_the_node_took_it_is_unconfirmed(anvil_nodes) -> None:
    async with (
        anvil_nodes(1) as (node,),
        FaultyRpcProxy(node.rpc_http) as a,
        FaultyRpcProxy(node.rpc_http) as b,
        sender(node.rpc_http, [a.url, b.url]) as s,
    ):
        start = await s.count()
        for proxy in (a, b):
            proxy.inject(Fault(kind="lose_answer", status=503, methods=SENDS, times=1))
        with pytest.raises(SendUnconfirmedError) as info:
            await s.submitter.submit("lost", await s.transfer(), precheck=False)
        assert info.value.nonce == start
        # Both copies reached the node; one of them was taken, exactly once.
        assert (a.forwarded[SEND], b.forwarded[SEND]) == (1, 1)
        await mined_receipt(s.direct, info.value.tx_hash)
        assert await s.count("latest") == start + 1
        # The nonce was kept, then the resync finds it spent: the next send takes the next.
        sent = await s.submitter.submit("after", await s.transfer(), precheck=False)
        assert (sent.nonce, sent.attempts) == (start + 1, 1)
        await mined_receipt(s.direct, sent.tx_hash)


async def test_a_refusal_caused_by_our_own_lost_send_is_not_taken_as_a_nonce_conflict(
    anvil_nodes,
) -> None:
    """One endpoint's node takes the send (and mines it) but its answer is lost; the other
    endpoint's copy arrives after that block and is refused with "nonce too low". That refusal
    is our own transaction's doing: were it raised, the submitter would sign the trade again
    with the next nonce and trade twice. The send is unconfirmed instead."""
    async with (
        anvil_nodes(1) as (node,),
        FaultyRpcProxy(node.rpc_http) as lossy,
        FaultyRpcProxy(node.rpc_http) as late,
        sender(node.rpc_http, [lossy.url, late.url]) as s,
    ):
        start = await s.count()
        request = await s.transfer()
        lossy.inject(Fault(kind="lose_answer", status=503, methods=SENDS, times=1))
        late.inject(Fault(kind="hold", methods=SENDS, times=1))

        async def release_after_the_lossy_copy_is_mined() -> None:
            async def mined() -> bool:
                return await s.count("latest") == start + 1

            await eventually(mined, what="the lossy endpoint's copy mined")
            late.release()

        async def submit() -> SendUnconfirmedError:
            with pytest.raises(SendUnconfirmedError) as info:
                await s.submitter.submit("once", request, precheck=False)
            return info.value

        unconfirmed, _ = await asyncio.gather(submit(), release_after_the_lossy_copy_is_mined())
        assert s.answers(late, "refused") == 1.0  # "nonce too low", counted
        await mined_receipt(s.direct, unconfirmed.tx_hash)
        assert await s.count("pending") == start + 1  # nothing signed again
        assert late.forwarded[SEND] == 1


async def test_a_nodes_refusal_is_reported_as_such(anvil_nodes) -> None:
    async with (
        anvil_nodes(1) as (node,),
        FaultyRpcProxy(node.rpc_http) as a,
        FaultyRpcProxy(node.rpc_http) as b,
        sender(node.rpc_http, [a.url, b.url]) as s,
    ):
        start = await s.count()
        sent = await s.submitter.submit("first", await s.transfer(), precheck=False)
        await mined_receipt(s.direct, sent.tx_hash)
        # The same nonce again, signed for another call: both nodes say "nonce too low".
        request = await s.transfer(value=2)
        stale = s.signer.sign(
            nonce=start,
            to=request.to,
            data=request.data,
            gas=request.gas,
            fees=request.fees,
            value=request.value,
        )
        with pytest.raises(RpcError) as refused:
            await s.rpc.call(SEND, stale.raw_hex)
        assert isinstance(classify_send_error(refused.value), NonceConflictError)
        assert s.answers(a, "refused") == s.answers(b, "refused") == 1.0
        assert s.wins(a) + s.wins(b) == 1.0  # the first send's only
        # More than the account holds, with one endpoint down: the refusal wins over the
        # refused connection, and the nonce is free again.
        await b.stop()
        with pytest.raises(InsufficientFundsError):
            await s.submitter.submit("too-much", await s.transfer(value=10**30), precheck=False)
        assert await s.count() == start + 1
        assert await s.nonces.reserve() == start + 1


async def test_one_endpoint_or_hedge_sends_off_sends_as_before(anvil_nodes) -> None:
    async with (
        anvil_nodes(1) as (node,),
        FaultyRpcProxy(node.rpc_http) as a,
        FaultyRpcProxy(node.rpc_http) as b,
    ):
        off = RpcSettings().policy(hedge_sends=False)
        async with sender(node.rpc_http, [a.url, b.url], policy=off) as s:
            assert s.rpc.hedge is None
            sent = await s.submitter.submit("unhedged", await s.transfer(), precheck=False)
            await mined_receipt(s.direct, sent.tx_hash)
        async with sender(node.rpc_http, [b.url]) as single:
            assert single.rpc.hedge is None
            sent = await single.submitter.submit("single", await single.transfer(), precheck=False)
            await mined_receipt(single.direct, sent.tx_hash)
    # Off: the preferred endpoint alone, as the failover layer always did.
    assert (a.received[SEND], b.received[SEND]) == (1, 1)
    assert s.metrics.registry.get_sample_value(
        "omniarb_rpc_hedge_wins_total", {"chain": CHAIN, "endpoint": endpoint_label(a.url)}
    ) in (None, 0.0)


async def test_a_caller_that_stops_waiting_leaves_every_request_to_finish(anvil_nodes) -> None:
    """The send's caller is cancelled while both endpoints hold its copies: the requests are
    not cut off; both reach the node, are answered and counted, and the transaction lands once
    (the submitter keeps the nonce as possibly sent)."""
    async with (
        anvil_nodes(1) as (node,),
        FaultyRpcProxy(node.rpc_http) as a,
        FaultyRpcProxy(node.rpc_http) as b,
        sender(node.rpc_http, [a.url, b.url]) as s,
    ):
        start = await s.count()
        request = await s.transfer()
        for proxy in (a, b):
            proxy.inject(Fault(kind="hold", methods=SENDS, times=1))
        submit = asyncio.ensure_future(s.submitter.submit("cancelled", request, precheck=False))

        async def both_held() -> bool:
            return a.held == b.held == 1

        await eventually(both_held, what="both endpoints holding the send")
        submit.cancel()
        with pytest.raises(asyncio.CancelledError):
            await submit
        assert await s.count() == start  # nothing reached the node yet
        a.release()
        b.release()

        async def both_counted() -> bool:
            outcomes = ("ack", "refused", "refused_after_ack", "failed")
            return sum(s.answers(p, o) for p in (a, b) for o in outcomes) == 2

        await eventually(both_counted, what="both endpoints' answers counted")
        assert s.wins(a) + s.wins(b) == 1.0
        assert (a.forwarded[SEND], b.forwarded[SEND]) == (1, 1)
        assert s.rpc.hedge is not None
        await s.rpc.hedge.drain()

        async def landed() -> bool:
            return await s.count("latest") == start + 1

        await eventually(landed, what="the cancelled send mined")
        # The next send resyncs and takes the next nonce: nothing was signed twice.
        sent = await s.submitter.submit("after", await s.transfer(), precheck=False)
        assert sent.nonce == start + 1
        await mined_receipt(s.direct, sent.tx_hash)
