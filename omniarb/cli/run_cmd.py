"""`omniarb run`: the arbitrage bot on the running devnet, or on the networks a file describes
(`--manifest FILE`), with a live view."""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from omniarb.api.inventory import InventorySlot
from omniarb.api.keys_routes import LateKeyRotation
from omniarb.api.state import LiveFigures
from omniarb.bot import cross_chain_records, run_bot, write_summary
from omniarb.chain_pipeline import ChainPipeline
from omniarb.cli import Subparsers
from omniarb.cli._live import LiveView, pool_kinds
from omniarb.cli._loop import add_loop_option, run_on_loop
from omniarb.cli._output import stdout_console
from omniarb.config import NetworkSettings, Settings, load_secrets
from omniarb.core_dumps import disable_core_dumps
from omniarb.custody.network_owner import network_safe_owner
from omniarb.custody.owner import OwnerActions
from omniarb.devnet.bot_access import DevnetAccess
from omniarb.devnet.bot_keys import DevnetBotKeys
from omniarb.devnet.key_rotation import devnet_key_rotation
from omniarb.devnet.record import read_record
from omniarb.devnet.supervise import StopSignals
from omniarb.engine import Engine
from omniarb.errors import ConfigError, NotRunningError
from omniarb.execute.key_pool import KeyPool
from omniarb.execute.signer import Signer
from omniarb.keys.factory import open_backend
from omniarb.keys.rotation_service import KeyRotationService
from omniarb.keys.rotation_setup import rotation_from_settings
from omniarb.monitor.market_view import MarketSnapshot
from omniarb.network import Manifest
from omniarb.services import running_services
from omniarb.store import HistoryStore, resolve_db_url
from omniarb.telemetry import Telemetry
from omniarb.track import ChainBotStats
from omniarb.wiring import NetworkAccess
from omniarb.wiring_keys import chain_signers, inventory_signers

__all__ = [
    "MarketFeed",
    "add_run_options",
    "blocks_reached",
    "register",
    "run_bot_with_view",
    "run_with_view",
    "with_endpoints",
]

log = logging.getLogger(__name__)

# The view renders once a second (`_live._RENDERS_PER_S`): new figures more often are not seen.
_VIEW_REFRESH_S = 1.0


class MarketFeed(Protocol):
    """The devnet's market as the view sees it: `run()` until cancelled, `snapshot()` cheap
    (`MarketProcess`, in its own process, or `MarketActivity`, in this loop)."""

    def snapshot(self) -> MarketSnapshot | None: ...

    async def run(self) -> None: ...


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """`--blocks N --summary FILE --no-uvloop`, shared by `run` and `demo`."""
    parser.add_argument(
        "--blocks", type=int, metavar="N", help="stop after N new blocks on every chain"
    )
    parser.add_argument(
        "--summary", type=Path, metavar="FILE", help="write the run's trades as JSON to FILE"
    )
    add_loop_option(parser)


def blocks_reached(blocks: int | None) -> Callable[[list[ChainBotStats]], bool] | None:
    """A stop condition: every chain's bot has seen `blocks` new blocks."""
    if blocks is None:
        return None
    if blocks < 1:
        raise ConfigError(f"--blocks: expected a number >= 1, got {blocks}")
    return lambda stats: all(chain.blocks_seen >= blocks for chain in stats)


