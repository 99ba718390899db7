"""`omniarb run`: the arbitrage bot on the running devnet, with a live view."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from pathlib import Path

from omniarb.api.state import LiveFigures
from omniarb.bot import run_bot, write_summary
from omniarb.cli import Subparsers
from omniarb.cli._live import LiveView
from omniarb.cli._output import stdout_console
from omniarb.config import Settings, load_secrets
from omniarb.devnet.manifest import Manifest
from omniarb.devnet.market import MarketActivity
from omniarb.devnet.record import read_record
from omniarb.devnet.supervise import StopSignals
from omniarb.engine import Engine
from omniarb.errors import ConfigError, NotRunningError
from omniarb.services import running_services
from omniarb.store import HistoryStore, resolve_db_url
from omniarb.telemetry import Telemetry
from omniarb.track import ChainBotStats

__all__ = ["add_run_options", "blocks_reached", "register"]

_VIEW_REFRESH_S = 0.25


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """`--blocks N --summary FILE`, shared by `run` and `demo`."""
    parser.add_argument(
        "--blocks", type=int, metavar="N", help="stop after N new blocks on every chain"
    )
    parser.add_argument(
        "--summary", type=Path, metavar="FILE", help="write the run's trades as JSON to FILE"
    )


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
        help="run the arbitrage bot on the running devnet",
        description="Detect, size, execute and track arbitrage on every chain of the running "
        "devnet (`omniarb devnet up --detach`). --dry-run simulates each trade with eth_call, "
        "records it and sends nothing.",
    )
    parser.add_argument("--dry-run", action="store_true", help="simulate, record, send nothing")
    add_run_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if settings.chains:
        raise ConfigError(
            "chains: trading on real networks needs an executor contract and DEX registry per "
            "network, which this release does not configure yet; run on the devnet"
        )
    stop_when = blocks_reached(args.blocks)
    record = read_record()
    if record is None:
        raise NotRunningError("no devnet is running (start one with `omniarb devnet up --detach`)")
    manifest_path = Path(record.manifest)
    manifest = Manifest.read(manifest_path)
    stats = asyncio.run(
        run_with_view(
            manifest,
            manifest_path,
            settings,
            dry_run=args.dry_run,
            stop_when=stop_when,
            title="omni-arb" + (" (dry run)" if args.dry_run else ""),
        )
    )
    if args.summary is not None:
        write_summary(args.summary, stats)
    return 0


async def run_with_view(
    manifest: Manifest,
    manifest_path: Path,
    settings: Settings,
    *,
    dry_run: bool,
    stop_when: Callable[[list[ChainBotStats]], bool] | None,
    title: str,
    market: MarketActivity | None = None,
) -> list[ChainBotStats]:
    """The bot (and the market, when given) with the live view, until `stop_when`, Ctrl-C or
    SIGTERM. A stop lets the trades in flight settle and flushes the history first."""
    console = stdout_console()
    url = resolve_db_url(secrets=load_secrets())
    store = await asyncio.to_thread(HistoryStore.open, url)
    engines: list[Engine] = []

    def figures() -> LiveFigures:
        return LiveFigures(
            chains=engines[0].stats if engines else [],
            market=market.snapshot() if market else None,
        )

    try:
        async with running_services(
            settings, store, live=figures, chains=[c.name for c in manifest.chains]
        ) as services:
            if services.api_url is not None:
                console.print(f"API and dashboard: {services.api_url}/")
            stats = await _run_with_view(
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
            )
    finally:
        await store.close()
    return stats


async def _run_with_view(
    manifest: Manifest,
    manifest_path: Path,
    settings: Settings,
    *,
    store: HistoryStore,
    engines: list[Engine],
    dry_run: bool,
    stop_when: Callable[[list[ChainBotStats]], bool] | None,
    title: str,
    market: MarketActivity | None,
    telemetry: Telemetry,
) -> list[ChainBotStats]:
    console = stdout_console()
    with StopSignals() as signals, LiveView(console, title) as view:

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

        async with asyncio.TaskGroup() as tasks:
            background = [tasks.create_task(refresh())]
            if market is not None:
                background.append(tasks.create_task(market.run()))
            try:
                stats = await run_bot(
                    manifest,
                    manifest_path,
                    settings,
                    store=store,
                    dry_run=dry_run,
                    stop_when=stop,
                    on_start=engines.append,
                    telemetry=telemetry,
                )
            finally:
                for task in background:
                    task.cancel()
        paint(final=True)
    return stats
