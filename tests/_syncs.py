"""The state stage of one kind, as the tests build it: a `BlockSync` over the kind's book,
and a collector subscribed to what it reads."""

from __future__ import annotations

from omniarb.chains.ws import ReconnectPolicy
from omniarb.collect import HeadCollector
from omniarb.dex.uniswap_v2.book import UniswapV2Book
from omniarb.dex.uniswap_v2.discovery import V2Discovery
from omniarb.dex.uniswap_v2.pool import V2PoolState
from omniarb.dex.uniswap_v3.book import UniswapV3Book
from omniarb.dex.uniswap_v3.discovery import V3Discovery
from omniarb.dex.uniswap_v3.pool import V3PoolState
from omniarb.state import BlockSync, PoolStateSync, SyncSettings

V2Sync = BlockSync[V2PoolState]
V3Sync = BlockSync[V3PoolState]


def v2_sync(discovery: V2Discovery, settings: SyncSettings | None = None) -> V2Sync:
    return BlockSync(UniswapV2Book(discovery), settings)


def v3_sync(
    discovery: V3Discovery,
    settings: SyncSettings | None = None,
    *,
    check_every_blocks: int = 20,
    check_sample: int = 8,
) -> V3Sync:
    book = UniswapV3Book(
        discovery, check_every_blocks=check_every_blocks, check_sample=check_sample
    )
    return BlockSync(book, settings)


def v3_book(sync: V3Sync) -> UniswapV3Book:
    """The V3 book of `sync`: its discovery, its re-read and consistency-check counters."""
    assert isinstance(sync.book, UniswapV3Book)
    return sync.book


def collector_of(
    sync: BlockSync[V2PoolState] | BlockSync[V3PoolState] | PoolStateSync,
    ws_url: str,
    *,
    policy: ReconnectPolicy | None = None,
) -> HeadCollector:
    """A collector with the one `logs` subscription `sync` reads."""
    return HeadCollector(
        chain_id=sync.chain_id, ws_url=ws_url, log_filters=sync.log_filters(), policy=policy
    )
