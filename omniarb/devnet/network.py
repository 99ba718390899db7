"""`Devnet`: five (or fewer) anvil chains with everything deployed, as one async resource.

    async with Devnet(block_times_s={"ethereum": 3.0, "arbitrum": 0.5}) as net:
        net.manifest.chain("arbitrum").rpc_http

A chain whose deployment is cached starts from the saved state; otherwise it is deployed on a
throw-away node that mines on demand (`omniarb.devnet.deploy`), saved, and then started from
the save like any warm start, so cold and warm chains behave identically.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import shutil
import time
from collections.abc import Collection, Mapping
from dataclasses import replace
from pathlib import Path

from omniarb.async_resource import AsyncResource
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import ChainSpec, chain_by_name
from omniarb.config import DEFAULT_CANONICAL_DELAY_S, DEFAULT_DEVNET_BLOCK_TIME_S, DevnetScale
from omniarb.devnet.anvil import AnvilNode, AnvilOptions, anvil_binary
from omniarb.devnet.bridges import (
    AcrossParams,
    AcrossRelayer,
    BridgeService,
    CanonicalMessenger,
)
from omniarb.devnet.cache import DeploymentCache
from omniarb.devnet.deploy import (
    DEPLOY_ANVIL_ARGS,
    background_miner,
    deploy_chain,
    restore_block_gas_limit,
)
from omniarb.devnet.relay import RelayServer
from omniarb.errors import DevnetError
from omniarb.network import BridgeEntry, ChainManifest, Manifest
from omniarb.paths import omniarb_home

__all__ = ["Devnet"]

log = logging.getLogger(__name__)

_DUMP_TIMEOUT_S = 900.0


class Devnet(AsyncResource):
    """Starts, describes and stops the local chains.

    `block_times_s` maps chain names to seconds per block; `None` for a chain means automine
    (a block per transaction), which tests use for instant receipts. `scale` picks the catalog
    (`omniarb.devnet.catalog.catalog_for`); each scale has its own saved deployments. `traps`
    adds the malicious tokens of `omniarb.devnet.traps` (saved apart as well). `bridges` starts
    the bridges' off-chain agents (`bridge_service`: the Across relayer and its quote API, with
    `across`'s delay and fee, and the canonical bridge's messenger) and writes their URLs into
    the manifest's bridge entries. `canonical_delay_s` is the canonical bridge's delay the
    manifest announces (its messenger is told the same): set after loading, so it shapes no save.
    """

    def __init__(
        self,
        *,
        block_times_s: Mapping[str, float | None] | None = None,
        relays: Collection[str] = (),
        host: str = "127.0.0.1",
        use_cache: bool = True,
        anvil_path: str = "",
        home: Path | None = None,
        scale: DevnetScale = "default",
        traps: bool = False,
        canonical_delay_s: float = DEFAULT_CANONICAL_DELAY_S,
        bridges: bool = False,
        across: AcrossParams | None = None,
    ) -> None:
        times = dict(DEFAULT_DEVNET_BLOCK_TIME_S if block_times_s is None else block_times_s)
        self._chains: list[tuple[ChainSpec, float | None]] = [
            (chain_by_name(name), seconds) for name, seconds in times.items()
        ]
        self._host = host
        self._scale: DevnetScale = scale
        self._traps = traps
        self._canonical_delay_s = canonical_delay_s
        self._use_cache = use_cache
        self._anvil_path = anvil_path
        self._home = home or omniarb_home()
        self.run_dir = self._home / "devnet" / "runs" / f"{os.getpid()}-{time.time_ns()}"
        self.nodes: dict[str, AnvilNode] = {}
        unknown = set(relays) - set(times)
        if unknown:
            raise DevnetError(f"a relay for chains the devnet does not run: {sorted(unknown)}")
        self._relay_chains = frozenset(relays)
        self.relays: dict[str, RelayServer] = {}
        self._manifest: Manifest | None = None
        self._bridges = bridges
        self._across = across or AcrossParams()
        self.bridge_service: BridgeService | None = None

    @property
    def manifest(self) -> Manifest:
        if self._manifest is None:
            raise DevnetError("the devnet is not started")
        return self._manifest

    @property
    def manifest_path(self) -> Path:
        return self.run_dir / "manifest.json"

    async def _open(self) -> None:
        await self.start()

    async def _close(self) -> None:
        await self.stop()

    async def start(self) -> Manifest:
        """Start every chain concurrently; on any failure stop what did start and raise."""
        binary = anvil_binary(self._anvil_path)
        cache_dir = self._home / "cache" / "devnet"
        if not self._use_cache:
            cache_dir = self.run_dir / "deployments"
        cache = DeploymentCache(cache_dir, binary, self._scale, traps=self._traps)
        started = time.perf_counter()
        try:
            chains = await asyncio.gather(
                *(self._start_chain(cache, spec, seconds) for spec, seconds in self._chains)
            )
            chains = [await self._with_relay(chain) for chain in chains]
        except BaseException:
            await self.stop()
            raise
        # `devnet: true` tells the product these chains are local ones (their ids are the real
        # networks'), e.g. that the env key backend may sign on them.
        manifest = Manifest(
            chains=tuple(
                replace(c, devnet=True, bridges=self._with_canonical_delay(c.bridges))
                for c in chains
            )
        )
        try:
            self._manifest = await self._with_bridges(manifest)
        except BaseException:
            await self.stop()
            raise
        self._manifest.write(self.manifest_path)
        log.info(
            "devnet up: %d chains in %.2f s, manifest %s",
            len(chains),
            time.perf_counter() - started,
            self.manifest_path,
        )
        return self._manifest

    async def _start_chain(
        self, cache: DeploymentCache, spec: ChainSpec, block_time_s: float | None
    ) -> ChainManifest:
        try:
            return await self._start_from_save(cache, spec, block_time_s)
        except DevnetError as exc:
            # A damaged save (truncated file, other anvil version) must not wedge every later
            # start: drop it, deploy afresh once, and only then give up.
            log.warning("saved deployment of %s is unusable (%s); deploying again", spec.name, exc)
            await self._stop_node(spec.name)
            cache.discard(spec)
            return await self._start_from_save(cache, spec, block_time_s)

    async def _start_from_save(
        self, cache: DeploymentCache, spec: ChainSpec, block_time_s: float | None
    ) -> ChainManifest:
        state_path, deployed = await self._saved_deployment(cache, spec)
        node = await AnvilNode.start(
            AnvilOptions(
                chain_id=spec.chain_id,
                host=self._host,
                block_time_s=block_time_s,
                load_state=state_path,
                binary=self._anvil_path,
                fifo=spec.name in self._relay_chains,
            )
        )
        self.nodes[spec.name] = node
        await self._check_loaded(node, deployed)
        return deployed.with_endpoint(
            rpc_http=node.rpc_http, rpc_ws=node.rpc_ws, block_time_s=block_time_s
        )

    async def _stop_node(self, name: str) -> None:
        node = self.nodes.pop(name, None)
        if node is not None:
            await node.stop()

    async def _saved_deployment(
        self, cache: DeploymentCache, spec: ChainSpec
    ) -> tuple[Path, ChainManifest]:
        cache.directory.mkdir(parents=True, exist_ok=True)
        with (cache.directory / f"{spec.name}.lock").open("w") as lock:
            # Parallel starts (test workers) deploy a chain once; the others wait and load it.
            await asyncio.to_thread(fcntl.flock, lock, fcntl.LOCK_EX)
            try:
                saved = cache.load(spec)
                if saved is not None:
                    return saved
                log.info("deploying %s (no saved deployment)", spec.name)
                return await self._deploy_and_save(cache, spec)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    async def _deploy_and_save(
        self, cache: DeploymentCache, spec: ChainSpec
    ) -> tuple[Path, ChainManifest]:
        node = await AnvilNode.start(
            AnvilOptions(
                chain_id=spec.chain_id,
                host=self._host,
                binary=self._anvil_path,
                extra_args=DEPLOY_ANVIL_ARGS,
            )
        )
        try:
            async with RpcClient(node.rpc_http) as rpc:
                async with background_miner(rpc):
                    deployed = await deploy_chain(spec, rpc, self._scale, traps=self._traps)
                await restore_block_gas_limit(rpc, spec.name)
            # A large chain's dump is hundreds of megabytes, written while the other chains
            # deploy: far longer than any other call may take.
            async with RpcClient(node.rpc_http, timeout_s=_DUMP_TIMEOUT_S) as rpc:
                dump = await rpc.call("anvil_dumpState")
        finally:
            await node.stop()
        return cache.save(spec, dump, deployed), deployed

    @staticmethod
    async def _check_loaded(node: AnvilNode, deployed: ChainManifest) -> None:
        """A loaded state must hold the deployed code; anything else is a broken cache."""
        async with RpcClient(node.rpc_http) as rpc:
            # The first pool: a V2 pair, a contract (a V4 pool is not one; it lives in the
            # PoolManager, the last DEX's factory on chains that have it).
            probes = [deployed.dexes[-1].factory, deployed.pools[0].address]
            codes = await rpc.batch([("eth_getCode", [a, "latest"]) for a in probes])
        if any(code in ("0x", "", None) for code in codes):
            raise DevnetError(f"the loaded state of {deployed.name} lacks deployed code")

    def _with_canonical_delay(self, bridges: tuple[BridgeEntry, ...]) -> tuple[BridgeEntry, ...]:
        return tuple(
            replace(b, expected_delay_s=self._canonical_delay_s) if b.kind == "canonical" else b
            for b in bridges
        )

    async def _with_relay(self, chain: ChainManifest) -> ChainManifest:
        """`chain`, with a relay building its blocks (its URL in the manifest) if it has one."""
        if chain.name not in self._relay_chains:
            return chain
        relay = RelayServer(
            chain.rpc_http,
            chain_id=chain.chain_id,
            block_time_s=chain.block_time_s,
            host=self._host,
        )
        self.relays[chain.name] = relay
        url = await relay.start()
        log.info("%s: a bundle relay builds the blocks, at %s", chain.name, url)
        return replace(chain, relay_url=url)

    async def _with_bridges(self, manifest: Manifest) -> Manifest:
        """`manifest`, with the bridge agents started and their API URLs in it if asked."""
        if not self._bridges:
            return manifest
        relayer = AcrossRelayer(manifest, self._across, host=self._host)
        messenger = CanonicalMessenger(manifest, delay_s=self._canonical_delay_s)
        self.bridge_service = BridgeService([relayer, messenger])
        await self.bridge_service.start()
        chains = []
        for chain in manifest.chains:
            bridges = tuple(
                replace(b, api_url=relayer.api_url, expected_delay_s=self._across.delay_s)
                if b.kind == "across"
                else b
                for b in chain.bridges
            )
            chains.append(replace(chain, bridges=bridges))
        return Manifest(chains=tuple(chains))

    async def stop(self) -> None:
        """Stop the bridge agents, every relay and node, and remove this run's folder
        (idempotent)."""
        service, self.bridge_service = self.bridge_service, None
        if service is not None:
            await service.stop()
        relays, self.relays = list(self.relays.values()), {}
        with contextlib.suppress(Exception):
            await asyncio.gather(*(relay.stop() for relay in relays))
        nodes, self.nodes = list(self.nodes.values()), {}
        with contextlib.suppress(Exception):
            await asyncio.gather(*(node.stop() for node in nodes))
        shutil.rmtree(self.run_dir, ignore_errors=True)
