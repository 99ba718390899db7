"""The pending-transaction stream against a real anvil that does not mine (`--no-mining`), so
every transaction stays pending: transactions of each type arrive with their fields and the
signed bytes the node holds, the hash path delivers the same values, duplicates (the
fault-injecting WebSocket proxy sends every notification twice) are counted once, a full buffer
drops its oldest, fetched hashes the node no longer has (or has mined) are counted, and a
dropped WebSocket is subscribed again and keeps delivering."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import pytest
from _pending_txs import authorize, fields_of_type, sign
from _waits import eventually
from _ws_rpc_proxy import WsRpcProxy

from omniarb.chains.rpc import RpcClient, RpcRequest, already_known
from omniarb.chains.ws import ReconnectPolicy
from omniarb.collect import PendingSettings, PendingStream
from omniarb.devnet.accounts import dev_account
from omniarb.devnet.anvil import AnvilNode, AnvilOptions
from omniarb.errors import RpcError
from omniarb.monitor.metrics import Metrics
from omniarb.monitor.pending_metrics import ChainPendingMetrics
from omniarb.pending_tx import PendingTx

pytestmark = pytest.mark.integration

CHAIN_ID = 31337
SENDER_INDEX = 1
POLICY = ReconnectPolicy(initial_s=0.05, max_s=0.2, call_timeout_s=2.0)


@pytest.fixture
async def node() -> AsyncIterator[AnvilNode]:
    anvil = await AnvilNode.start(
        AnvilOptions(chain_id=CHAIN_ID, accounts=4, extra_args=("--no-mining",))
    )
    try:
        yield anvil
    finally:
        await anvil.stop()


@pytest.fixture
async def rpc(node: AnvilNode) -> AsyncIterator[RpcClient]:
    async with RpcClient(node.rpc_http) as client:
        yield client


@asynccontextmanager
async def running(stream: PendingStream) -> AsyncIterator[PendingStream]:
    """`stream.run()` in a task for the block, subscribed before the block starts."""
    async with asyncio.TaskGroup() as tasks:
        task = tasks.create_task(stream.run())

        async def subscribed() -> bool:
            subs = stream.subscriptions
            return subs is not None and subs.connections > 0

        await eventually(subscribed, what="the pending subscription")
        try:
            yield stream
        finally:
            task.cancel()


async def send(rpc: RpcClient, fields: dict[str, Any]) -> tuple[str, bytes]:
    signed = sign(fields, account_index=SENDER_INDEX)
    tx_hash = await rpc.call("eth_sendRawTransaction", "0x" + bytes(signed.raw_transaction).hex())
    return tx_hash, bytes(signed.raw_transaction)


def transfers(count: int, *, first_nonce: int = 0) -> list[dict[str, Any]]:
    return [
        fields_of_type(2, chain_id=CHAIN_ID, nonce=n)
        for n in range(first_nonce, first_nonce + count)
    ]


def every_type() -> list[dict[str, Any]]:
    txs = [
        fields_of_type(0, chain_id=CHAIN_ID, nonce=0, data="0x01"),
        fields_of_type(1, chain_id=CHAIN_ID, nonce=1, data="0xabcdef"),
        fields_of_type(2, chain_id=CHAIN_ID, nonce=2, data="0x12345678" + "00" * 64),
    ]
    set_code = fields_of_type(2, chain_id=CHAIN_ID, nonce=3)
    txs.append(authorize(set_code, account_index=2, chain_id=CHAIN_ID, auth_nonce=0))
    return txs


async def drain(stream: PendingStream, count: int) -> list[PendingTx]:
    async def taken() -> list[PendingTx]:
        while len(got) < count and (tx := stream.get_nowait()) is not None:
            got.append(tx)
        return got if len(got) >= count else []

    got: list[PendingTx] = []
    return await eventually(taken, what=f"{count} pending transactions", timeout_s=10)


async def test_every_type_arrives_with_its_fields_and_the_bytes_the_node_holds(
    node: AnvilNode, rpc: RpcClient
) -> None:
    stream = PendingStream(
        chain_id=CHAIN_ID, ws_url=node.rpc_ws, rpc=rpc, settings=PendingSettings(mode="full")
    )
    async with running(stream):
        sent = [(fields, *await send(rpc, fields)) for fields in every_type()]
        got = await drain(stream, len(sent))
    assert stream.mode == "full"
    sender = dev_account(SENDER_INDEX).address.lower()
    for (fields, tx_hash, raw), tx in zip(sent, got, strict=True):
        assert tx.tx_hash == tx_hash
        assert tx.raw == raw  # byte for byte what eth-account signed and the node took
        assert (tx.sender, tx.to) == (sender, fields["to"].lower())
        assert (tx.nonce, tx.value_wei, tx.gas) == (fields["nonce"], fields["value"], 100_000)
        assert tx.input == bytes.fromhex(fields["data"][2:])
        assert tx.chain_id == CHAIN_ID
        assert tx.seen_ns > 0
        with pytest.raises(RpcError) as refused:
            await rpc.call("eth_sendRawTransaction", tx.raw_hex)
        assert already_known(refused.value)
    assert [tx.tx_type for tx in got] == [0, 1, 2, 4]
    assert [tx.gas_price_wei for tx in got] == [2 * 10**9, 2 * 10**9, None, None]
    assert [tx.max_fee_per_gas_wei for tx in got] == [None, None, 3 * 10**9, 3 * 10**9]
    assert [tx.max_priority_fee_per_gas_wei for tx in got][2:] == [10**9, 10**9]
    assert {k: n for k, n in stream.counters.as_dict().items() if n} == {"received": 4}


async def test_the_hash_path_delivers_the_same_values(node: AnvilNode, rpc: RpcClient) -> None:
    full = PendingStream(
        chain_id=CHAIN_ID, ws_url=node.rpc_ws, rpc=rpc, settings=PendingSettings(mode="full")
    )
    hashes = PendingStream(
        chain_id=CHAIN_ID, ws_url=node.rpc_ws, rpc=rpc, settings=PendingSettings(mode="hashes")
    )
    async with running(full), running(hashes):
        for fields in every_type():
            await send(rpc, fields)
        by_objects = await drain(full, 4)
        by_hashes = await drain(hashes, 4)
    assert hashes.mode == "hashes"
    without_time = [
        [{**{k: getattr(tx, k) for k in tx.__slots__}, "seen_ns": 0} for tx in txs]
        for txs in (by_objects, by_hashes)
    ]
    assert without_time[0] == without_time[1]
    assert hashes.counters.received == 4
    assert hashes.counters.unknown == hashes.counters.malformed == 0


@pytest.mark.parametrize("mode", ["full", "hashes"])
async def test_duplicates_are_counted_once(node: AnvilNode, rpc: RpcClient, mode: str) -> None:
    async with WsRpcProxy(node.rpc_ws) as proxy:
        proxy.duplicate = True
        stream = PendingStream(
            chain_id=CHAIN_ID,
            ws_url=proxy.url,
            rpc=rpc,
            settings=PendingSettings(mode=mode),  # type: ignore[arg-type]
            policy=POLICY,
        )
        async with running(stream):
            for fields in transfers(5):
                await send(rpc, fields)
            got = await drain(stream, 5)

            async def all_duplicates_seen() -> bool:
                return stream.counters.duplicate == 5

            await eventually(all_duplicates_seen, what="5 duplicates")
    assert len({tx.tx_hash for tx in got}) == 5
    assert stream.counters.received == 5
    assert proxy.duplicated >= 5
    assert stream.get_nowait() is None


async def test_a_full_buffer_drops_its_oldest_and_counts_them(
    node: AnvilNode, rpc: RpcClient
) -> None:
    metrics = Metrics(chains=["anvil"])
    stream = PendingStream(
        chain_id=CHAIN_ID,
        ws_url=node.rpc_ws,
        rpc=rpc,
        settings=PendingSettings(mode="full", capacity=2),
        observer=ChainPendingMetrics(metrics.pending, "anvil"),
    )
    async with running(stream):
        for fields in transfers(10):
            await send(rpc, fields)

        async def all_received() -> bool:
            return stream.counters.received == 10

        await eventually(all_received, what="10 pending transactions received")
        assert stream.counters.dropped == 8
        assert len(stream.buffer) == 2
        kept = [await stream.get(), await stream.get()]
    assert [tx.nonce for tx in kept] == [8, 9]  # the newest two
    text = metrics.render().decode()
    assert 'omniarb_pending_tx_total{chain="anvil",outcome="received"} 10.0' in text
    assert 'omniarb_pending_tx_total{chain="anvil",outcome="dropped"} 8.0' in text
    assert 'omniarb_pending_queue_depth{chain="anvil"} 0.0' in text


class GatedRpc:
    """The real client, whose every batch waits for the test's release: the test changes the
    node between a hash's announcement and its fetch. `asked` gets each batch's hashes."""

    def __init__(self, inner: RpcClient) -> None:
        self.inner = inner
        self.asked: asyncio.Queue[list[str]] = asyncio.Queue()
        self.released: asyncio.Queue[None] = asyncio.Queue()

    async def call(self, method: str, *params: Any) -> Any:
        return await self.inner.call(method, *params)

    async def batch(self, requests: Sequence[RpcRequest]) -> list[Any]:
        self.asked.put_nowait([params[0] for _, params in requests])
        await self.released.get()
        return await self.inner.batch(requests)


async def test_fetched_hashes_the_node_mined_or_dropped_are_counted(
    node: AnvilNode, rpc: RpcClient
) -> None:
    gated = GatedRpc(rpc)
    stream = PendingStream(
        chain_id=CHAIN_ID, ws_url=node.rpc_ws, rpc=gated, settings=PendingSettings(mode="hashes")
    )
    async with running(stream):
        mined, _ = await send(rpc, fields_of_type(2, chain_id=CHAIN_ID, nonce=0))
        assert await asyncio.wait_for(gated.asked.get(), timeout=5) == [mined]
        await rpc.call("evm_mine")
        gated.released.put_nowait(None)

        dropped, _ = await send(rpc, fields_of_type(2, chain_id=CHAIN_ID, nonce=1))
        assert await asyncio.wait_for(gated.asked.get(), timeout=5) == [dropped]
        await rpc.call("anvil_dropTransaction", dropped)
        gated.released.put_nowait(None)

        async def both_counted() -> bool:
            return stream.counters.mined + stream.counters.unknown == 2

        await eventually(both_counted, what="both fetches counted")
    assert (stream.counters.mined, stream.counters.unknown, stream.counters.received) == (1, 1, 0)


async def test_a_dropped_websocket_is_subscribed_again_and_keeps_delivering(
    node: AnvilNode, rpc: RpcClient
) -> None:
    async with WsRpcProxy(node.rpc_ws) as proxy:
        stream = PendingStream(
            chain_id=CHAIN_ID,
            ws_url=proxy.url,
            rpc=rpc,
            settings=PendingSettings(mode="full"),
            policy=POLICY,
        )
        async with running(stream):
            await send(rpc, fields_of_type(2, chain_id=CHAIN_ID, nonce=0))
            before = await drain(stream, 1)
            proxy.drop()

            async def resubscribed() -> bool:
                subs = stream.subscriptions
                return subs is not None and subs.connections == 2

            await eventually(resubscribed, what="the subscription renewed")
            for fields in transfers(3, first_nonce=1):
                await send(rpc, fields)
            after = await drain(stream, 3)
    assert stream.counters.gaps == 1
    assert proxy.cuts == 1
    assert [tx.nonce for tx in before + after] == [0, 1, 2, 3]


async def test_a_node_refusing_full_objects_is_served_by_hashes(
    node: AnvilNode, rpc: RpcClient
) -> None:
    async with WsRpcProxy(node.rpc_ws) as proxy:
        proxy.refuse_full_pending = True
        stream = PendingStream(chain_id=CHAIN_ID, ws_url=proxy.url, rpc=rpc, policy=POLICY)
        async with running(stream):
            sent = [(await send(rpc, fields))[0] for fields in transfers(3)]
            got = await drain(stream, 3)
    assert stream.mode == "hashes"
    assert [tx.tx_hash for tx in got] == sent


async def test_a_refusal_of_full_objects_raises_when_they_are_required(
    node: AnvilNode, rpc: RpcClient
) -> None:
    async with WsRpcProxy(node.rpc_ws) as proxy:
        proxy.refuse_full_pending = True
        stream = PendingStream(
            chain_id=CHAIN_ID, ws_url=proxy.url, rpc=rpc, settings=PendingSettings(mode="full")
        )
        with pytest.raises(RpcError, match="invalid params"):
            await asyncio.wait_for(stream.run(), timeout=10)
