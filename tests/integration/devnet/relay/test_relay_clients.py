"""Clients against the devnet relay mining on its own clock (one block a second): the Flashbots
JS library unchanged, our `RelayClient`, and requests without a valid signature."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

import aiohttp
import pytest
from _receipts import mined_receipt
from _relay_chain import BLOCK_TIME_S, CHAIN_ID, GWEI, RelayChain, address, nonce_of, sign
from _waits import eventually

from omniarb.devnet.accounts import dev_account
from omniarb.devnet.relay import RelayServer
from omniarb.errors import RpcError
from omniarb.execute.bundle_requests import SIGNATURE_HEADER, Bundle, relay_request
from omniarb.execute.relay_auth import RelayAuth
from omniarb.execute.relay_client import RelayClient
from omniarb.paths import node_modules, project_root

pytestmark = pytest.mark.integration

_SCRIPT = project_root() / "tests" / "integration" / "devnet" / "relay" / "flashbots_client.js"
_NODE_TIMEOUT_S = 60.0


@pytest.fixture
async def timed_relay(chain: RelayChain) -> AsyncIterator[RelayServer]:
    async with RelayServer(
        chain.node.rpc_http, chain_id=CHAIN_ID, block_time_s=BLOCK_TIME_S
    ) as server:
        yield server


async def test_the_flashbots_js_library_simulates_and_lands_a_bundle(
    chain: RelayChain, timed_relay: RelayServer
) -> None:
    process = await asyncio.create_subprocess_exec(
        "node",
        str(_SCRIPT),
        chain.node.rpc_http,
        timed_relay.url,
        str(CHAIN_ID),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=str(node_modules().parent),
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), _NODE_TIMEOUT_S)
    assert process.returncode == 0, stderr.decode()
    answer = json.loads(stdout)

    simulation = answer["simulation"]
    assert simulation["firstRevert"] is None
    assert simulation["totalGasUsed"] == 2 * 21_000
    assert [r["txHash"] for r in simulation["results"]] == answer["hashes"]
    assert answer["included"], answer
    block = await chain.rpc.call("eth_getBlockByNumber", hex(answer["target"]), False)
    assert block["transactions"][:2] == answer["hashes"]
    assert timed_relay.outcome(answer["bundleHash"]) == "included"


async def test_relay_client_simulates_sends_for_several_blocks_and_lands_once(
    chain: RelayChain, timed_relay: RelayServer, auth: RelayAuth
) -> None:
    head = int(await chain.rpc.call("eth_blockNumber"), 16)
    raw, tx_hash = sign(2, nonce=await nonce_of(chain.rpc, 2), to=address(8), tip_wei=3 * GWEI)
    bundle = Bundle(txs=(raw,), block_number=head + 3, replacement_uuid=str(uuid.uuid4()))
    async with RelayClient(timed_relay.url, auth) as client:
        simulated = await client.call_bundle(bundle)
        assert simulated.first_revert is None
        assert simulated.results[0].tx_hash == tx_hash
        assert simulated.gas_fees_wei == 21_000 * 3 * GWEI
        assert simulated.coinbase_diff_wei == simulated.gas_fees_wei
        hashes = await client.send_for_blocks(bundle, blocks=3)
    assert len(set(hashes)) == 1  # the same transactions: one hash, three blocks

    receipt = await mined_receipt(chain.rpc, tx_hash, timeout_s=10.0)
    assert head + 3 <= int(receipt["blockNumber"], 16) <= head + 5
    assert int(receipt["transactionIndex"], 16) == 0
    # The later blocks' copies fail their nonce check and are dropped, never mined twice.
    await eventually(
        lambda: _passed(timed_relay, 3),
        what="the three target blocks built",
        timeout_s=10.0,
    )
    stats = timed_relay.stats()
    assert stats.bundles_included == 1
    assert stats.dropped_by_reason.get("invalid", 0) >= 1


async def _passed(relay: RelayServer, received: int) -> bool:
    stats = relay.stats()
    return stats.bundles_received == received and (
        stats.bundles_included + stats.bundles_dropped == received
    )


async def test_requests_without_a_valid_signature_are_refused(
    chain: RelayChain, timed_relay: RelayServer, auth: RelayAuth
) -> None:
    raw, _ = sign(2, nonce=await nonce_of(chain.rpc, 2), to=address(8))
    head = int(await chain.rpc.call("eth_blockNumber"), 16)
    params = [Bundle(txs=(raw,), block_number=head + 5).send_params()]
    body, headers = relay_request("eth_sendBundle", params, auth, request_id=1)
    async with aiohttp.ClientSession() as session:
        unsigned = {"Content-Type": "application/json"}
        async with session.post(timed_relay.url, data=body, headers=unsigned) as response:
            assert response.status == 403
            assert await response.json() == {"error": "missing X-Flashbots-Signature header"}
        # A valid signature of another body: the claimed address is not the signer.
        tampered = body.replace(b'"id":1', b'"id":2')
        async with session.post(timed_relay.url, data=tampered, headers=headers) as response:
            assert response.status == 403
            assert (await response.json())["error"] == f"error in signature check {auth.address}"
        # Another key claiming our address.
        impostor = RelayAuth(dev_account(10).private_key).header(body)
        forged = {**headers, SIGNATURE_HEADER: f"{auth.address}:{impostor.split(':')[1]}"}
        async with session.post(timed_relay.url, data=body, headers=forged) as response:
            assert response.status == 403
    assert timed_relay.stats().bundles_received == 0
    # Our client surfaces a refusal as a non-retryable RpcError naming the relay's reason.
    async with RelayClient(timed_relay.url, RelayAuth(dev_account(10).private_key)) as client:
        bad = Bundle(txs=(raw,), block_number=1)
        with pytest.raises(RpcError, match="blockNumber"):
            await client.send_bundle(bad)


async def test_bad_parameters_get_clear_json_rpc_errors(
    timed_relay: RelayServer, auth: RelayAuth
) -> None:
    cases = [
        ("eth_sendBundle", [{"txs": [], "blockNumber": "0x10"}], -32602, "txs"),
        ("eth_sendBundle", [{"txs": ["0x1234"], "blockNumber": "0x10"}], -32602, "txs[0]"),
        ("eth_sendBundle", [{"txs": ["0x02"], "blockNumber": 16}], -32602, "txs[0]"),
        ("eth_sendBundle", [{"txs": ["0x02"], "blockNumber": "0x10", "extra": 1}], -32602, "extra"),
        ("eth_cancelBundle", [{"replacementUuid": "nope"}], -32602, "replacementUuid"),
        ("eth_sendRawTransaction", ["0x00"], -32601, "method not found"),
    ]
    async with aiohttp.ClientSession() as session:
        for method, params, code, wording in cases:
            body, headers = relay_request(method, params, auth, request_id=7)
            async with session.post(timed_relay.url, data=body, headers=headers) as response:
                answer = await response.json()
            assert answer["id"] == 7
            assert answer["error"]["code"] == code, (method, params, answer)
            assert wording in answer["error"]["message"], answer
