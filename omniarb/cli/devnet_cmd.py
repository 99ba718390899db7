"""`omniarb devnet up [--detach] | status [--json] | down | market | relay`: the local chains."""

from __future__ import annotations

import argparse
import asyncio
import json
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.table import Table

from omniarb.cli import Subparsers
from omniarb.cli._output import add_json_flag, emit_json, stdout_console
from omniarb.config import Settings
from omniarb.devnet.bridges import AcrossParams
from omniarb.devnet.market import MarketActivity, MarketParams
from omniarb.devnet.network import Devnet
from omniarb.devnet.record import read_record
from omniarb.devnet.supervise import (
    StopSignals,
    chain_heads,
    serve,
    spawn_detached,
    stop_running,
)
from omniarb.errors import ConfigError, NotRunningError
from omniarb.network import Manifest

if TYPE_CHECKING:
    from omniarb.devnet.rivals import RivalsParams

__all__ = ["across_params", "devnet_from_settings", "market_params", "register", "rivals_params"]


def devnet_from_settings(settings: Settings) -> Devnet:
    """A `Devnet` for the enabled chains of the configuration."""
    config = settings.devnet
    return Devnet(
        block_times_s={c.name: config.chains[c.name].block_time_s for c in config.enabled_chains()},
        relays=[c.name for c in config.enabled_chains() if config.chains[c.name].relay],
        host=config.host,
        use_cache=config.cache,
        anvil_path=config.anvil_path,
        scale=config.scale,
        traps=config.traps,
        canonical_delay_s=config.bridges.canonical_delay_s,
        bridges=config.bridges.enabled,
        across=across_params(settings),
    )


def across_params(settings: Settings) -> AcrossParams:
    """The devnet Across relayer's parameters from the `[devnet.bridges]` table."""
    bridges = settings.devnet.bridges
    return AcrossParams(
        delay_s=bridges.across_delay_s,
        fee_bps=bridges.across_fee_bps,
        fixed_fee_usd=Fraction(str(bridges.across_fixed_fee_usd)),
    )


def market_params(settings: Settings) -> MarketParams:
    """The market activity's parameters from the `[market]` table."""
    market = settings.market
    return MarketParams(
        seed=market.seed,
        swaps_per_block=market.swaps_per_block,
        whale_probability=market.whale_probability,
        volatility_bps=market.volatility_bps,
        traders=market.traders,
    )


def rivals_params(settings: Settings) -> RivalsParams:
    """The rival searchers' parameters from the `[devnet.rivals]` table."""
    # Imported here: the rivals load the bot's detector, which no other devnet verb needs.
    from omniarb.devnet.rivals import RivalsParams

    rivals = settings.devnet.rivals
    return RivalsParams(seed=rivals.seed, count=rivals.count, presets=tuple(rivals.presets))


def register(subparsers: Subparsers) -> None:
    """Add `devnet` with its verbs."""
    parser = subparsers.add_parser("devnet", help="start, inspect and stop the local chains")
    verbs = parser.add_subparsers(dest="devnet_verb", required=True, metavar="VERB")

    up = verbs.add_parser("up", help="start the chains (foreground until Ctrl-C, or --detach)")
    up.add_argument("--detach", action="store_true", help="run in the background and return")
    up.set_defaults(func=_up)

    status = verbs.add_parser("status", help="is a devnet running, where, at which blocks")
    add_json_flag(status)
    status.set_defaults(func=_status)

    down = verbs.add_parser("down", help="stop the running devnet")
    down.set_defaults(func=_down)

    market = verbs.add_parser(
        "market", help="run simulated traders on the running devnet (until Ctrl-C or --steps)"
    )
    market.add_argument("--steps", type=int, metavar="N", help="stop after N steps per chain")
    market.add_argument("--seed", type=int, help="override market.seed")
    market.set_defaults(func=_market)

    relay = verbs.add_parser(
        "relay",
        help="run a Flashbots-style bundle relay that builds one chain's blocks (until Ctrl-C)",
    )
    relay.add_argument("--chain", default="ethereum", help="the chain it builds (default ethereum)")
    relay.add_argument("--host", default="127.0.0.1", help="address to listen on")
    relay.add_argument("--port", type=int, default=0, metavar="N", help="port (default: any free)")
    relay.add_argument(
        "--block-time",
        type=float,
        metavar="S",
        help="seconds per block (default: the chain's; 1 for an automine chain)",
    )
    relay.set_defaults(func=_relay)


def _table(rows: list[dict[str, Any]], title: str) -> Table:
    table = Table(title=title)
    for column in ("chain", "chain id", "rpc", "block time", "block"):
        table.add_column(column)
    for row in rows:
        block_time = row.get("block_time_s")
        table.add_row(
            row["name"],
            str(row["chain_id"]),
            row["rpc_http"],
            f"{block_time:g} s" if block_time else "auto",
            "-" if row.get("block") is None else str(row["block"]),
        )
    return table


