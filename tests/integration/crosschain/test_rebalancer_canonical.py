"""The rebalancer through the devnet's canonical bridge (`DevCanonicalBridge`, lock and release,
relayed by `CanonicalMessenger`): Arbitrum below its ETH band (20 / 40 / 80) gets WETH from
Ethereum above its band. (Across's own tests cover planned → arrived and the crashes.)

- Stuck: Ethereum holds the deposit unmined past `stuck_after_s`, then the messenger holds it
  (its delay far past the test); the transfer goes stuck, raises ONE `bridge_stuck` alert
  however many rounds pass and though its deposit is found while stuck, stays tracked (nothing
  else is planned for Arbitrum); a messenger restarted without delay releases it, and it arrives
  ONCE: one `DepositFinalized`, the balance up once, no second transfer.
- A deposit that reverts: the account lacks the amount when the deposit runs (the bridge's
  `transferFrom` fails), the transfer goes failed, and nothing leaves the account or reaches
  the bridge.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from _rebalance_world import (
    ETH,
    INVENTORY,
    World,
    bridge_logs,
    only_transfer,
    rebalance_world,
    running,
    settings_for,
)
from _waits import eventually

from omniarb.bridges import CanonicalBridge
from omniarb.bridges.base import TransferStatus
from omniarb.bridges.canonical_events import DEPOSIT_FINALIZED_TOPIC, DEPOSIT_INITIATED_TOPIC
from omniarb.crosschain.rebalance_plan import Move
from omniarb.crosschain.rebalancer import BRIDGE_STUCK
from omniarb.devnet.bridges import CanonicalMessenger
from omniarb.store.bridge_transfers import BridgeTransfer

pytestmark = pytest.mark.integration

HOLDINGS = {"ethereum": 100, "arbitrum": 5}
# Arbitrum holds 5 WETH and 1 ETH of gas: 34 reach its target of 40; the bridge takes no fee.
NEED = 34 * ETH


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    # The store's own tests cover PostgreSQL; here the history is a SQLite file.
    return f"sqlite:///{tmp_path / 'history.sqlite'}"


@contextlib.asynccontextmanager
async def messenger_on(world: World, *, delay_s: float) -> AsyncIterator[CanonicalMessenger]:
    """A canonical messenger process until the block exits."""
    messenger = CanonicalMessenger(world.net.manifest, delay_s=delay_s, poll_interval_s=0.1)
    await messenger.start()
    try:
        yield messenger
    finally:
        await messenger.stop()


async def logs(world: World, chain: str, topic: str) -> list[dict[str, Any]]:
    return await bridge_logs(world, "canonical", chain, topic)


async def test_a_held_transfer_goes_stuck_alerts_once_and_arrives_once(
    devnet_factory, db_url
) -> None:
    async with rebalance_world(devnet_factory, db_url, holdings=HOLDINGS) as world:
        bridge = CanonicalBridge(world.net.manifest, world.rpcs)
        eth_before = await world.held("ethereum")
        arb_before = await world.held("arbitrum")
        rebalancer = world.rebalancer(settings=settings_for(stuck_after_s=1.0), bridges=[bridge])
        ethereum = world.rpcs["ethereum"]
        # Ethereum mines nothing until told: the deposit waits in the pool past `stuck_after_s`.
        await ethereum.call("evm_setAutomine", False)
        # The messenger sees the deposit and holds it: its delay outlasts the test.
        async with messenger_on(world, delay_s=3_600.0) as holding:
            await rebalancer.rebalance()
            transfer = await only_transfer(world)
            assert transfer.bridge == "canonical"

            async def stuck() -> bool:
                await rebalancer.tick()
                return (await only_transfer(world)).status is TransferStatus.STUCK

            await eventually(stuck, what="the transfer to be stuck", timeout_s=20)
            assert (await only_transfer(world)).deposit_id is None
            assert len(world.seen.alerts) == 1
            await ethereum.call("evm_mine")
            await ethereum.call("evm_setAutomine", True)

            async def deposit_found() -> bool:
                await rebalancer.tick()
                return (await only_transfer(world)).deposit_id is not None

            # Found while stuck: the row changes, stays stuck, and alerts no more.
            await eventually(deposit_found, what="the stuck deposit to be found", timeout_s=20)

            async def seen_by_messenger() -> bool:
                return holding.pending == 1

            await eventually(seen_by_messenger, what="the messenger to see it", timeout_s=10)
            # Stuck is still on its way: more rounds plan nothing for Arbitrum, alert no more.
            for _ in range(3):
                await rebalancer.tick()
                await rebalancer.rebalance()
            assert len(await world.store.recent(10)) == 1
            assert [t.id for t in rebalancer.open_transfers] == [transfer.id]
            assert holding.relayed == 0
        (alert,) = world.seen.alerts
        assert alert.rule == BRIDGE_STUCK
        assert alert.key == f"{BRIDGE_STUCK}:{transfer.id}"
        assert (await only_transfer(world)).status is TransferStatus.STUCK
        assert await world.held("ethereum") == eth_before - transfer.amount_in
        assert await world.held("arbitrum") == arb_before
        assert await logs(world, "arbitrum", DEPOSIT_FINALIZED_TOPIC) == []

        # A new messenger process with no delay releases it.
        async with messenger_on(world, delay_s=0.0), running(rebalancer):

            async def arrived() -> bool:
                return (await only_transfer(world)).status is TransferStatus.ARRIVED

            await eventually(arrived, what="the held transfer to arrive", timeout_s=30)
        for _ in range(3):
            await rebalancer.tick()
            await rebalancer.rebalance()
        done = await only_transfer(world)
        assert transfer.amount_in == done.amount_out_expected == done.amount_received == NEED
        statuses = world.seen.statuses[transfer.id]
        assert statuses[-2:] == ["stuck", "arrived"]
        assert statuses.count("stuck") == statuses.count("arrived") == 1
        assert len(world.seen.alerts) == 1
        (finalized,) = await logs(world, "arbitrum", DEPOSIT_FINALIZED_TOPIC)
        assert finalized["transactionHash"] == done.arrival_tx_hash
        assert len(await logs(world, "ethereum", DEPOSIT_INITIATED_TOPIC)) == 1
        assert await world.held("arbitrum") == arb_before + NEED
        assert await world.store.in_flight() == []
        assert rebalancer.open_transfers == []
        assert len(await world.store.recent(10)) == 1


async def test_a_deposit_that_reverts_fails_and_nothing_leaves(devnet_factory, db_url) -> None:
    async with rebalance_world(devnet_factory, db_url, holdings=HOLDINGS) as world:
        bridge = CanonicalBridge(world.net.manifest, world.rpcs)
        held = await world.held("ethereum")
        src_bridge = world.net.manifest.chain("ethereum").bridge("canonical").address
        locked = await world.held("ethereum", holder=src_bridge)
        rebalancer = world.rebalancer(settings=settings_for(), bridges=[bridge])
        # One wei more than the account holds: the approval passes (it moves nothing), the
        # bridge's `transferFrom` of the deposit reverts on chain.
        move = Move(
            asset="ETH", src_chain="ethereum", dst_chain="arbitrum", amount_in=held + 1,
            need_out=held, max_in=held + 1,
        )  # fmt: skip
        sent = await rebalancer.send(move)
        assert sent is not None
        assert sent.bridge == "canonical"

        async def failed_now() -> BridgeTransfer | None:
            await rebalancer.track()
            transfer = await only_transfer(world)
            return transfer if transfer.status is TransferStatus.FAILED else None

        failed = await eventually(failed_now, what="the transfer to fail", timeout_s=20)
        assert failed.error is not None
        assert "reverted" in failed.error
        assert world.seen.statuses[failed.id] == ["planned", "sent", "failed"]
        approve, deposit = failed.src_txs
        rpc = world.rpcs["ethereum"]
        approved = await rpc.call("eth_getTransactionReceipt", approve.tx_hash)
        reverted = await rpc.call("eth_getTransactionReceipt", deposit.tx_hash)
        assert (int(approved["status"], 16), int(reverted["status"], 16)) == (1, 0)
        assert approved["from"] == reverted["from"] == INVENTORY.address.lower()
        assert await world.held("ethereum") == held
        assert await world.held("ethereum", holder=src_bridge) == locked
        assert await logs(world, "ethereum", DEPOSIT_INITIATED_TOPIC) == []
        assert await world.store.in_flight() == []
        assert rebalancer.open_transfers == []