def register(subparsers: Subparsers) -> None:
    """Add the `run` verb."""
    parser = subparsers.add_parser(
        "run",
        help="run the arbitrage bot on the devnet or a described network",
        description="Detect, size, execute and track arbitrage on every chain of the running "
        "devnet (`omniarb devnet up --detach`), or with --manifest FILE on the networks that file "
        "describes (signing with the key of the configured backend, `[keys]`: by default "
        "OMNIARB_PRIVATE_KEY, through each chain's `executor`). "
        "--dry-run simulates each trade with eth_call, records it and sends nothing.",
    )
    parser.add_argument(
        "--manifest",
        type=Path,
        metavar="FILE",
        help="trade on the networks this file describes (devnet manifest format, with an "
        "`executor` per chain) instead of the running devnet",
    )
    parser.add_argument("--dry-run", action="store_true", help="simulate, record, send nothing")
    add_run_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    # Before any key is in memory: a crash of a signing process must not write it to disk.
    disable_core_dumps()
    stop_when = blocks_reached(args.blocks)
    signers: dict[str, Signer] | None = None
    if args.manifest is not None:
        manifest_path: Path = args.manifest
        manifest = with_endpoints(Manifest.read(manifest_path), settings.chains)
        signers = chain_signers(manifest, settings, load_secrets())
    else:
        if settings.chains:
            raise ConfigError(
                "chains: a [chains.NAME] table cannot list a network's tokens, DEX factories and "
                "executor; describe the networks in a file (the devnet manifest's format) and run "
                "`omniarb run --manifest FILE` (the tables then override its RPC URLs)"
            )
        record = read_record()
        if record is None:
            raise NotRunningError(
                "no devnet is running (start one with `omniarb devnet up --detach`, "
                "or describe a network and use --manifest FILE)"
            )
        manifest_path = Path(record.manifest)
        manifest = Manifest.read(manifest_path)
    # The summary's cross-chain trades and transfers are those recorded from this instant.
    started = datetime.now(UTC)
    stats = run_on_loop(
        run_with_view(
            manifest,
            manifest_path,
            settings,
            dry_run=args.dry_run,
            stop_when=stop_when,
            title="omni-arb" + (" (dry run)" if args.dry_run else ""),
            signers=signers,
        ),
        use_uvloop=args.uvloop,
    )
    if args.summary is not None:
        db_url = resolve_db_url(secrets=load_secrets())
        write_summary(args.summary, stats, cross_chain_records(db_url, started))
    return 0


def with_endpoints(manifest: Manifest, networks: Mapping[str, NetworkSettings]) -> Manifest:
    """`manifest` with each chain that has a `[chains.NAME]` table on that table's RPC URLs and
    DEXes: the file says what is deployed, the config where to reach it."""
    names = {chain.name for chain in manifest.chains}
    unknown = [name for name in networks if name not in names]
    if unknown:
        raise ConfigError(
            f"chains.{unknown[0]}: the network description has no chain {unknown[0]!r} "
            f"(it has {', '.join(sorted(names))})"
        )
    chains = []
    for chain in manifest.chains:
        network = networks.get(chain.name)
        if network is not None:
            if network.chain_id != chain.chain_id:
                raise ConfigError(
                    f"chains.{chain.name}.chain_id: {network.chain_id}, but the network "
                    f"description says {chain.chain_id}"
                )
            chain = replace(
                chain,
                rpc_http=network.rpc_urls[0],
                rpc_ws=network.ws_urls[0] if network.ws_urls else chain.rpc_ws,
                dexes=tuple(dex for dex in chain.dexes if dex.name in network.dexes),
            )
        chains.append(chain)
    return Manifest(chains=tuple(chains))


async def run_with_view(
    manifest: Manifest,
    manifest_path: Path,
    settings: Settings,
    *,
    dry_run: bool,
    stop_when: Callable[[list[ChainBotStats]], bool] | None,
    title: str,
    market: MarketFeed | None = None,
    signers: Mapping[str, Signer] | None = None,
) -> list[ChainBotStats]:
    """The bot (and the market, when given) with the live view, until `stop_when`, Ctrl-C or
    SIGTERM. A stop lets the trades in flight settle and flushes the history first.

    `signers` (per chain name) trades on described networks; without them the manifest is the
    devnet's, and the devnet's bot account trades through the executor it deploys."""
    console = stdout_console()
    url = resolve_db_url(secrets=load_secrets())
    store = await asyncio.to_thread(HistoryStore.open, url)
    engines: list[Engine] = []

    def figures() -> LiveFigures:
        return LiveFigures(
            chains=engines[0].stats if engines else [],
            market=market.snapshot() if market else None,
            params=[p.optimizer for p in engines[0].pipelines if p.optimizer is not None]
            if engines
            else [],
        )

    rotation = LateKeyRotation()
    try:
        async with running_services(
            settings,
            store,
            live=figures,
            chains=[c.name for c in manifest.chains],
            key_rotation=rotation,
        ) as services:
            if services.api_url is not None:
                console.print(f"API and dashboard: {services.api_url}/")
            stats = await run_bot_with_view(
                manifest,
                manifest_path,
                settings,
                store=store,
                engines=engines,
                dry_run=dry_run,
                stop_when=stop_when,
                title=title,
                market=market,
                telemetry=services.telemetry,
                signers=signers,
                rotation=rotation,
                inventory=services.inventory,
            )
    finally:
        await store.close()
    return stats


