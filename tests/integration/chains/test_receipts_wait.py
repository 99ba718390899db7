"""`wait_for_receipt` against a real node: the receipt once mined, None at the deadline for a
transaction that never comes, and polls that fail (nothing listening) retried, not fatal."""

from __future__ import annotations

import logging
import socket

import pytest

from omniarb.chains.receipts import wait_for_receipt
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.accounts import dev_account

pytestmark = pytest.mark.integration


async def test_mined_unknown_and_unreachable(devnet_factory, caplog: pytest.LogCaptureFixture):
    async with devnet_factory({"ethereum": None}) as net:
        chain = net.manifest.chain("ethereum")
        async with RpcClient(chain.rpc_http) as rpc:
            sender = dev_account(1).address
            tx_hash = await rpc.call(
                "eth_sendTransaction", {"from": sender, "to": sender, "value": hex(1)}
            )
            receipt = await wait_for_receipt(rpc, tx_hash, timeout_s=10)
            assert receipt is not None
            assert receipt["transactionHash"] == tx_hash
            assert int(receipt["status"], 16) == 1
            never = "0x" + "ab" * 32
            assert await wait_for_receipt(rpc, never, timeout_s=0.2) is None
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    caplog.set_level(logging.WARNING, logger="omniarb.chains.receipts")
    async with RpcClient(f"http://127.0.0.1:{port}") as down:
        assert await wait_for_receipt(down, never, timeout_s=0.3) is None
    assert any("receipt poll for" in r.getMessage() for r in caplog.records)