def _up(args: argparse.Namespace, settings: Settings) -> int:
    console = stdout_console()
    if args.detach:
        argv = ["devnet", "up"]
        if args.config is not None:
            argv = ["--config", str(args.config), *argv]
        record = spawn_detached(argv)
        console.print(f"devnet running in the background (pid {record.pid})")
        console.print(f"manifest: {record.manifest}")
        console.print("stop it with `omniarb devnet down`")
        return 0

    def ready(devnet: Devnet) -> None:
        rows = [
            {
                "name": c.name,
                "chain_id": c.chain_id,
                "rpc_http": c.rpc_http,
                "block_time_s": c.block_time_s,
            }
            for c in devnet.manifest.chains
        ]
        console.print(_table(rows, "omni-arb devnet"))
        console.print(f"manifest: {devnet.manifest_path}")
        console.print("Ctrl-C stops the chains")

    asyncio.run(serve(devnet_from_settings(settings), on_ready=ready))
    return 0


def _status(args: argparse.Namespace, settings: Settings) -> int:
    record = read_record()
    if record is None:
        if args.json:
            emit_json({"running": False})
        raise NotRunningError("no devnet is running (start one with `omniarb devnet up --detach`)")
    manifest = json.loads(Path(record.manifest).read_text())
    heads = asyncio.run(chain_heads(record.rpc_http))
    chains = [
        {
            "name": c["name"],
            "chain_id": c["chain_id"],
            "rpc_http": c["rpc_http"],
            "rpc_ws": c["rpc_ws"],
            "block_time_s": c.get("block_time_s"),
            "block": heads.get(c["name"]),
            "pools": len(c["pools"]),
        }
        for c in manifest["chains"]
    ]
    if args.json:
        emit_json(
            {"running": True, "pid": record.pid, "manifest": record.manifest, "chains": chains}
        )
    else:
        console = stdout_console()
        console.print(_table(chains, f"devnet (pid {record.pid})"))
        console.print(f"manifest: {record.manifest}")
    return 0


def _down(args: argparse.Namespace, settings: Settings) -> int:
    record = stop_running()
    stdout_console().print(f"devnet (pid {record.pid}) stopped")
    return 0


def _market(args: argparse.Namespace, settings: Settings) -> int:
    record = read_record()
    if record is None:
        raise NotRunningError("no devnet is running (start one with `omniarb devnet up --detach`)")
    params = market_params(settings)
    if args.seed is not None:
        params = replace(params, seed=args.seed)
    market = MarketActivity(Manifest.read(Path(record.manifest)), params)
    console = stdout_console()
    console.print(f"market on {', '.join(market.chains)} (seed {params.seed}); Ctrl-C stops")

    async def trade() -> None:
        with StopSignals() as signals:
            await signals.wait(market.run(steps=args.steps))

    asyncio.run(trade())
    for stats in market.snapshot().chains:
        console.print(
            f"{stats.chain:<9} block {stats.block_number:>6}  swaps mined {stats.swaps_mined}"
            f"  failed {stats.swaps_failed}"
        )
    return 0


def _relay(args: argparse.Namespace, settings: Settings) -> int:
    # Imported here: the relay decodes transactions with eth_account, slow to import, and
    # only this verb needs it.
    from omniarb.devnet.relay import RelayServer

    record = read_record()
    if record is None:
        raise NotRunningError("no devnet is running (start one with `omniarb devnet up --detach`)")
    chain = Manifest.read(Path(record.manifest)).chain(args.chain)
    if chain.relay_url is not None:
        raise ConfigError(
            f"a relay already builds {chain.name}'s blocks, at {chain.relay_url} "
            f"([devnet.chains.{chain.name}] relay = true)"
        )
    block_time_s = args.block_time or chain.block_time_s or 1.0
    if block_time_s <= 0:
        raise ConfigError(f"--block-time must be positive, got {block_time_s:g}")
    console = stdout_console()

    async def run() -> None:
        with StopSignals() as signals:
            async with RelayServer(
                chain.rpc_http,
                chain_id=chain.chain_id,
                block_time_s=block_time_s,
                restore_block_time_s=chain.block_time_s,
                host=args.host,
                port=args.port,
            ) as relay:
                console.print(
                    f"relay for {chain.name} (chain {chain.chain_id}) on {relay.url}: it builds "
                    f"a block every {block_time_s:g} s; Ctrl-C stops it and gives mining back. "
                    "The node orders its pool by tip, so a bundle lands first only as far as its "
                    "tips allow: for exact order start the devnet with "
                    f"[devnet.chains.{chain.name}] relay = true instead"
                )
                await signals.stopped.wait()
                stats = relay.stats()
        dropped = ", ".join(f"{k} {v}" for k, v in sorted(stats.dropped_by_reason.items()))
        console.print(
            f"bundles received {stats.bundles_received}, simulated {stats.bundles_simulated}, "
            f"included {stats.bundles_included}, dropped {stats.bundles_dropped}"
            + (f" ({dropped})" if dropped else "")
            + f"; blocks built {stats.blocks_built}"
        )

    asyncio.run(run())
    return 0
