"""Run the arbitrage bot on the chains of a manifest until a stop condition.

async with HistoryStore.open(url) as store:
    stats = await run_bot(manifest, settings, access=NetworkAccess(signers), store=store,
                          dry_run=False, stop_when=lambda s: all(c.blocks_seen >= 10 for c in s))

`access` says who signs on each chain and through which executor (`wiring.ChainAccess`): a
described network's (`wiring.NetworkAccess`) or the devnet's
(`omniarb.devnet.bot_access.DevnetAccess`).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from omniarb.api.cross_chain_views import bridge_transfer_item, cross_chain_trade_item
from omniarb.api.inventory import InventoryView
from omniarb.chains.assets import AssetRegistry
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import chain_by_id
from omniarb.cluster.lease import SignerLease
from omniarb.config import Settings, load_secrets, relay_reputation_key, submission_for
from omniarb.crosschain.coordinator import CrossChainDetectorLike
from omniarb.crosschain.factory import InventoryAccess, build_coordinator
from omniarb.detect.cross_chain import CrossChainDetector
from omniarb.engine import Engine
from omniarb.errors import ConfigError
from omniarb.execute.relay_auth import RelayAuth
from omniarb.execute.relay_client import RelayClient
from omniarb.keys.rotation_service import KeyRotationService
from omniarb.monitor.pending_metrics import ChainPendingMetrics
from omniarb.network import ChainManifest, Manifest
from omniarb.store import HistoryStore
from omniarb.store.cross_chain_reads import load_cross_chain_since
from omniarb.store.existing import existing_history
from omniarb.telemetry import Telemetry
from omniarb.track import ChainBotStats
from omniarb.types import SubmitChannel
from omniarb.wiring import ChainAccess, build_pipeline

__all__ = [
    "CrossChainRecords",
    "cross_chain_records",
    "rpc_client",
    "run_bot",
    "summary",
    "write_summary",
]


async def run_bot(
    manifest: Manifest,
    settings: Settings,
    *,
    access: ChainAccess,
    store: HistoryStore,
    dry_run: bool,
    stop_when: Callable[[list[ChainBotStats]], bool] | None = None,
    on_start: Callable[[Engine], None] | None = None,
    telemetry: Telemetry | None = None,
    key_rotation: Callable[[Engine], Awaitable[KeyRotationService]] | None = None,
    on_cross_chain: Callable[[InventoryView], None] | None = None,
    cross_chain_detector: CrossChainDetectorLike | None = None,
    leases: Mapping[str, SignerLease] | None = None,
) -> list[ChainBotStats]:
    """Build every chain's pipeline, run the engine, return the final figures.

    `telemetry` receives the engine's events (metrics, alerts, the API's live feed); its
    circuit breakers, when it has them, are a decision stage of every chain (the chain's guard:
    the global breaker and the chain's own). `access` gives each
    chain's signer and the executor it trades through. `key_rotation` builds, once the
    pipelines exist, the key rotation that runs beside the engine until it stops
    (`omniarb.keys.rotation_service`). With `[cross_chain] enabled`, the cross-chain
    coordinator runs beside the pipelines, fed each chain's pool updates
    (`omniarb.crosschain.coordinator`), with `cross_chain_detector` or the real detector
    (`omniarb.detect.cross_chain`); not in a dry run. `leases` (by chain name: a worker of the
    scaled-out roles) fence each such chain's signatures and submission claims by its signer
    lease (`omniarb.cluster.fence`), which the caller holds and keeps renewed; a chain without
    one signs as a single process does.
    """
    breaker = telemetry.breaker if telemetry is not None else None
    unknown = sorted(set(leases or {}) - {chain.name for chain in manifest.chains})
    if unknown:
        raise ConfigError(f"signer leases for chains not in the manifest: {', '.join(unknown)}")

    async with AsyncExitStack() as stack:
        rpcs = [
            await stack.enter_async_context(rpc_client(chain, settings, telemetry))
            for chain in manifest.chains
        ]
        relays = await _relays(manifest, settings, access, stack)
        pipelines = await asyncio.gather(
            *(
                build_pipeline(
                    chain,
                    rpc=rpc,
                    access=access,
                    settings=settings,
                    store=store,
                    dry_run=dry_run,
                    breaker=None if breaker is None else breaker.for_chain(chain.name),
                    rpc_observer=telemetry.rpc_observer(chain.name)
                    if telemetry is not None
                    else None,
                    relay=relays.get(chain.name),
                    pending_observer=(observer := _pending_observer(telemetry, chain.name)),
                    decode_observer=observer,
                    lease=None if leases is None else leases.get(chain.name),
                )
                for chain, rpc in zip(manifest.chains, rpcs, strict=True)
            )
        )
        engine = Engine(pipelines, store, hooks=telemetry)
        if on_start is not None:
            on_start(engine)
        coordinator = None
        # A dry run sends nothing: the coordinator's legs are sends too.
        cross = settings.cross_chain.enabled and not dry_run
        if cross and cross_chain_detector is None:
            cross_chain_detector = CrossChainDetector(
                settings.cross_chain,
                AssetRegistry.from_manifest(manifest, settings.cross_chain.equivalent_assets),
            )
        if cross and cross_chain_detector is not None:
            if not isinstance(access, InventoryAccess):
                raise ConfigError("cross_chain.execution: this access has no inventory signer")
            coordinator = await build_coordinator(
                manifest,
                settings,
                rpcs={c.name: rpc for c, rpc in zip(manifest.chains, rpcs, strict=True)},
                access=access,
                database=store.database,
                detector=cross_chain_detector,
                telemetry=telemetry,
                fee_oracles={p.name: p.fees for p in pipelines if p.fees is not None},
                pools_busy=engine.pools_busy,
                stack=stack,
            )
            if on_cross_chain is not None and coordinator.inventory_view is not None:
                on_cross_chain(coordinator.inventory_view)
            engine.tap_updates(coordinator.tap)
        service = await key_rotation(engine) if key_rotation is not None else None
        if service is None and coordinator is None:
            await engine.run(stop_when=stop_when)
            return engine.stats
        stopped = asyncio.Event()
        async with asyncio.TaskGroup() as tasks:
            beside = []
            if service is not None:
                beside.append(tasks.create_task(service.run(stopped)))
            if coordinator is not None:
                beside.append(tasks.create_task(coordinator.run()))
            try:
                await engine.run(stop_when=stop_when)
            finally:
                stopped.set()
                # A rotation cut short here resumes from the audit log at the next start; its
                # old key's trades stopped settling with the engine, so it is not waited for.
                # The coordinator's trades in flight are recorded as sent (pending) already.
                for task in beside:
                    task.cancel()
        return engine.stats


def _pending_observer(telemetry: Telemetry | None, chain: str) -> ChainPendingMetrics | None:
    """Where `chain`'s pending stream and router decoding are counted (None: nowhere)."""
    return telemetry.pending_observer(chain) if telemetry is not None else None


async def _relays(
    manifest: Manifest, settings: Settings, access: ChainAccess, stack: AsyncExitStack
) -> dict[str, RelayClient]:
    """A relay client for each chain whose trades go in bundles (`config.submission_for`),
    open until `stack` closes; every request signed with the searcher's reputation key."""
    urls = {}
    for chain in manifest.chains:
        spec = chain_by_id(chain.chain_id)
        submission = submission_for(spec, settings, network=chain, devnet=access.devnet)
        if submission.channel is SubmitChannel.BUNDLE and submission.relay_url is not None:
            urls[chain.name] = submission.relay_url
    if not urls:
        return {}
    auth = RelayAuth(relay_reputation_key(load_secrets(), devnet=access.devnet))
    return {
        name: await stack.enter_async_context(RelayClient(url, auth)) for name, url in urls.items()
    }


def rpc_client(
    chain: ChainManifest, settings: Settings, telemetry: Telemetry | None = None
) -> RpcClient:
    """The chain's RPC client: every endpoint its `[chains.NAME]` table lists (else the
    manifest's one URL), the `[rpc]` policy (sends hedged over several endpoints unless the
    table says `hedge_sends = false`), and its latency and endpoint health reported to
    the telemetry's metrics."""
    network = settings.chains.get(chain.name)
    urls = network.rpc_urls if network is not None else (chain.rpc_http,)
    return RpcClient(
        urls,
        timeout_s=settings.rpc.timeout_s,
        policy=settings.rpc.policy(hedge_sends=network is None or network.hedge_sends),
        observer=telemetry.rpc_observer(chain.name) if telemetry is not None else None,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class CrossChainRecords:
    """One run's cross-chain trades and bridge transfers as `--summary` lists them (the API's
    items, as JSON: `/cross-chain/trades` and `/cross-chain/transfers` have the same shape)."""

    trades: tuple[dict[str, Any], ...] = ()
    transfers: tuple[dict[str, Any], ...] = ()


def cross_chain_records(db_url: str, since: datetime) -> CrossChainRecords:
    """The cross-chain trades recorded and the bridge transfers created at or after `since` in
    the history at `db_url` (none if it does not exist)."""
    with existing_history(db_url) as database:
        if database is None:
            return CrossChainRecords()
        trades, transfers = load_cross_chain_since(database, since)
    return CrossChainRecords(
        trades=tuple(
            cross_chain_trade_item(r.trade, r.legs).model_dump(mode="json") for r in trades
        ),
        transfers=tuple(bridge_transfer_item(row).model_dump(mode="json") for row in transfers),
    )


def summary(
    stats: list[ChainBotStats], cross_chain: CrossChainRecords | None = None
) -> dict[str, Any]:
    """The `--summary` document: per-chain counts, every settled trade and every pending one,
    and the run's cross-chain trades and bridge transfers (`cross_chain_records`)."""
    trades = [trade.to_json() for chain in stats for trade in chain.trades]
    pending = [trade.to_json() for chain in stats for trade in chain.pending]
    cross = cross_chain or CrossChainRecords()
    return {
        "chains": [chain.counts() for chain in stats],
        "trades": trades,
        # Sent but not settled when the run stopped: recorded without outcome in the history.
        "pending": pending,
        # Each with its legs (sell, buy, unwinds) and their transactions, from the history.
        "cross_chain_trades": list(cross.trades),
        "bridge_transfers": list(cross.transfers),
        "totals": {
            "trades": len(trades),
            "pending": len(pending),
            "succeeded": sum(c.succeeded for c in stats),
            "reverted": sum(c.reverted for c in stats),
            "dropped": sum(c.dropped for c in stats),
            "final": sum(c.final for c in stats),
            "not_final": len(trades) - sum(c.final for c in stats),
            "cancelled": sum(c.cancelled for c in stats),
            "replacements": sum(c.replacements.total() for c in stats),
            "touched_earlier_in_block": sum(c.touched_earlier for c in stats),
            "realized_differs_from_predicted": sum(c.mismatched for c in stats),
            "net_profit_usd": sum(c.net_profit_usd for c in stats),
            "cross_chain_trades": len(cross.trades),
            "bridge_transfers": len(cross.transfers),
        },
    }


def write_summary(
    path: Path, stats: list[ChainBotStats], cross_chain: CrossChainRecords | None = None
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(summary(stats, cross_chain), indent=2) + "\n")
    tmp.replace(path)
