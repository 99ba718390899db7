"""The rebalancer through Across on the devnet: the real SpokePools (`@across-protocol/contracts`)
and the devnet's Across relayer and quote API (`omniarb.devnet.bridges`). Arbitrum below its
USDC band (20k / 40k / 80k) gets USDC from Ethereum above its band. (USDC, not WETH: a
SpokePool pays WETH to an account without code as native ETH, as Across does on mainnet.)

- A transfer goes planned → sent → deposited → arrived: an exact approval and a `deposit` on
  Ethereum, one `FundsDeposited`, one `FilledRelay` on Arbitrum paying the recorded amount.
- The relayer is stopped right after the deposit and the rebalancer is cancelled (a crash); a
  NEW rebalancer on the same database resumes, a NEW relayer process starts: the transfer
  arrives ONCE (one `FilledRelay`, the balance up once) and no second deposit is ever sent (one
  `FundsDeposited`).
- The same with real processes: the rebalancer runs in a child process
  (`_rebalancer_child.py`) that is killed with SIGKILL once the deposit is recorded; a new
  child process on the same database resumes it, and the transfer arrives once.
- A crash between writing the row and broadcasting (a hook raises): the resumed rebalancer
  broadcasts the stored raw transactions, byte for byte, never newly signed ones.
- ETH arrives as the coin (the SpokePool unwraps WETH for an account without code) and counts
  toward the band; of two real bridges (Across, the canonical bridge) the cheaper (fee + gas
  in USD) carries the transfer.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from _rebalance_world import (
    INVENTORY,
    World,
    bridge_logs,
    only_transfer,
    rebalance_world,
    running,
    settings_for,
)
from _waits import eventually

from omniarb._config_rebalance import RebalanceSettings
from omniarb.bridges import CanonicalBridge
from omniarb.bridges.across import AcrossBridge
from omniarb.bridges.across_abi import FILLED_RELAY_TOPIC, FUNDS_DEPOSITED_TOPIC
from omniarb.bridges.base import TransferStatus
from omniarb.crosschain.rebalancer import RebalancerHooks
from omniarb.devnet.bridges import AcrossParams, AcrossRelayer, CanonicalMessenger
from omniarb.store.bridge_transfers import BridgeTransfer

pytestmark = pytest.mark.integration

HOLDINGS = {"ethereum": 100_000, "arbitrum": 5_000}
NEED = 35_000 * 10**6  # Arbitrum: from 5,000 USDC to its target of 40,000
USDC = {"symbol": "USDC"}


def settings(**changes: Any) -> RebalanceSettings:
    return settings_for(asset="USDC", scale=1_000, **changes)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'history.sqlite'}"


@contextlib.asynccontextmanager
async def relayer_on(world: World, *, delay_s: float) -> AsyncIterator[AcrossRelayer]:
    """A devnet Across relayer process (and its quote API) until the block exits."""
    relayer = AcrossRelayer(world.net.manifest, AcrossParams(delay_s=delay_s, poll_s=0.1))
    await relayer.start()
    try:
        yield relayer
    finally:
        await relayer.stop()


async def logs(world: World, chain: str, topic: str) -> list[dict[str, Any]]:
    return await bridge_logs(world, "across", chain, topic)


async def status_is(world: World, status: TransferStatus) -> bool:
    """The newest transfer has `status` in the store, and the rebalancer reported it too (the
    report follows the store's write: a check of the store alone may stop the rebalancer
    between the two)."""
    transfers = await world.store.recent(10)
    if not transfers or transfers[0].status is not status:
        return False
    return world.seen.statuses.get(transfers[0].id, [])[-1:] == [str(status)]


async def test_a_transfer_through_across_arrives(devnet_factory, db_url) -> None:
    async with (
        rebalance_world(devnet_factory, db_url, holdings=HOLDINGS, **USDC) as world,
        relayer_on(world, delay_s=0.5) as relayer,
        AcrossBridge(world.net.manifest, world.rpcs, api_url=relayer.api_url) as across,
    ):
        eth_before = await world.held("ethereum")
        arb_before = await world.held("arbitrum")
        rebalancer = world.rebalancer(settings=settings(), bridges=[across])
        async with running(rebalancer):
            await eventually(
                lambda: status_is(world, TransferStatus.ARRIVED), what="arrival", timeout_s=60
            )
        transfer = await only_transfer(world)
        assert transfer.bridge == "across"
        assert world.seen.statuses[transfer.id] == ["planned", "sent", "deposited", "arrived"]
        approve, deposit = transfer.src_txs  # an exact approval, then the deposit
        assert deposit.nonce == approve.nonce + 1
        assert transfer.deposit_tx_hash == deposit.tx_hash
        assert transfer.amount_received == transfer.amount_out_expected >= NEED
        fee_usd = (transfer.amount_in - transfer.amount_out_expected) / 10**6
        assert 17 < fee_usd < 19  # 5 bps + $0.50 on ~35,000 USDC
        # The recorded cost is the fee plus the source gas, in USD.
        assert fee_usd < transfer.fee_usd < fee_usd + 5
        assert await world.held("ethereum") == eth_before - transfer.amount_in
        assert await world.held("arbitrum") == arb_before + transfer.amount_received
        assert len(await logs(world, "ethereum", FUNDS_DEPOSITED_TOPIC)) == 1
        (fill,) = await logs(world, "arbitrum", FILLED_RELAY_TOPIC)
        assert fill["transactionHash"] == transfer.arrival_tx_hash


async def test_the_relayer_stopped_mid_transfer_and_a_restart_complete_it_once(
    devnet_factory, db_url
) -> None:
    async with rebalance_world(devnet_factory, db_url, holdings=HOLDINGS, **USDC) as world:
        arb_before = await world.held("arbitrum")
        # Its delay outlasts the first process: it sees the deposit, then is stopped unfilled.
        async with (
            relayer_on(world, delay_s=30.0) as first_relayer,
            AcrossBridge(world.net.manifest, world.rpcs, api_url=first_relayer.api_url) as across,
        ):
            first = world.rebalancer(settings=settings(), bridges=[across])
            async with running(first):

                async def deposited() -> bool:
                    transfers = await world.store.recent(10)
                    return bool(transfers) and transfers[0].deposit_id is not None

                await eventually(deposited, what="the deposit", timeout_s=30)
            assert first_relayer.stats.filled == 0
            api_url = first_relayer.api_url  # gone with it: only arrival is asked from here
        transfer = await only_transfer(world)
        assert transfer.status is TransferStatus.DEPOSITED
        assert await logs(world, "arbitrum", FILLED_RELAY_TOPIC) == []
        # A new process: a new rebalancer on the same database resumes (the relayer still
        # down: the transfer stays in flight), then a new relayer process starts.
        async with AcrossBridge(world.net.manifest, world.rpcs, api_url=api_url) as across:
            second = world.rebalancer(settings=settings(), bridges=[across])
            (resumed,) = await second.resume()
            assert resumed.id == transfer.id
            assert resumed.status is TransferStatus.DEPOSITED
            async with relayer_on(world, delay_s=0.5), running(second):
                await eventually(
                    lambda: status_is(world, TransferStatus.ARRIVED), what="arrival", timeout_s=60
                )
            for _ in range(3):  # more rounds: the band is met, nothing else is sent
                await second.tick()
                await second.rebalance()
        done = await only_transfer(world)
        assert len(await world.store.recent(10)) == 1
        assert len(await logs(world, "ethereum", FUNDS_DEPOSITED_TOPIC)) == 1  # one deposit
        assert len(await logs(world, "arbitrum", FILLED_RELAY_TOPIC)) == 1  # one fill
        assert await world.held("arbitrum") == arb_before + done.amount_received
        assert world.seen.statuses[transfer.id].count("arrived") == 1


def _child(world: World, db_url: str, api_url: str, log: Path) -> subprocess.Popen[bytes]:
    """`_rebalancer_child.py`: the same rebalancer in a process of its own."""
    here = Path(__file__).parent
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(here), str(here.parents[1]), *filter(None, [env.get("PYTHONPATH")])]
    )
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, str(here / "_rebalancer_child.py"), str(world.net.manifest_path),
             db_url, api_url],
            env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def _ticks(log: Path) -> int:
    return log.read_text(errors="replace").splitlines().count("tick") if log.exists() else 0


async def test_a_rebalancer_process_killed_mid_transfer_and_a_new_one_complete_it_once(
    devnet_factory, db_url, tmp_path: Path
) -> None:
    """As above, with real processes: the first rebalancer process is killed with SIGKILL once
    its deposit is recorded (nothing runs its cleanup); a new process on the same database
    resumes it, and the transfer arrives once when a relayer runs again."""
    async with rebalance_world(devnet_factory, db_url, holdings=HOLDINGS, **USDC) as world:
        arb_before = await world.held("arbitrum")
        first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
        async with relayer_on(world, delay_s=30.0) as first_relayer:
            api_url = first_relayer.api_url
            first = _child(world, db_url, api_url, first_log)
            try:

                async def deposited() -> bool:
                    assert first.poll() is None, first_log.read_text(errors="replace")[-3000:]
                    transfers = await world.store.recent(10)
                    return bool(transfers) and transfers[0].deposit_id is not None

                await eventually(deposited, what="the deposit", timeout_s=60)
            finally:
                first.kill()  # SIGKILL
                first.wait(timeout=30)
            assert first.returncode == -signal.SIGKILL
            assert first_relayer.stats.filled == 0
        transfer = await only_transfer(world)
        assert transfer.status is TransferStatus.DEPOSITED
        assert await logs(world, "arbitrum", FILLED_RELAY_TOPIC) == []
        second = _child(world, db_url, api_url, second_log)
        try:
            # Resumed with the relayer still down: rounds pass, the transfer stays in flight.
            await _rounds(second, second_log, at_least=20)
            assert (await only_transfer(world)).status is TransferStatus.DEPOSITED
            async with relayer_on(world, delay_s=0.5):

                async def arrived() -> bool:
                    assert second.poll() is None, second_log.read_text(errors="replace")[-3000:]
                    return (await only_transfer(world)).status is TransferStatus.ARRIVED

                await eventually(arrived, what="arrival", timeout_s=60)
                # More rounds after the arrival: the band is met, nothing else is sent.
                await _rounds(second, second_log, at_least=_ticks(second_log) + 20)
        finally:
            second.kill()
            second.wait(timeout=30)
        done = await only_transfer(world)
        assert len(await world.store.recent(10)) == 1
        assert len(await logs(world, "ethereum", FUNDS_DEPOSITED_TOPIC)) == 1  # one deposit
        assert len(await logs(world, "arbitrum", FILLED_RELAY_TOPIC)) == 1  # one fill
        assert await world.held("arbitrum") == arb_before + done.amount_received
        nonce = await world.rpcs["ethereum"].call(
            "eth_getTransactionCount", INVENTORY.address, "latest"
        )
        assert int(nonce, 16) == done.src_txs[-1].nonce + 1  # nothing else was signed
        assert second_log.read_text().count(f"transfer {done.id}: arrived") == 1


async def _rounds(child: subprocess.Popen[bytes], log: Path, *, at_least: int) -> None:
    """Wait until the child process has finished `at_least` rounds in all."""

    async def done() -> bool:
        assert child.poll() is None, log.read_text(errors="replace")[-3000:]
        return _ticks(log) >= at_least

    await eventually(done, what=f"{at_least} rebalancer rounds", timeout_s=60)


async def test_a_crash_before_the_broadcast_sends_the_stored_across_deposit(
    devnet_factory, db_url
) -> None:
    class CrashError(Exception):
        pass

    async def crash(transfer: BridgeTransfer) -> None:
        raise CrashError(transfer.id)

    async with (
        rebalance_world(devnet_factory, db_url, holdings=HOLDINGS, **USDC) as world,
        relayer_on(world, delay_s=0.5) as relayer,
        AcrossBridge(world.net.manifest, world.rpcs, api_url=relayer.api_url) as across,
    ):
        rpc = world.rpcs["ethereum"]
        first = world.rebalancer(
            settings=settings(), bridges=[across], hooks=RebalancerHooks(recorded=crash)
        )
        with pytest.raises(CrashError):
            await first.rebalance()
        recorded = await only_transfer(world)
        assert recorded.status is TransferStatus.PLANNED
        for tx in recorded.src_txs:
            assert await rpc.call("eth_getTransactionByHash", tx.tx_hash) is None
        second = world.rebalancer(settings=settings(), bridges=[across])
        async with running(second):
            await eventually(
                lambda: status_is(world, TransferStatus.ARRIVED), what="arrival", timeout_s=60
            )
        for tx in recorded.src_txs:
            assert await rpc.call("eth_getRawTransactionByHash", tx.tx_hash) == tx.raw
        nonce = int(await rpc.call("eth_getTransactionCount", INVENTORY.address, "latest"), 16)
        assert nonce == recorded.src_txs[-1].nonce + 1  # nothing else was signed
        assert len(await logs(world, "ethereum", FUNDS_DEPOSITED_TOPIC)) == 1
        assert len(await logs(world, "arbitrum", FILLED_RELAY_TOPIC)) == 1
        assert len(await world.store.recent(10)) == 1


async def test_eth_arrives_as_the_coin_and_counts_toward_the_band(devnet_factory, db_url) -> None:
    # The SpokePool pays WETH to an account without code as ETH: the inventory's ETH is its
    # coin plus its WETH, so the arrival meets the band and nothing more is sent.
    holdings = {"ethereum": 100, "arbitrum": 5}
    async with (
        rebalance_world(devnet_factory, db_url, holdings=holdings) as world,
        relayer_on(world, delay_s=0.5) as relayer,
        AcrossBridge(world.net.manifest, world.rpcs, api_url=relayer.api_url) as across,
    ):
        arbitrum = world.rpcs["arbitrum"]

        async def coin() -> int:
            return int(await arbitrum.call("eth_getBalance", INVENTORY.address, "latest"), 16)

        coin_before, weth_before = await coin(), await world.held("arbitrum")
        rebalancer = world.rebalancer(settings=settings_for(), bridges=[across])
        async with running(rebalancer):
            await eventually(
                lambda: status_is(world, TransferStatus.ARRIVED), what="arrival", timeout_s=60
            )
        transfer = await only_transfer(world)
        assert await coin() == coin_before + transfer.amount_received
        assert await world.held("arbitrum") == weth_before
        # 5 WETH + 1 ETH of gas: 34 needed.
        assert transfer.amount_received >= 34 * 10**18
        for _ in range(3):
            await rebalancer.tick()
            await rebalancer.rebalance()
        assert len(await world.store.recent(10)) == 1
        assert len(await logs(world, "ethereum", FUNDS_DEPOSITED_TOPIC)) == 1


async def test_the_cheaper_of_two_real_bridges_carries_the_transfer(devnet_factory, db_url) -> None:
    # Across charges 5 bps + $0.50 (~$18 on 35,000 USDC); the canonical bridge no fee, only the
    # gas of its approval and deposit: it carries the transfer, and Across sees no deposit.
    async with (
        rebalance_world(devnet_factory, db_url, holdings=HOLDINGS, **USDC) as world,
        relayer_on(world, delay_s=0.5) as relayer,
        AcrossBridge(world.net.manifest, world.rpcs, api_url=relayer.api_url) as across,
    ):
        messenger = CanonicalMessenger(world.net.manifest, delay_s=0.0, poll_interval_s=0.1)
        await messenger.start()
        try:
            canonical = CanonicalBridge(world.net.manifest, world.rpcs)
            rebalancer = world.rebalancer(settings=settings(), bridges=[across, canonical])
            async with running(rebalancer):
                await eventually(
                    lambda: status_is(world, TransferStatus.ARRIVED), what="arrival", timeout_s=60
                )
        finally:
            await messenger.stop()
        transfer = await only_transfer(world)
        assert transfer.bridge == "canonical"
        assert transfer.amount_in == transfer.amount_out_expected == transfer.amount_received
        # The recorded cost is the source gas alone, in USD.
        assert 0 < transfer.fee_usd < 5
        assert await logs(world, "ethereum", FUNDS_DEPOSITED_TOPIC) == []
        assert await logs(world, "arbitrum", FILLED_RELAY_TOPIC) == []
        assert messenger.relayed == 1