async def run_bot_with_view(
    manifest: Manifest,
    manifest_path: Path,
    settings: Settings,
    *,
    store: HistoryStore,
    engines: list[Engine],
    dry_run: bool,
    stop_when: Callable[[list[ChainBotStats]], bool] | None,
    title: str,
    market: MarketFeed | None,
    telemetry: Telemetry,
    signers: Mapping[str, Signer] | None,
    rotation: LateKeyRotation,
    inventory: InventorySlot | None = None,
) -> list[ChainBotStats]:
    """The bot under the live view until `stop_when` or a stop signal, its key rotation
    attached to `rotation` (the API's) while it runs and detached when the bot returns,
    however it returns: a rotation requested after that answers 503, never runs over the
    stopped pipelines. The cross-chain inventory, when the bot trades across chains, is
    attached to `inventory` (the API's `/cross-chain/inventory`) the same way."""
    console = stdout_console()
    access: DevnetAccess | NetworkAccess = (
        DevnetAccess(
            manifest_path,
            settings.devnet.executor_inventory,
            keys=DevnetBotKeys(manifest_path.parent, backend=settings.keys.backend),
        )
        if signers is None
        else NetworkAccess(
            signers,
            inventory_signers(manifest, settings, load_secrets())
            if settings.cross_chain.enabled
            else None,
        )
    )
    build_rotation = None if dry_run else _key_rotation(manifest, access, settings, store, rotation)
    with StopSignals() as signals, LiveView(console, title, pool_kinds(manifest)) as view:

        def stop(stats: list[ChainBotStats]) -> bool:
            return signals.stopped.is_set() or (stop_when is not None and stop_when(stats))

        def paint(*, final: bool = False) -> None:
            view.update(
                market=market.snapshot() if market else None,
                bots=engines[0].stats if engines else (),
                final=final,
            )

        async def refresh() -> None:
            while True:
                paint()
                await asyncio.sleep(_VIEW_REFRESH_S)

        try:
            async with asyncio.TaskGroup() as tasks:
                background = [tasks.create_task(refresh())]
                if market is not None:
                    background.append(tasks.create_task(market.run()))
                try:
                    stats = await run_bot(
                        manifest,
                        settings,
                        access=access,
                        store=store,
                        dry_run=dry_run,
                        stop_when=stop,
                        on_start=engines.append,
                        telemetry=telemetry,
                        key_rotation=build_rotation,
                        on_cross_chain=None if inventory is None else inventory.attach,
                    )
                finally:
                    rotation.detach()
                    if inventory is not None:
                        inventory.attach(None)
                    for task in background:
                        task.cancel()
        except BaseExceptionGroup as group:
            # The task group wraps the bot's own error (e.g. an executor it may not use); raise
            # it as it was, so the user sees its message and its exit code.
            if len(group.exceptions) == 1:
                raise group.exceptions[0] from None
            raise
        paint(final=True)
    return stats


def _key_rotation(
    manifest: Manifest,
    access: DevnetAccess | NetworkAccess,
    settings: Settings,
    store: HistoryStore,
    late: LateKeyRotation,
) -> Callable[[Engine], Awaitable[KeyRotationService]] | None:
    """The bot's key rotation (`[key_pool]`), attached to the API once built: on the devnet over
    the run's keystore and each chain's Safe; on a described network over the `[keys]` backend
    and the Safe `[treasury] owners` sign for, when they are listed (else none: the API's
    `POST /keys/rotate` answers 503 and says why)."""
    if isinstance(access, DevnetAccess):
        build = devnet_key_rotation(manifest, access.keys, settings.key_pool, store.database)
    else:
        treasury = settings.treasury
        if not treasury.owners or not treasury.relayer:
            log.info(
                "key rotation off: [treasury] owners and relayer (the executor's Safe signers) "
                "are not listed"
            )
            return None
        backend = open_backend(settings, load_secrets())

        async def owner_of(pipeline: ChainPipeline, _pool: KeyPool) -> OwnerActions:
            chain = manifest.chain(pipeline.name)
            return network_safe_owner(treasury, backend, pipeline.rpc, chain)

        async def build(engine: Engine) -> KeyRotationService:
            return await rotation_from_settings(
                engine, settings.key_pool, backend=backend, audit=store.database, owner_of=owner_of
            )

    async def attached(engine: Engine) -> KeyRotationService:
        service = await build(engine)
        late.attach(service)
        return service

    return attached
