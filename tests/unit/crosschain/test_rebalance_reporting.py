"""What the rebalancer reports: one nonce manager per (chain, account) for every sender, the
bridge-transfer series, and the live hub's `bridge_transfer` message with the row's fields."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

from omniarb.api.live import LiveHub
from omniarb.bridges.base import TransferStatus
from omniarb.chains.rpc import RpcClient
from omniarb.crosschain.nonces import NonceAllocators
from omniarb.monitor.metrics import Metrics
from omniarb.store.bridge_transfers import BridgeTransfer, SourceTx
from omniarb.telemetry import Telemetry

T0 = datetime(2026, 12, 6, tzinfo=UTC)
ACCOUNT = "0x" + "ab" * 20


def transfer(status: TransferStatus) -> BridgeTransfer:
    return BridgeTransfer(
        id="across-1", bridge="across", src_chain="ethereum", dst_chain="arbitrum",
        asset="ETH", token_in="0x" + "11" * 20, token_out="0x" + "22" * 20, sender=ACCOUNT,
        recipient=ACCOUNT, amount_in=2**64 + 1, amount_out_expected=2**64, fee_usd=0.5,
        status=status, src_txs=(SourceTx(nonce=3, tx_hash="0x" + "aa" * 32, raw="0x02"),),
        created_at=T0, deadline_at=T0, updated_at=T0,
    )  # fmt: skip


async def test_one_nonce_manager_per_chain_and_account() -> None:
    allocators = NonceAllocators()
    async with RpcClient("http://127.0.0.1:9") as rpc:
        legs = allocators.manager(chain="ethereum", rpc=rpc, address=ACCOUNT)
        rebalancer = allocators.manager(chain="ethereum", rpc=rpc, address=ACCOUNT.upper())
        other_chain = allocators.manager(chain="arbitrum", rpc=rpc, address=ACCOUNT)
    assert legs is rebalancer
    assert other_chain is not legs
    assert len(allocators) == 2


def test_series_and_live_message_follow_the_transfer() -> None:
    metrics = Metrics(chains=["ethereum", "arbitrum"])
    hub = LiveHub()
    telemetry = Telemetry(hub=hub)
    stuck = transfer(TransferStatus.STUCK)
    with hub.subscribe({"bridge_transfer"}) as subscription:
        telemetry.bridge_transfer(stuck, [stuck])
        message = json.loads(subscription.queue.get_nowait())
    assert message["type"] == "bridge_transfer"
    assert message["data"]["status"] == "stuck"
    assert message["data"]["amount_in"] == str(2**64 + 1)
    assert message["data"]["src_tx_hashes"] == ["0x" + "aa" * 32]
    assert message["data"]["in_flight"] is True
    assert message["data"]["overdue"] is True
    metrics.bridges.observe(stuck)
    metrics.bridges.set_open([stuck, replace(stuck, status=TransferStatus.SENT)])
    sample = metrics.registry.get_sample_value
    labels = {"bridge": "across", "src": "ethereum", "dst": "arbitrum", "status": "stuck"}
    assert sample("omniarb_bridge_transfers_total", labels) == 1
    assert sample("omniarb_bridge_transfers_in_flight") == 2
    assert sample("omniarb_bridge_transfers_stuck") == 1
