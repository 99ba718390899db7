"""`omniarb worker --chain NAME [--manifest FILE] [--metrics-port N]`: one chain's pipeline as a
process of the cluster, active while it holds the chain's signer lease, standby otherwise
(`omniarb.cluster.worker_role`)."""

from __future__ import annotations

import argparse
import asyncio
import logging
from pathlib import Path

from omniarb.bus.live_relay import publish_hub
from omniarb.bus.pool_feed import PoolPublisher
from omniarb.cli import Subparsers
from omniarb.cli._loop import add_loop_option, run_on_loop
from omniarb.cli._role import (
    RoleLinks,
    add_metrics_port,
    require_cluster,
)
from omniarb.cli._trading_role import devnet_network, trading_role
from omniarb.cli.run_cmd import with_endpoints
from omniarb.cluster.fence import claims_floor
from omniarb.cluster.lease import SignerLease
from omniarb.cluster.presence import Presence, RoleIdentity, announced
from omniarb.cluster.worker_role import WorkerWiring, run_worker, term_telemetry, worker_settings
from omniarb.config import Settings, load_secrets
from omniarb.core_dumps import disable_core_dumps
from omniarb.network import ChainManifest, Manifest
from omniarb.store import HistoryStore
from omniarb.telemetry import Telemetry
from omniarb.wiring import ChainAccess, NetworkAccess
from omniarb.wiring_keys import chain_signers

__all__ = ["register"]

log = logging.getLogger(__name__)


def register(subparsers: Subparsers) -> None:
    """Add the `worker` verb."""
    parser = subparsers.add_parser(
        "worker",
        help="one chain's pipeline as a cluster process (active/standby by signer lease)",
        description="Run one chain's pipeline (the stages of `omniarb run`) as a process of the "
        "cluster: standby until it holds the chain's signer lease, then active; back to standby "
        "if the lease is lost. Its history goes to the shared PostgreSQL (OMNIARB_DB_URL), its "
        "live events and pool updates to the Redis bus. Needs [redis] enabled. SIGTERM releases "
        "the lease (the standby takes over at once) and exits 0.",
    )
    parser.add_argument("--chain", required=True, metavar="NAME", help="the chain to serve")
    parser.add_argument(
        "--manifest",
        type=Path,
        metavar="FILE",
        help="the networks this file describes, as `omniarb run --manifest` (default: the "
        "running devnet's)",
    )
    parser.add_argument("--dry-run", action="store_true", help="simulate, record, send nothing")
    add_metrics_port(parser)
    add_loop_option(parser)
    parser.set_defaults(func=run)


def _chain_and_access(args: argparse.Namespace, settings: Settings) -> tuple[Manifest, ChainAccess]:
    """The manifest of the one chain served, and who signs on it through which executor."""
    if args.manifest is not None:
        full = with_endpoints(Manifest.read(args.manifest), settings.chains)
        manifest = Manifest(chains=(full.chain(args.chain),))
        return manifest, NetworkAccess(chain_signers(manifest, settings, load_secrets()))
    network, access = devnet_network(settings)
    return Manifest(chains=(network.chain(args.chain),)), access


def _lease(
    links: RoleLinks,
    store: HistoryStore,
    chain: ChainManifest,
    address: str,
    holder: str,
    settings: Settings,
) -> SignerLease:
    """The lease on `chain`'s signing key, its tokens above every one the shared history
    stored for the chain (monotonic even if Redis lost its keys)."""

    return SignerLease(
        links.client,
        name=f"{chain.name}:{address}",
        holder=holder,
        ttl_s=settings.cluster.lease_ttl_s,
        key_prefix=settings.redis.key_prefix,
        floor=claims_floor(store.submissions, chain_id=chain.chain_id),
        where=settings.redis.url,
    )


async def _lifetime(
    args: argparse.Namespace,
    settings: Settings,
    manifest: Manifest,
    access: ChainAccess,
    store: HistoryStore,
    links: RoleLinks,
    identity: RoleIdentity,
    current: list[Telemetry],
    stop: asyncio.Event,
) -> None:
    """Announced in the registry, publishing the pool updates, serving the chain as its lease
    allows until `stop`."""
    (chain,) = manifest.chains
    presence = Presence(identity)
    publisher = PoolPublisher(links.bus)
    wiring = WorkerWiring(
        lease=_lease(links, store, chain, access.signer(chain).address, identity.id, settings),
        registry=links.registry,
        presence=presence,
        telemetry=term_telemetry(settings, store, [chain.name], current),
        relay=lambda hub: publish_hub(hub, links.bus, identity.id),
        pool_tap=publisher.tap,
    )
    published = asyncio.Event()
    async with announced(links.registry, presence), asyncio.TaskGroup() as tasks:
        tasks.create_task(publisher.run(published))
        try:
            await run_worker(
                manifest,
                settings,
                access=access,
                store=store,
                wiring=wiring,
                stop=stop,
                dry_run=args.dry_run,
            )
        finally:
            published.set()  # what is queued still goes out, then the bus flushes on close


def run(args: argparse.Namespace, settings: Settings) -> int:
    # Before any key is in memory: a crash of a signing process must not write it to disk.
    disable_core_dumps()
    db_url = require_cluster(settings, "worker")
    manifest, access = _chain_and_access(args, settings)
    run_on_loop(_serve(args, settings, manifest, access, db_url), use_uvloop=args.uvloop)
    return 0


async def _serve(
    args: argparse.Namespace,
    settings: Settings,
    manifest: Manifest,
    access: ChainAccess,
    db_url: str,
) -> None:
    (chain,) = manifest.chains
    identity = RoleIdentity.of("worker", chain=chain.name)
    signer = access.signer(chain)
    async with trading_role(
        settings, identity, chains=[chain.name], db_url=db_url, metrics_port=args.metrics_port
    ) as role:
        log.info("worker %s signs as %s", identity.id, signer.address)
        await _lifetime(
            args, worker_settings(settings), manifest, access, role.store, role.links, identity,
            role.current, role.stop,
        )  # fmt: skip
    log.info("worker %s stopped", identity.id)
