"""`omniarb coordinator`: the cross-chain coordinator as a process of its own, fed the workers'
pool updates over the bus.

The same coordinator, detector and trader as in `omniarb run` (`omniarb.crosschain`); only the
wiring differs. In one process the engine taps each chain's updates into the coordinator; here
each worker publishes them to the `POOLS` stream (`omniarb.bus.pool_feed`) and this role consumes
it in the consumer group `coordinator`, applying each block once (`pool_intake`).

Exactly one coordinator is active. A standby waits for the lease `coordinator`, and joins the
consumer group only once it holds it (a standby reading the stream would take entries the active
one never sees). Once active it takes the lease of the inventory key on each chain it trades
(`inventory:{chain}:{address}`); its legs and its rebalancer sign only while those are held
(`fenced_access`). A lease it cannot renew makes it step down: it stops consuming, cancels its
work (trades in flight are recorded as sent, pending, as in `omniarb run`) and returns; the
process supervisor restarts it as a standby.

The view lives in Redis (`[redis]`): every pool state it applies is kept there before its entry
is acknowledged (`pool_snapshot`), so the coordinator taking over loads the whole view before it
consumes; the curves it prices are mirrored (`curve_outbox`), so the API and the workers share
them.

    await run_coordinator(settings, manifest, access=access, database=db, bus=bus,
                          leases=lambda name: SignerLease(client, name=name, holder=me,
                                                          ttl_s=settings.cluster.lease_ttl_s),
                          consumer="coordinator-a", stop=stop)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Literal

from omniarb.bot import rpc_client
from omniarb.bus.curve_mirror import CurveMirror
from omniarb.bus.streams import POOLS, StreamBus
from omniarb.chains.assets import AssetRegistry
from omniarb.cluster.curve_outbox import CurveOutbox, MirroredDetector
from omniarb.cluster.fenced_access import FencedInventoryAccess, inventory_lease_name
from omniarb.cluster.lease import LeaseStoppedError, SignerLease
from omniarb.cluster.pool_intake import PoolIntake
from omniarb.cluster.pool_snapshot import PoolSnapshot
from omniarb.config import Settings
from omniarb.crosschain.coordinator import CrossChainCoordinator, CrossChainDetectorLike
from omniarb.crosschain.factory import InventoryAccess, build_coordinator
from omniarb.detect.cross_chain import CrossChainDetector
from omniarb.errors import RetryableError
from omniarb.network import Manifest
from omniarb.store.database import HistoryDatabase
from omniarb.telemetry import Telemetry

__all__ = [
    "COORDINATOR_GROUP",
    "COORDINATOR_LEASE",
    "CoordinatorRole",
    "run_coordinator",
]

log = logging.getLogger(__name__)

COORDINATOR_LEASE = "coordinator"
COORDINATOR_GROUP = "coordinator"

RoleState = Literal["starting", "standby", "active", "stepping-down"]


@dataclass(slots=True)
class CoordinatorRole:
    """The role's parts and state while it runs (what the registry and the tests read)."""

    state: RoleState = "starting"
    fencing_token: int | None = None
    coordinator: CrossChainCoordinator | None = None
    intake: PoolIntake | None = None
    detector: CrossChainDetector | None = None
    outbox: CurveOutbox | None = None
    lost_lease: str | None = None
    # Pools per chain loaded from the kept view when it became active.
    loaded: dict[str, int] = field(default_factory=dict)


async def run_coordinator(
    settings: Settings,
    manifest: Manifest,
    *,
    access: InventoryAccess,
    database: HistoryDatabase,
    bus: StreamBus,
    leases: Callable[[str], SignerLease],
    consumer: str,
    stop: asyncio.Event,
    telemetry: Telemetry | None = None,
    role: CoordinatorRole | None = None,
) -> CoordinatorRole:
    """Wait for the coordinator lease, then coordinate until `stop` is set or a lease is lost;
    returns the role (its `lost_lease` names the lease lost, None when `stop` ended it).

    `leases(name)` makes the lease `name` held by this process; `consumer` names it in the
    consumer group. The kept view and the curves are in `settings.redis`. `role` (made here
    when None) is filled in as the role goes, for whoever watches it.
    """
    role = role or CoordinatorRole()
    role.state = "standby"
    held: dict[str, SignerLease] = {}
    lost: dict[str, asyncio.Event] = {}
    try:
        async with asyncio.TaskGroup() as keeping:
            # Each lease is renewed from the moment it is held: building the coordinator
            # (reading the inventory, loading the view) may take longer than a ttl.
            keepers: list[asyncio.Task[None]] = []

            async def hold(name: str) -> int | None:
                lease = leases(name)
                token = await _acquire(lease, stop)
                if token is not None:
                    held[name], lost[name] = lease, asyncio.Event()
                    keepers.append(keeping.create_task(lease.keep(lost[name])))
                return token

            token = await hold(COORDINATOR_LEASE)
            names = [
                inventory_lease_name(chain.name, chain.inventory_account)
                for chain in manifest.chains
                if chain.inventory_account
            ]
            if token is not None and all([await hold(name) is not None for name in names]):
                role.fencing_token = token
                await _coordinate(
                    settings,
                    manifest,
                    access=FencedInventoryAccess(access, held),
                    database=database,
                    bus=bus,
                    lost=lost,
                    consumer=consumer,
                    stop=stop,
                    telemetry=telemetry,
                    role=role,
                )
            for keeper in keepers:
                keeper.cancel()
        return role
    finally:
        role.state = "stepping-down"
        for name, lease in held.items():
            if lease.valid():
                try:
                    await lease.release()
                except RetryableError as exc:  # it lapses by itself after its ttl
                    log.warning("coordinator %s: releasing %s failed: %s", consumer, name, exc)


