"""`RelayServer`: the devnet's bundle relay and block builder for one chain, as an async resource.

    async with RelayServer(rpc_http, chain_id=1, block_time_s=3.0) as relay:
        relay.url            # http://127.0.0.1:PORT, where searchers POST their bundles
        relay.stats()        # RelayStats

On entry it switches the node's own mining off (`evm_setAutomine false`,
`evm_setIntervalMining 0`) and mines every block itself, every `block_time_s` seconds; with
`block_time_s=None` it mines only when `build_block()` is awaited (a test drives it block by
block). On exit, however the block ends, it gives mining back: interval mining at
`restore_block_time_s` (anvil takes whole seconds only: a fraction is rounded up), or automine
when that is None. A process killed outright cannot restore anything: the chain then stays
without mining until a relay starts and stops again, or the devnet restarts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from typing import Any

from aiohttp import web

from omniarb.async_resource import AsyncResource
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.relay.book import BundleBook
from omniarb.devnet.relay.builder import BlockBuilder, BuiltBlock
from omniarb.devnet.relay.front import relay_app
from omniarb.devnet.relay.methods import RelayMethods
from omniarb.devnet.relay.stats import RelayCounters, RelayStats
from omniarb.errors import DevnetError, OmniarbError

__all__ = ["RelayServer"]

log = logging.getLogger(__name__)

_UNSET: Any = object()


class RelayServer(AsyncResource):
    """A Flashbots-style relay over the anvil node at `rpc_http` (see the module docstring)."""

    def __init__(
        self,
        rpc_http: str,
        *,
        chain_id: int,
        block_time_s: float | None,
        restore_block_time_s: float | None = _UNSET,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if block_time_s is not None and block_time_s <= 0:
            raise ValueError(f"block_time_s must be positive, got {block_time_s}")
        self.chain_id = chain_id
        self.block_time_s = block_time_s
        self._restore_s = block_time_s if restore_block_time_s is _UNSET else restore_block_time_s
        self._host = host
        self._port = port
        self._rpc = RpcClient(rpc_http, timeout_s=10.0)
        self._book = BundleBook()
        self._counters = RelayCounters()
        self._builder = BlockBuilder(self._rpc, self._book, self._counters, chain_id=chain_id)
        self._lock = asyncio.Lock()
        self._resources = contextlib.AsyncExitStack()
        self._runner: web.AppRunner | None = None
        self._loop_task: asyncio.Task[None] | None = None
        self.url = ""

    async def _open(self) -> None:
        await self.start()

    async def _close(self) -> None:
        await self.stop()

    async def start(self) -> str:
        """Take over mining, serve HTTP; the relay's URL."""
        await self._resources.enter_async_context(self._rpc)
        chain_id = int(await self._rpc.call("eth_chainId"), 16)
        if chain_id != self.chain_id:
            await self._resources.aclose()
            raise DevnetError(f"the node is chain {chain_id}, the relay was told {self.chain_id}")
        await self._rpc.call("evm_setAutomine", False)
        await self._rpc.call("evm_setIntervalMining", 0)
        try:
            methods = RelayMethods(
                self._rpc, self._book, self._builder, self._counters, chain_id=chain_id
            )
            self._runner = web.AppRunner(relay_app(methods), access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, self._host, self._port)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            self.url = f"http://{self._host}:{port}"
            if self.block_time_s is not None:
                self._loop_task = asyncio.create_task(self._mine_forever(self.block_time_s))
        except BaseException:
            await self.stop()
            raise
        log.info("relay for chain %d on %s (builds its blocks)", chain_id, self.url)
        return self.url

    async def build_block(self) -> BuiltBlock:
        """Build and mine the next block now."""
        async with self._lock:
            return await self._builder.build_next()

    async def _mine_forever(self, block_time_s: float) -> None:
        loop = asyncio.get_running_loop()
        next_at = loop.time() + block_time_s
        while True:
            await asyncio.sleep(max(next_at - loop.time(), 0.0))
            next_at += block_time_s
            try:
                await self.build_block()
            except OmniarbError as exc:
                # One bad block (a node hiccup) must not end the relay: the next slot retries.
                log.error("relay could not build a block: %s", exc)  # noqa: TRY400 - no trace

    def stats(self) -> RelayStats:
        return self._counters.snapshot()

    def outcome(self, bundle_hash: str) -> str | None:
        """ "pending", "included", "cancelled" or the reason it was dropped; None if unknown."""
        return self._counters.outcomes.get(bundle_hash)

    async def stop(self) -> None:
        """Stop building, give mining back to the node, stop serving (idempotent)."""
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
            self._loop_task = None
        with contextlib.suppress(OmniarbError):
            async with self._lock:
                await self._give_back_mining()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self._resources.aclose()

    async def _give_back_mining(self) -> None:
        if self._restore_s is None:
            await self._rpc.call("evm_setAutomine", True)
        else:
            await self._rpc.call("evm_setIntervalMining", max(math.ceil(self._restore_s), 1))
