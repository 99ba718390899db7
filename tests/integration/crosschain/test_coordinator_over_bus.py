"""`run_coordinator` fed over the real bus: two devnet chains' pool updates, read by the kinds'
own books, go through a `PoolPublisher` onto the Redis stream (each published twice: delivery is
at least once); the coordinator, holding its leases, applies each block once, mirrors both
chains' curves and keeps the view in Redis, finds the gap planted between the chains and trades
both legs with the inventory key. A standby started meanwhile waits for the coordinator lease;
when the active one's lease lapses, the standby takes it, the active one steps down, and the
standby starts with the whole view loaded from Redis and a larger fencing token."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from _bus_setup import unique_prefix
from _legs_setup import BUY, SELL, cross_chain_net
from _plans import roomy_deadline
from _pool_states import pool_states
from _servers import DEFAULT_REDIS_URL, REDIS_URL_ENV
from _waits import eventually

from omniarb.bus import CurveMirror
from omniarb.bus.pool_feed import PoolPublisher
from omniarb.bus.streams import StreamBus
from omniarb.chains.blocks import read_head
from omniarb.chains.rpc import RpcClient
from omniarb.cluster.coordinator_role import COORDINATOR_LEASE, CoordinatorRole, run_coordinator
from omniarb.cluster.lease import SignerLease
from omniarb.config import Settings
from omniarb.crosschain.leg_result import LegStatus
from omniarb.devnet.bot_access import DevnetAccess
from omniarb.network import ChainManifest
from omniarb.store.database import HistoryDatabase
from omniarb.types import PoolUpdate

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("devnet-coordinator-bus")]

_KINDS = ("uniswap-v2", "uniswap-v3")


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    async with unique_prefix() as name:
        yield name


def _settings(prefix: str) -> Settings:
    url = os.environ.get(REDIS_URL_ENV, DEFAULT_REDIS_URL)
    return roomy_deadline(
        Settings.model_validate(
            {
                "execute": {"remote_precheck": "never"},
                "cross_chain": {
                    "enabled": True,
                    "assets": ["ETH"],
                    "max_trade_usd": 20_000.0,
                    "min_expected_value_usd": 5.0,
                },
                "redis": {"enabled": True, "url": url, "key_prefix": prefix, "price_ttl_s": 60},
                "cluster": {"lease_ttl_s": 2.0, "claim_idle_s": 0.5},
            }
        )
    )


async def _set_on_exit(*events: asyncio.Event) -> None:
    """Set `events` when cancelled: a failed assertion cancels the test's tasks, and a role
    that was inside a library call swallowing the cancellation still stops by its event."""
    try:
        await asyncio.Event().wait()
    finally:
        for event in events:
            event.set()


def _holds(predicate: Callable[[], bool]) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return predicate()

    return check


async def _update(rpc: RpcClient, chain: ChainManifest) -> PoolUpdate:
    """The chain's head and its V2/V3 pools' states after it, as the state stage's first update
    of a worker has them (every pool new)."""
    head = await read_head(rpc, chain.chain_id)
    number, states = await pool_states(rpc, chain, _KINDS)
    assert number == head.number
    return PoolUpdate(
        chain_id=chain.chain_id,
        block_number=head.number,
        block_hash=head.hash,
        base_fee_wei=head.base_fee_wei,
        pools=tuple(states),
        new_pools=tuple(s.address for s in states),
    )


async def test_pool_updates_over_the_bus_are_traded_and_a_standby_takes_over(
    devnet_factory: Any, tmp_path: Path, prefix: str
) -> None:
    settings = _settings(prefix)
    async with devnet_factory({SELL: None, BUY: None}) as devnet:
        manifest = devnet.manifest
        access = DevnetAccess(devnet.manifest_path)
        database = HistoryDatabase.open(f"sqlite:///{tmp_path / 'history.sqlite'}")
        redis = aioredis.Redis.from_url(settings.redis.url, decode_responses=True)
        worker_bus = await StreamBus.connect(settings.redis, settings.cluster, producer="worker")
        coordinator_bus = await StreamBus.connect(
            settings.redis, settings.cluster, producer="coordinator"
        )

        def leases(holder: str) -> Any:
            def lease(name: str) -> SignerLease:
                return SignerLease(
                    redis, name=name, holder=holder, ttl_s=settings.cluster.lease_ttl_s,
                    key_prefix=prefix,
                )  # fmt: skip

            return lease

        publisher = PoolPublisher(worker_bus)
        active, standby = CoordinatorRole(), CoordinatorRole()
        stop_active, stop_standby, stop_worker = asyncio.Event(), asyncio.Event(), asyncio.Event()
        try:
            async with asyncio.TaskGroup() as tasks:
                # Ended by their stops on the way out too, not by cancellation alone.
                guard = tasks.create_task(_set_on_exit(stop_active, stop_standby, stop_worker))
                tasks.create_task(publisher.run(stop_worker))
                first = tasks.create_task(
                    run_coordinator(
                        settings, manifest, access=access, database=database,
                        bus=coordinator_bus, leases=leases("coord-a"), consumer="coord-a",
                        stop=stop_active, role=active,
                    )
                )  # fmt: skip
                await eventually(
                    _holds(lambda: active.state == "active" and active.intake is not None),
                    what="the first coordinator active", timeout_s=60,
                )  # fmt: skip
                # The second one waits: the lease is held.
                second = tasks.create_task(
                    run_coordinator(
                        settings, manifest, access=access, database=database,
                        bus=coordinator_bus, leases=leases("coord-b"), consumer="coord-b",
                        stop=stop_standby, role=standby,
                    )
                )  # fmt: skip
                async with cross_chain_net(
                    devnet, tmp_path / "planning.sqlite", settings.cross_chain.execution
                ) as net:
                    # Each update is published twice. Arbitrum's first; then, once a trader
                    # bought WETH with 2M USDC on Ethereum's V2 pair, Ethereum's first (ETH is
                    # dear there: its first price is the planted one, as a worker started
                    # then would see it). A chain's leg fee needs its native coin priced,
                    # which its first update does as it is detected on: the gap is traded on
                    # Arbitrum's next block (a 100 USDC swap moves its V3 pool).
                    buy = await _update(net.rpcs[BUY], net.chains[BUY])
                    await net.trader_swap(SELL, "uniswap-v2", "USDC", 2_000_000 * 10**6)
                    planted = await _update(net.rpcs[SELL], net.chains[SELL])
                    await net.trader_swap(BUY, "uniswap-v3", "USDC", 100 * 10**6)
                    buy_next = await _update(net.rpcs[BUY], net.chains[BUY])
                    assert buy_next.pools != buy.pools
                    for name, update in ((BUY, buy), (SELL, planted), (BUY, buy_next)):
                        publisher.tap(name, update)
                        publisher.tap(name, update)
                    pools = {BUY: len(buy.pools), SELL: len(planted.pools)}
                    assert active.intake is not None
                    intake = active.intake
                    coordinator = active.coordinator
                    assert coordinator is not None
                    detector = active.detector
                    assert detector is not None
                    try:
                        await eventually(
                            _holds(lambda: bool(coordinator.settled)),
                            what="the cross-chain trade settled",
                            timeout_s=90,
                        )
                    except AssertionError as exc:
                        raise AssertionError(
                            f"{exc}: detector {detector.counters}, intake {intake.counts}, "
                            f"waited for exposure {coordinator.waited_for_exposure}"
                        ) from None
                    settled = coordinator.settled[0]
                    assert settled.status == "done", settled
                    assert (settled.sell.chain, settled.buy.chain) == (SELL, BUY)
                    assert (settled.sell.status, settled.buy.status) == (
                        LegStatus.LANDED, LegStatus.LANDED,
                    )  # fmt: skip
                    assert settled.sell.realized_out == settled.sell.predicted_out
                    assert settled.buy.realized_out == settled.buy.predicted_out
                    # Signed by the inventory account.
                    sent = await net.rpcs[SELL].call(
                        "eth_getTransactionByHash", settled.sell.tx_hash
                    )
                    assert sent["from"].lower() == str(net.chains[SELL].inventory_account).lower()
                    assert len(coordinator.settled) == 1
                    # Six entries published, three blocks applied.
                    assert intake.counts.applied == {BUY: 2, SELL: 1}

                # The curves of both chains, mirrored in Redis.
                mirror = await CurveMirror.connect(settings.redis)
                try:
                    curves = await mirror.get_curves([SELL, BUY], ["ETH"])
                finally:
                    await mirror.close()
                assert {c.chain for c in curves} == {SELL, BUY}
                assert {c.block_number for c in curves if c.chain == SELL} == {planted.block_number}
                assert standby.state == "standby"

                # The active one's lease lapses (as when its process is frozen past the ttl:
                # its key expires): the standby takes it, the active one's renewal fails and
                # it steps down, releasing the inventory leases the standby waits for; the
                # standby loads the whole view.
                await redis.delete(f"{prefix}lease:{COORDINATOR_LEASE}")
                await first
                assert active.lost_lease == COORDINATOR_LEASE
                await eventually(
                    _holds(lambda: standby.state == "active"),
                    what="the standby active",
                    timeout_s=30,
                )
                assert standby.loaded == pools
                assert standby.fencing_token is not None
                assert active.fencing_token is not None
                assert standby.fencing_token > active.fencing_token
                stop_standby.set()
                stop_worker.set()
                await second
                guard.cancel()
            # Both released their leases on the way out: a newcomer takes it at once.
            probe = SignerLease(redis, name=COORDINATOR_LEASE, holder="probe", ttl_s=1.0,
                                key_prefix=prefix)  # fmt: skip
            assert await probe.acquire() is not None
            await probe.release()
        finally:
            stop_active.set()
            stop_standby.set()
            stop_worker.set()
            await worker_bus.close()
            await coordinator_bus.close()
            await redis.aclose()
            database.dispose()
        assert publisher.published == 6
        assert standby.lost_lease is None
