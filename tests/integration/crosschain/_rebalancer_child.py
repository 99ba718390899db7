"""The rebalancer of `_rebalance_world` as a process of its own, for the restart test: a parent
kills it with SIGKILL mid-transfer and starts another on the same database.

    python _rebalancer_child.py MANIFEST DB_URL ACROSS_API_URL

It runs `Rebalancer.run()` (resume, then track and plan until killed) over USDC bands
20k / 40k / 80k on Ethereum and Arbitrum through Across, and prints `tick` after each round (so
the parent can wait for rounds, not for time) beside the rebalancer's own log lines. Needs
tests/ and this directory on `PYTHONPATH`.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from contextlib import AsyncExitStack
from pathlib import Path

from _rebalance_world import CHAINS, Seen, build_rebalancer, settings_for

from omniarb.bridges.across import AcrossBridge
from omniarb.chains.rpc import RpcClient
from omniarb.crosschain.rebalancer import Rebalancer
from omniarb.network import Manifest
from omniarb.store import HistoryDatabase
from omniarb.store.bridge_transfers import BridgeTransferStore


class _Ticking(Rebalancer):
    """The product's rebalancer, saying when each round is over."""

    async def tick(self) -> None:
        await super().tick()
        print("tick", flush=True)


async def _main(manifest_path: Path, db_url: str, api_url: str) -> None:
    manifest = Manifest.read(manifest_path)
    database = HistoryDatabase.open(db_url)
    async with AsyncExitStack() as stack:
        rpcs = {
            name: await stack.enter_async_context(RpcClient(manifest.chain(name).rpc_http))
            for name in CHAINS
        }
        across = await stack.enter_async_context(AcrossBridge(manifest, rpcs, api_url=api_url))
        rebalancer = build_rebalancer(
            manifest,
            rpcs,
            BridgeTransferStore(database.engine),
            settings=settings_for(asset="USDC", scale=1_000),
            bridges=[across],
            seen=Seen(),
            rebalancer_class=_Ticking,
        )
        await rebalancer.run()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(message)s")
    manifest, url, api = sys.argv[1:4]
    asyncio.run(_main(Path(manifest), url, api))
