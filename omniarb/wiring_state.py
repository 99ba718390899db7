"""The state stage's parts of one chain: a block sync per traded kind of pool (`pool_syncs`)
and the collector of heads and logs that feeds them (`head_collector`), on every WebSocket
endpoint the settings list. `omniarb.wiring` builds the pipeline with them and re-exports both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from omniarb.chain_events import LogFilter
from omniarb.chains.rpc import RpcClient, RpcObserver
from omniarb.chains.spec import chain_by_id
from omniarb.chains.ws import ReconnectPolicy
from omniarb.collect import HeadCollector
from omniarb.config import Settings
from omniarb.dex.deployments import traded_deployments
from omniarb.dex.registry import ADAPTERS, adapter
from omniarb.errors import ConfigError
from omniarb.network import ChainManifest
from omniarb.state import BlockSync, SyncSettings
from omniarb.wiring_mempool import ws_urls

__all__ = ["head_collector", "pool_syncs"]


def pool_syncs(chain: ChainManifest, rpc: RpcClient) -> list[BlockSync[Any]]:
    """One block sync per traded kind of pool on `chain`, each over its adapter's book of the
    chain's DEXes of that kind, keeping the chain's reorg depth of block history. An unknown
    deployment stops here, with its name."""
    by_kind = traded_deployments(chain)
    settings = SyncSettings(history_blocks=chain_by_id(chain.chain_id).reorg_depth)
    if not by_kind:
        raise ConfigError(f"{chain.name}: no DEX of a traded kind ({', '.join(ADAPTERS)})")
    return [
        BlockSync(adapter(kind).book(rpc=rpc, chain_id=chain.chain_id, dexes=dexes), settings)
        for kind, dexes in by_kind.items()
    ]


def head_collector(
    chain: ChainManifest,
    settings: Settings,
    log_filters: Sequence[LogFilter],
    rpc_observer: RpcObserver | None = None,
) -> HeadCollector:
    """The chain's collector of heads and `log_filters`' logs: on every WebSocket endpoint its
    `[chains.NAME]` table lists (else the manifest's one URL), failing over by the `[rpc]`
    policy as the HTTP client does, their health reported to `rpc_observer`."""
    return HeadCollector(
        chain_id=chain.chain_id,
        ws_url=ws_urls(chain, settings),
        log_filters=log_filters,
        policy=ReconnectPolicy(failover=settings.rpc.policy().failover),
        observer=rpc_observer.rpc_endpoint if rpc_observer is not None else None,
    )