async def _acquire(lease: SignerLease, stop: asyncio.Event) -> int | None:
    """The lease's fencing token once acquired, None if `stop` came first (`wait_acquire`
    polls every quarter of the ttl)."""
    try:
        return await lease.wait_acquire(stop)
    except LeaseStoppedError:
        return None


async def _coordinate(
    settings: Settings,
    manifest: Manifest,
    *,
    access: InventoryAccess,
    database: HistoryDatabase,
    bus: StreamBus,
    lost: dict[str, asyncio.Event],
    consumer: str,
    stop: asyncio.Event,
    telemetry: Telemetry | None,
    role: CoordinatorRole,
) -> None:
    """The active coordinator: load the kept view, then consume, detect and trade until `stop`
    or a lost lease."""
    detector = role.detector = CrossChainDetector(
        settings.cross_chain,
        AssetRegistry.from_manifest(manifest, settings.cross_chain.equivalent_assets),
    )
    # Set when this process must stop consuming: `stop`, or a lease lost.
    done = asyncio.Event()
    async with AsyncExitStack() as stack:
        mirror = await CurveMirror.connect(settings.redis)
        stack.push_async_callback(mirror.close)
        snapshot = await PoolSnapshot.connect(settings.redis)
        stack.push_async_callback(snapshot.close)
        outbox = role.outbox = CurveOutbox(mirror)
        called: CrossChainDetectorLike = MirroredDetector(detector, outbox)
        rpcs = {
            chain.name: await stack.enter_async_context(rpc_client(chain, settings, telemetry))
            for chain in manifest.chains
        }
        coordinator = role.coordinator = await build_coordinator(
            manifest,
            settings,
            rpcs=rpcs,
            access=access,
            database=database,
            detector=called,
            telemetry=telemetry,
            stack=stack,
        )
        intake = role.intake = PoolIntake(feed=coordinator.feed, keep=snapshot.record)
        # The whole view first: the stream holds only what changed since it was kept.
        for chain, update in await snapshot.load():
            await coordinator.feed(chain, update)
            intake.blocks.record(chain, update.block_number, update.block_hash)
            role.loaded[chain] = len(update.pools)
        if any(event.is_set() for event in lost.values()) or stop.is_set():
            role.lost_lease = next((n for n, e in lost.items() if e.is_set()), None)
            return
        role.state = "active"
        log.info("coordinator active as %s (fencing token %s)", consumer, role.fencing_token)
        reader = bus.consumer(POOLS, group=COORDINATOR_GROUP, consumer=consumer)
        async with asyncio.TaskGroup() as tasks:
            beside = [tasks.create_task(coordinator.run())]
            tasks.create_task(outbox.run(done))
            consuming = tasks.create_task(reader.run(intake.handle, stop=done))
            watched = [asyncio.ensure_future(stop.wait())]
            watched += [asyncio.ensure_future(event.wait()) for event in lost.values()]
            try:
                await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiting in watched:
                    waiting.cancel()
                role.lost_lease = next((n for n, e in lost.items() if e.is_set()), None)
                if role.lost_lease is not None:
                    log.warning("coordinator %s lost the lease %s: stepping down", consumer,
                                role.lost_lease)  # fmt: skip
                role.state = "stepping-down"
                done.set()
                await asyncio.wait((consuming,), timeout=settings.cluster.lease_ttl_s)
                # The trades in flight are recorded as sent (pending) already.
                for task in (*beside, consuming):
                    task.cancel()
