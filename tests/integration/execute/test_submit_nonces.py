"""Nonces and idempotency keys of the submitter against a real anvil chain, as the devnet's bot.

Proves: an idempotency key is used once, even by concurrent submissions; "nonce too low",
"replacement transaction underpriced" and "already known" are recovered from; a refused send
leaves no nonce gap; a new nonce manager (a restart) continues after the old one's
transactions; concurrent reservations are unique and contiguous; a send whose answer or request
is lost in transit is settled by a resync, its nonce neither reused nor left as a gap; a send
refused before the node saw it (HTTP 429) frees its nonce.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import aiohttp
import pytest
from _rpc_proxy import Fault, FaultyRpcProxy
from _submit_bot import NEVER_S, bot_on, make_submitter, send_behind_the_managers_back
from aiohttp import web

from omniarb.chains.fees import Eip1559Fees
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.anvil import free_port
from omniarb.errors import RateLimitedError, RejectedError
from omniarb.execute._send_errors import (
    DuplicateSubmissionError,
    FeeTooLowError,
    SendUnconfirmedError,
)
from omniarb.execute.nonces import NonceManager
from omniarb.execute.submit import MemorySubmissionGuard

pytestmark = pytest.mark.integration


# -- idempotency --------------------------------------------------------------------------


async def test_a_key_is_submitted_once(devnet_factory: Any) -> None:
    async with devnet_factory({"ethereum": None}) as net, bot_on(net, "ethereum") as bot:
        await bot.submitter.submit("opportunity-1", await bot.deposit())
        count = await bot.pending_count()
        with pytest.raises(DuplicateSubmissionError) as info:
            await bot.submitter.submit("opportunity-1", await bot.deposit())
        assert isinstance(info.value, RejectedError)
        assert info.value.key == "opportunity-1"
        # Concurrent submissions of one key: exactly one is sent.
        request = await bot.deposit()
        results = await asyncio.gather(
            *(bot.submitter.submit("opportunity-2", request) for _ in range(5)),
            return_exceptions=True,
        )
        refused = [r for r in results if isinstance(r, DuplicateSubmissionError)]
        assert len(refused) == 4
        assert await bot.pending_count() == count + 1


# -- nonce recovery -------------------------------------------------------------------------


async def test_nonce_too_low_resyncs_and_sends(devnet_factory: Any) -> None:
    async with devnet_factory({"ethereum": None}) as net, bot_on(net, "ethereum") as bot:
        first = await bot.submitter.submit("first", await bot.deposit())
        await send_behind_the_managers_back(bot, count=3)  # the book still expects first + 1
        sent = await bot.submitter.submit("second", await bot.deposit())
        assert sent.attempts == 2
        assert sent.nonce == first.nonce + 4
        assert (await bot.submitter.wait_for_receipt(sent.tx_hash)).success
        assert await bot.pending_count() == sent.nonce + 1


async def test_replacement_underpriced_resyncs(devnet_factory: Any) -> None:
    """Another transaction of ours is pending with the nonce the book would use next."""
    async with devnet_factory({"ethereum": NEVER_S}) as net, bot_on(net, "ethereum") as bot:
        start = await bot.nonces.reserve()
        bot.nonces.release(start)  # the book is synced at `start`
        await send_behind_the_managers_back(bot, count=1)  # pending, not mined
        sent = await bot.submitter.submit("after-pending", await bot.deposit())
        assert (sent.nonce, sent.attempts) == (start + 1, 2)
        await bot.rpc.call("evm_mine")
        assert (await bot.submitter.wait_for_receipt(sent.tx_hash)).success


async def test_already_known_counts_as_sent(devnet_factory: Any) -> None:
    """Signing is deterministic: the same fields give the same bytes, which the node knows."""
    async with devnet_factory({"ethereum": NEVER_S}) as net, bot_on(net, "ethereum") as bot:
        request = await bot.deposit()
        nonce = await bot.nonces.reserve()
        bot.nonces.release(nonce)
        twin = bot.signer.sign(
            nonce=nonce,
            to=request.to,
            data=request.data,
            gas=request.gas,
            fees=request.fees,
            value=request.value,
        )
        await bot.rpc.call("eth_sendRawTransaction", twin.raw_hex)
        sent = await bot.submitter.submit("twin", request)
        assert (sent.tx_hash, sent.nonce, sent.attempts) == (twin.tx_hash, nonce, 1)
        assert await bot.nonces.reserve() == nonce + 1


async def test_a_refused_send_leaves_no_gap(devnet_factory: Any) -> None:
    async with devnet_factory({"ethereum": None}) as net, bot_on(net, "ethereum") as bot:
        start = await bot.pending_count()
        good = await bot.deposit()
        too_cheap = replace(
            good, fees=Eip1559Fees(max_fee_per_gas_wei=1, max_priority_fee_per_gas_wei=1)
        )
        keys_and_requests = [("a", good), ("b", too_cheap), ("c", good), ("d", good)]
        results = await asyncio.gather(
            *(bot.submitter.submit(key, request) for key, request in keys_and_requests),
            return_exceptions=True,
        )
        assert isinstance(results[1], FeeTooLowError)
        sent = [r for r in results if not isinstance(r, BaseException)]
        assert len(sent) == 3
        last = await bot.submitter.submit("e", good)  # takes the nonce "b" gave back, if any
        nonces = sorted([s.nonce for s in sent] + [last.nonce])
        assert nonces == list(range(start, start + 4))
        for submission in [*sent, last]:
            receipt = await bot.submitter.wait_for_receipt(submission.tx_hash, timeout_s=10)
            assert receipt.success
        assert await bot.pending_count() == start + 4


async def test_a_restarted_manager_continues_after_the_old_one(devnet_factory: Any) -> None:
    async with devnet_factory({"bnb": None}) as net, bot_on(net, "bnb") as bot:
        sent = [await bot.submitter.submit(f"run1-{i}", await bot.deposit()) for i in range(3)]
        # An unsent reservation dies with the process: the node never saw it.
        await bot.nonces.reserve()

        restarted = NonceManager(rpc=bot.rpc, address=bot.signer.address)
        submitter = bot.submitter_with(restarted, MemorySubmissionGuard())
        after = await submitter.submit("run2-0", await bot.deposit())
        assert after.nonce == sent[-1].nonce + 1
        assert (await submitter.wait_for_receipt(after.tx_hash)).success


async def test_concurrent_reservations_are_unique_and_contiguous(devnet_factory: Any) -> None:
    async with devnet_factory({"ethereum": None}) as net, bot_on(net, "ethereum") as bot:
        start = await bot.pending_count()
        nonces = await asyncio.gather(*(bot.nonces.reserve() for _ in range(50)))
        assert sorted(nonces) == list(range(start, start + 50))
        for nonce in nonces:
            bot.nonces.release(nonce)
        assert bot.nonces.next_nonce == start

        requests = [await bot.deposit(value=i + 1) for i in range(12)]
        sent = await asyncio.gather(
            *(bot.submitter.submit(f"burst-{i}", r) for i, r in enumerate(requests))
        )
        assert sorted(s.nonce for s in sent) == list(range(start, start + 12))
        receipts = await asyncio.gather(*(bot.submitter.wait_for_receipt(s.tx_hash) for s in sent))
        assert all(r.success for r in receipts)


@asynccontextmanager
async def lossy_proxy(upstream: str, *, forward_sends: bool) -> AsyncIterator[str]:
    """A JSON-RPC proxy that loses the answer to every `eth_sendRawTransaction` (HTTP 502),
    after passing the request on to the node when `forward_sends`; other calls pass through."""
    async with aiohttp.ClientSession() as session:

        async def relay(body: bytes) -> bytes:
            headers = {"Content-Type": "application/json"}
            async with session.post(upstream, data=body, headers=headers) as answer:
                return await answer.read()

        async def handle(request: web.Request) -> web.Response:
            body = await request.read()
            if json.loads(body).get("method") == "eth_sendRawTransaction":
                if forward_sends:
                    await relay(body)
                return web.Response(status=502)
            return web.Response(body=await relay(body), content_type="application/json")

        app = web.Application()
        app.router.add_post("/", handle)
        runner = web.AppRunner(app)
        await runner.setup()
        port = free_port("127.0.0.1")
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            yield f"http://127.0.0.1:{port}/"
        finally:
            await runner.cleanup()


@pytest.mark.parametrize("reached_node", [True, False], ids=["answer-lost", "request-lost"])
async def test_a_send_lost_in_transit_is_settled_by_a_resync(
    devnet_factory: Any, reached_node: bool
) -> None:
    """Whether or not the node got it, the nonce is neither reused nor left as a gap."""
    async with (
        devnet_factory({"ethereum": None}) as net,
        bot_on(net, "ethereum") as bot,
        lossy_proxy(bot.chain.rpc_http, forward_sends=reached_node) as url,
        RpcClient(url) as lossy_rpc,
    ):
        start = await bot.pending_count()
        nonces = NonceManager(rpc=lossy_rpc, address=bot.signer.address)
        lossy = make_submitter(lossy_rpc, bot.signer, nonces, MemorySubmissionGuard())
        with pytest.raises(SendUnconfirmedError) as info:
            await lossy.submit("lost", await bot.deposit())
        assert info.value.nonce == start
        known = await bot.rpc.call("eth_getTransactionByHash", info.value.tx_hash)
        assert (known is not None) == reached_node

        reliable = bot.submitter_with(nonces, MemorySubmissionGuard())
        sent = await reliable.submit("next", await bot.deposit())
        assert (sent.nonce, sent.attempts) == (start + 1 if reached_node else start, 1)
        assert (await reliable.wait_for_receipt(sent.tx_hash)).success
        assert await bot.pending_count() == sent.nonce + 1


async def test_a_send_refused_before_the_node_saw_it_frees_its_nonce(devnet_factory: Any) -> None:
    """HTTP 429 to every send: the client sends it again (the node never took it) up to its
    attempts, the submitter raises the rate limit, and the nonce is free for the next trade."""
    sends = frozenset({"eth_sendRawTransaction"})
    async with (
        devnet_factory({"ethereum": None}) as net,
        bot_on(net, "ethereum") as bot,
        FaultyRpcProxy(bot.chain.rpc_http) as proxy,
        RpcClient(proxy.url) as limited_rpc,
    ):
        start = await bot.pending_count()
        nonces = NonceManager(rpc=limited_rpc, address=bot.signer.address)
        limited = make_submitter(limited_rpc, bot.signer, nonces, MemorySubmissionGuard())
        proxy.inject(Fault(kind="status", status=429, methods=sends))
        # Not SendUnconfirmedError: nothing reached the node, so nothing may be pending there.
        with pytest.raises(RateLimitedError):
            await limited.submit("limited", await bot.deposit())
        attempts = limited_rpc.policy.retry.max_attempts
        assert proxy.received["eth_sendRawTransaction"] == attempts
        assert proxy.forwarded["eth_sendRawTransaction"] == 0
        proxy.clear()
        sent = await limited.submit("next", await bot.deposit())
        assert (sent.nonce, sent.attempts) == (start, 1)
        assert (await limited.wait_for_receipt(sent.tx_hash)).success
        assert await bot.pending_count() == start + 1
