"""`omniarb coordinator [--manifest FILE] [--metrics-port N]`: the cross-chain coordinator as a
process of the cluster (`omniarb.cluster.coordinator_role.run_coordinator`): standby until it
holds the coordinator lease, active until it loses it (then standby again) or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from omniarb.cli import Subparsers
from omniarb.cli._loop import add_loop_option, run_on_loop
from omniarb.cli._role import (
    RoleLinks,
    add_metrics_port,
    require_cluster,
)
from omniarb.cli._trading_role import devnet_network, trading_role
from omniarb.cli.run_cmd import with_endpoints
from omniarb.cluster.coordinator_role import CoordinatorRole, run_coordinator
from omniarb.cluster.fence import claims_floor
from omniarb.cluster.lease import SignerLease
from omniarb.cluster.presence import Presence, RoleIdentity, announced
from omniarb.cluster.worker_role import STEP_DOWN_LINE, term_telemetry, worker_settings
from omniarb.config import Settings, load_secrets
from omniarb.core_dumps import disable_core_dumps
from omniarb.crosschain.factory import InventoryAccess
from omniarb.errors import ConfigError
from omniarb.network import Manifest
from omniarb.store import HistoryStore
from omniarb.telemetry import Telemetry
from omniarb.wiring import NetworkAccess
from omniarb.wiring_keys import chain_signers, inventory_signers

__all__ = ["register"]

log = logging.getLogger(__name__)

# How often the registry entry follows the role's state (a heartbeat sends it).
_FOLLOW_S = 0.2


def register(subparsers: Subparsers) -> None:
    """Add the `coordinator` verb."""
    parser = subparsers.add_parser(
        "coordinator",
        help="cross-chain detection and trading as a cluster process (one active, by lease)",
        description="Run the cross-chain coordinator of `omniarb run` as a process of the "
        "cluster: fed every worker's pool updates over the bus, trading with the inventory key "
        "on each chain under a lease per key; one coordinator is active (the coordinator lease), "
        "the others wait as standbys. Needs [redis] enabled and [cross_chain] enabled.",
    )
    parser.add_argument(
        "--manifest",
        type=Path,
        metavar="FILE",
        help="the networks this file describes (default: the running devnet's)",
    )
    add_metrics_port(parser)
    add_loop_option(parser)
    parser.set_defaults(func=run)


def _network(args: argparse.Namespace, settings: Settings) -> tuple[Manifest, InventoryAccess]:
    if args.manifest is not None:
        manifest = with_endpoints(Manifest.read(args.manifest), settings.chains)
        secrets = load_secrets()
        access = NetworkAccess(
            chain_signers(manifest, settings, secrets),
            inventory_signers(manifest, settings, secrets),
        )
        return manifest, access
    return devnet_network(settings)


def run(args: argparse.Namespace, settings: Settings) -> int:
    disable_core_dumps()
    db_url = require_cluster(settings, "coordinator")
    if not settings.cross_chain.enabled:
        raise ConfigError(
            "cross_chain.enabled: `omniarb coordinator` trades across chains; enable "
            "[cross_chain] (the workers run without it)"
        )
    manifest, access = _network(args, settings)
    run_on_loop(_serve(args, settings, manifest, access, db_url), use_uvloop=args.uvloop)
    return 0


async def _serve(
    args: argparse.Namespace,
    settings: Settings,
    manifest: Manifest,
    access: InventoryAccess,
    db_url: str,
) -> None:
    identity = RoleIdentity.of("coordinator")
    chains = [c.name for c in manifest.chains]
    async with trading_role(
        settings, identity, chains=chains, db_url=db_url, metrics_port=args.metrics_port
    ) as role:
        await _terms(
            settings, manifest, access, role.store, role.links, identity, role.current, role.stop
        )


async def _terms(
    settings: Settings,
    manifest: Manifest,
    access: InventoryAccess,
    store: HistoryStore,
    links: RoleLinks,
    identity: RoleIdentity,
    current: list[Telemetry],
    stop: asyncio.Event,
) -> None:
    """Standby, active, standby again after a lost lease, until `stop`."""
    presence = Presence(identity)
    # The role's own hub and breakers: no API, no Redis forwarder (as a worker's).
    telemetry = term_telemetry(
        worker_settings(settings), store, [c.name for c in manifest.chains], current
    )

    def lease(name: str) -> SignerLease:
        return SignerLease(
            links.client,
            name=name,
            holder=identity.id,
            ttl_s=settings.cluster.lease_ttl_s,
            key_prefix=settings.redis.key_prefix,
            floor=_floor(store, manifest, name),
            where=settings.redis.url,
        )

    async with announced(links.registry, presence):
        while not stop.is_set():
            role = CoordinatorRole()
            following = asyncio.create_task(_follow(role, presence, links))
            try:
                async with telemetry() as hooks:
                    role = await run_coordinator(
                        settings,
                        manifest,
                        access=access,
                        database=store.database,
                        bus=links.bus,
                        leases=lease,
                        consumer=identity.id,
                        stop=stop,
                        telemetry=hooks,
                        role=role,
                    )
            finally:
                following.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await following
            if role.lost_lease is not None:
                log.warning("coordinator: %s (%s)", STEP_DOWN_LINE, role.lost_lease)


def _floor(store: HistoryStore, manifest: Manifest, name: str) -> Callable[[], Awaitable[int]]:
    """A lease's floor: for an inventory key's (`inventory:{chain}:{address}`), the largest
    fencing token the history stored for that chain's claims; none for the coordinator's own
    (it signs nothing itself)."""
    parts = name.split(":")
    chain = next((c for c in manifest.chains if len(parts) == 3 and c.name == parts[1]), None)
    if chain is not None:
        return claims_floor(store.submissions, chain_id=chain.chain_id)

    async def none() -> int:
        return 0

    return none


async def _follow(role: CoordinatorRole, presence: Presence, links: RoleLinks) -> None:
    """Keep the registry entry on the role's state; a change is announced at once."""
    while True:
        state = "standby" if role.state == "starting" else role.state
        token = role.fencing_token if role.state == "active" else None
        if (state, token) != (presence.state, presence.fencing_token):
            presence.state, presence.fencing_token = state, token
            await presence.announce(links.registry)
        await asyncio.sleep(_FOLLOW_S)
