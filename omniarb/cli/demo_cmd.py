"""`omniarb demo`: the five-chain devnet, market activity, and the bot trading the gaps it opens,
with a live view of every chain."""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from omniarb.bot import cross_chain_records, write_summary
from omniarb.cli import Subparsers
from omniarb.cli._loop import run_on_loop
from omniarb.cli._output import stdout_console
from omniarb.cli.demo_train import DemoTrainer
from omniarb.cli.demo_treasury import DemoTreasury
from omniarb.cli.devnet_cmd import devnet_from_settings, market_params, rivals_params
from omniarb.cli.run_cmd import add_run_options, blocks_reached, run_with_view
from omniarb.config import (
    BandSettings,
    CrossChainSettings,
    OptimizeSettings,
    ParamBounds,
    RebalanceSettings,
    Settings,
    load_secrets,
)
from omniarb.core_dumps import disable_core_dumps
from omniarb.devnet.market.process import MarketProcess, RivalsProcess
from omniarb.devnet.supervise import ensure_not_running, published, spawn_detached
from omniarb.errors import DevnetError
from omniarb.network import Manifest
from omniarb.store import resolve_db_url
from omniarb.track import ChainBotStats

StopWhen = Callable[[list[ChainBotStats]], bool] | None

__all__ = [
    "DEMO_CROSS_CHAIN",
    "DEMO_OPTIMIZE",
    "DEMO_REBALANCE",
    "DEMO_RELOAD_S",
    "demo_settings",
    "register",
]

# The optimizer the demo runs unless `[optimize]` is configured: online, tuning the bribe share
# (Ethereum's bundles; 5,000 bps by default) and the USD floor (0.01 by default) around their
# defaults, 4 trades per measurement so changes show within minutes.
DEMO_OPTIMIZE = OptimizeSettings(
    online=True,
    min_samples=4,
    bounds={
        "bribe_share_bps": ParamBounds(min=1000, max=9000, step=2000),
        "min_net_profit_usd": ParamBounds(min=0.01, max=0.05, step=0.02),
    },
)

# How often the demo's bot looks for a newer model unless `[score] reload_s` is set: the model
# the demo trains while it runs (`demo_train`) is in use within seconds.
DEMO_RELOAD_S = 10.0

# The cross-chain trading the demo runs unless `[cross_chain]` is configured: on, with the
# devnet's bridged variants traded as the asset they redeem for (Binance-Peg tokens, Polygon PoS
# and the rollups' bridged WBTC are 1:1 claims on it, and the devnet's bridges move them so).
DEMO_CROSS_CHAIN = CrossChainSettings(
    enabled=True,
    equivalent_assets={
        "USDC@binance-peg": "USDC",
        "USDT@binance-peg": "USDT",
        "DAI@binance-peg": "DAI",
        "ETH@binance-peg": "ETH",
        "BTC@binance-peg": "BTC",
        "ETH@pos": "ETH",
        "BTC@pos": "BTC",
        "BTC@arbitrum-bridge": "BTC",
        "BTC@op-bridge": "BTC",
    },
)

# The rebalancer the demo runs unless `[rebalance]` is configured: USDC (the quote asset, which
# the cross-chain trades move from the chain they buy on to the chain they sell on) kept within
# $1k of a target on each chain whose USDC is its own issue, checked every 10 s, moved by the
# cheaper of Across and the canonical bridge. The devnet funds $40k on each; the demo wants more
# on Polygon and less on Ethereum, so the rebalancer moves $5k there at once, and then whatever
# the trades take a chain out of its band by.
_DEMO_USDC_TARGETS = {"ethereum": 35_000, "arbitrum": 40_000, "optimism": 40_000, "polygon": 45_000}
DEMO_REBALANCE = RebalanceSettings(
    enabled=True,
    interval_s=10.0,
    stuck_after_s=120.0,
    bands=tuple(
        BandSettings(
            asset="USDC",
            chain=chain,
            low=Decimal(target - 1_000),
            target=Decimal(target),
            high=Decimal(target + 1_000),
        )
        for chain, target in _DEMO_USDC_TARGETS.items()
    ),
)

log = logging.getLogger(__name__)


def register(subparsers: Subparsers) -> None:
    """Add the `demo` verb."""
    parser = subparsers.add_parser(
        "demo",
        help="devnet + market activity + the bot, with a live view (Ctrl-C stops)",
        description="Start the local five-chain devnet, simulated traders on every chain, and "
        "the arbitrage bot, with a live view per chain. Runs until Ctrl-C, or until every chain "
        "has mined --blocks new blocks.",
    )
    add_run_options(parser)
    parser.add_argument(
        "--signer",
        choices=("keystore", "pkcs11"),
        default="keystore",
        help="where the bot's key lives: the run's encrypted keystore (default), or a key "
        "generated inside a SoftHSM2 token under $OMNIARB_HOME/softhsm (PKCS#11)",
    )
    parser.add_argument(
        "--keep-devnet",
        action="store_true",
        help="leave the devnet running afterwards (stop it with `omniarb devnet down`)",
    )
    parser.set_defaults(func=run)


