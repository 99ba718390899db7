"""`omniarb demo`: the five-chain devnet with market activity and a live view of every chain."""

from __future__ import annotations

import argparse
import asyncio
import logging

from omniarb.cli import Subparsers
from omniarb.cli._live import LiveView
from omniarb.cli._output import stdout_console
from omniarb.cli.devnet_cmd import devnet_from_settings, market_params
from omniarb.config import Settings
from omniarb.devnet.market import MarketActivity, MarketSnapshot
from omniarb.devnet.supervise import StopSignals, chain_heads, ensure_not_running, published

__all__ = ["register"]

log = logging.getLogger(__name__)

_VIEW_REFRESH_S = 0.25


def register(subparsers: Subparsers) -> None:
    """Add the `demo` verb."""
    parser = subparsers.add_parser(
        "demo",
        help="start the devnet and market activity, with a live view (Ctrl-C stops)",
        description="Start the local five-chain devnet, simulated traders on every chain, and a "
        "live view per chain. Runs until Ctrl-C, or until every chain has mined --blocks blocks.",
    )
    parser.add_argument(
        "--blocks", type=int, metavar="N", help="stop after N new blocks on every chain"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.blocks is not None and args.blocks < 1:
        raise SystemExit("error: --blocks must be at least 1")
    asyncio.run(_demo(settings, blocks=args.blocks))
    return 0


def _done(snapshot: MarketSnapshot, start: dict[str, int | None], blocks: int | None) -> bool:
    if blocks is None:
        return False
    return all(
        stats.block_number - (start.get(stats.chain) or 0) >= blocks for stats in snapshot.chains
    )


async def _demo(settings: Settings, *, blocks: int | None) -> None:
    console = stdout_console()
    ensure_not_running()
    devnet = devnet_from_settings(settings)
    with StopSignals() as signals:
        async with devnet:
            with published(devnet):
                manifest = devnet.manifest
                console.print(
                    f"devnet up: {', '.join(c.name for c in manifest.chains)} "
                    f"(manifest {devnet.manifest_path})"
                )
                start = await chain_heads({c.name: c.rpc_http for c in manifest.chains})
                market = MarketActivity(manifest, market_params(settings))
                with LiveView(console, "omni-arb demo: devnet market") as view:
                    await signals.wait(_watch(market, view, start, blocks))
                    view.update(market.snapshot(), final=True)
    console.print("demo stopped; every chain shut down")


async def _watch(
    market: MarketActivity, view: LiveView, start: dict[str, int | None], blocks: int | None
) -> None:
    """Run the market and refresh the view until `blocks` new blocks on every chain."""
    async with asyncio.TaskGroup() as group:
        trading = group.create_task(market.run())
        while not trading.done():
            snapshot = market.snapshot()
            view.update(snapshot)
            if _done(snapshot, start, blocks):
                trading.cancel()
                break
            await asyncio.sleep(_VIEW_REFRESH_S)
