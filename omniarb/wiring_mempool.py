"""The mempool side of a chain's pipeline: the pending stream, the router decoders and the
backrun search (`BackrunWatch`), and the recent pending swaps per pool the score stage reads
(`PendingActivity`); built only for a chain that sends bundles and watches its mempool."""

from __future__ import annotations

import math

from omniarb.backrun_watch import BackrunWatch
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import ChainSpec
from omniarb.chains.ws import ReconnectPolicy
from omniarb.collect.pending import PendingObserver, PendingStream
from omniarb.collect.pending_activity import PendingActivity
from omniarb.config import Settings
from omniarb.detect import BackrunSearch, CycleDetector
from omniarb.dex.router_book import DecodeObserver, RouterBook
from omniarb.network import ChainManifest

__all__ = ["mempool_watch", "ws_urls"]

# The shortest window of pending swaps the score stage counts: on a fast chain a block's worth
# is too few to tell a busy pool from a quiet one.
_MIN_PENDING_WINDOW_S = 2.0


def ws_urls(chain: ChainManifest, settings: Settings) -> tuple[str, ...]:
    """The chain's WebSocket endpoints: its `[chains.NAME]` table's, else the manifest's."""
    network = settings.chains.get(chain.name)
    return tuple((network.ws_urls if network is not None else ()) or (chain.rpc_ws,))


def mempool_watch(
    chain: ChainManifest,
    spec: ChainSpec,
    settings: Settings,
    *,
    rpc: RpcClient,
    detector: CycleDetector,
    sender: str,
    watched: bool,
    pending_observer: PendingObserver | None,
    decode_observer: DecodeObserver | None,
) -> tuple[PendingActivity | None, BackrunWatch | None]:
    """(the recent pending swaps per pool, the backrun watch), or (None, None) when the chain's
    mempool is not `watched`. `sender`'s own transactions are not counted or backrun."""
    if not watched:
        return None, None
    block_time_s = chain.block_time_s or spec.block_time_s
    activity = PendingActivity(window_s=max(block_time_s, _MIN_PENDING_WINDOW_S))
    watch = BackrunWatch(
        stream=PendingStream(
            chain_id=chain.chain_id,
            ws_url=ws_urls(chain, settings),
            rpc=rpc,
            policy=ReconnectPolicy(failover=settings.rpc.policy().failover),
            observer=pending_observer,
        ),
        routers=RouterBook.from_manifest(chain, observer=decode_observer),
        search=BackrunSearch(detector=detector, block_time_s=math.ceil(block_time_s)),
        sender=sender,
        activity=activity,
    )
    return activity, watch