def demo_settings(settings: Settings) -> Settings:
    """`settings` with the demo's optimizer (`DEMO_OPTIMIZE`) unless `[optimize]` is set, its
    cross-chain trading (`DEMO_CROSS_CHAIN`) unless `[cross_chain]` is, its rebalancer
    (`DEMO_REBALANCE`) unless `[rebalance]` is, and
    its model reload period (`DEMO_RELOAD_S`) unless `[score] reload_s` is."""
    update: dict[str, object] = {}
    if "optimize" not in settings.model_fields_set:
        update["optimize"] = DEMO_OPTIMIZE
    # Cross-chain trading needs two chains: a demo of one runs without it.
    across = len(settings.devnet.enabled_chains()) >= 2
    if across and "cross_chain" not in settings.model_fields_set:
        update["cross_chain"] = DEMO_CROSS_CHAIN
    if across and "rebalance" not in settings.model_fields_set:
        update["rebalance"] = DEMO_REBALANCE
    if "reload_s" not in settings.score.model_fields_set:
        update["score"] = settings.score.model_copy(update={"reload_s": DEMO_RELOAD_S})
    return settings.model_copy(update=update) if update else settings


def run(args: argparse.Namespace, settings: Settings) -> int:
    # Before any key is in memory: a crash of a signing process must not write it to disk.
    disable_core_dumps()
    settings = demo_settings(settings)
    settings = settings.model_copy(
        update={"keys": settings.keys.model_copy(update={"backend": args.signer})}
    )
    stop_when = blocks_reached(args.blocks)
    ensure_not_running()
    db_url = resolve_db_url(secrets=load_secrets())
    trainer = DemoTrainer(settings.score, db_url, args.config)
    treasury = DemoTreasury(settings, db_url)
    # What the run records from now on is its own: the summary's cross-chain trades and
    # transfers are read back from the history from this instant.
    started = datetime.now(UTC)
    if args.keep_devnet:
        argv = ["devnet", "up"]
        if args.config is not None:
            argv = ["--config", str(args.config), *argv]
        record = spawn_detached(argv)
        stats = run_on_loop(
            _trade(settings, Path(record.manifest), stop_when, trainer, treasury),
            use_uvloop=args.uvloop,
        )
        stdout_console().print(
            f"the devnet keeps running (pid {record.pid}, manifest {record.manifest}); "
            "stop it with `omniarb devnet down`"
        )
    else:
        stats = run_on_loop(_demo(settings, stop_when, trainer, treasury), use_uvloop=args.uvloop)
    # After the run's last words: what the profit predictor did (its own query, off the loop),
    # and what was swept to the Safes.
    stdout_console().print(trainer.summary(), highlight=False, soft_wrap=True)
    stdout_console().print(treasury.summary(), highlight=False, soft_wrap=True)
    if args.summary is not None:
        write_summary(args.summary, stats, cross_chain_records(db_url, started))
    return 0


async def _trade(
    settings: Settings,
    manifest_path: Path,
    stop_when: StopWhen,
    trainer: DemoTrainer,
    treasury: DemoTreasury,
) -> list[ChainBotStats]:
    manifest = Manifest.read(manifest_path)
    stdout_console().print(
        f"devnet up: {', '.join(c.name for c in manifest.chains)} (manifest {manifest_path})"
    )
    # The market trades in its own process, so its signing and RPC never hold the bot's loop;
    # started first, its start-up overlaps the bot's. The rival searchers (`[devnet.rivals]`)
    # race the bot from a process of their own, so pricing every block never slows the market.
    market = MarketProcess(manifest_path, market_params(settings))
    market.start()
    params = rivals_params(settings)
    rivals = RivalsProcess(manifest_path, params) if params.resolved() else None
    if rivals is not None:
        rivals.start()
    # The profits go to each chain's Safe: every N blocks if configured, and at the end.
    treasury.attach(manifest_path)
    try:
        async with asyncio.TaskGroup() as tasks:
            racing = None if rivals is None else tasks.create_task(_race(rivals))
            training = tasks.create_task(trainer.run())
            tasks.create_task(treasury.every_blocks())
            try:
                stats = await run_with_view(
                    manifest,
                    manifest_path,
                    settings,
                    dry_run=False,
                    stop_when=stop_when,
                    title="omni-arb demo",
                    market=market,
                )
            finally:
                # Cancelled, a training child is killed and reaped: no orphan outlives the demo.
                training.cancel()
                treasury.stop()  # not cancelled: a sweep under way completes
                if racing is not None:
                    racing.cancel()
    except BaseExceptionGroup as group:
        # The task group wraps the bot's own error (a bad setting, a node that refuses): raise
        # it as it was, so the user sees its message and its exit code, not an internal error.
        if len(group.exceptions) == 1:
            raise group.exceptions[0] from None
        raise
    finally:
        await market.stop()
        if rivals is not None:
            await rivals.stop()
            figures = rivals.rivals_snapshot()
            if figures is not None:
                stdout_console().print(figures.summary())
    await treasury.sweep()
    return stats


async def _race(rivals: RivalsProcess) -> None:
    """Follow the rivals' process (its figures) until cancelled; if it dies, the demo goes on
    without rivals."""
    try:
        await rivals.run()
    except DevnetError as exc:
        log.warning("the rivals stopped: %s", exc)


async def _demo(
    settings: Settings, stop_when: StopWhen, trainer: DemoTrainer, treasury: DemoTreasury
) -> list[ChainBotStats]:
    async with devnet_from_settings(settings) as devnet:
        with published(devnet):
            stats = await _trade(settings, devnet.manifest_path, stop_when, trainer, treasury)
    stdout_console().print("demo stopped; every chain shut down")
    return stats
