"""`AcrossRelayer`: the devnet's Across relayer, filling deposits like Across's own relayers do.

It watches every chain's SpokePool for `FundsDeposited` and, `delay_s` after the deposit's
block, fills it on its destination with the real `fillRelay` from its own account
(`ACROSS_RELAYER_INDEX`, funded with every token at deployment), asking repayment on the
destination chain. It fills only a deposit whose `outputAmount` leaves it its fee
(`AcrossFees.pays_fee`), whose fill deadline has not passed and that no one else must fill
first (an exclusive relayer). It never fills twice: right before filling it reads
`fillStatuses(relayHash)` on the destination, and the SpokePool itself refuses a second fill
(`RelayFilled`). After `stop()` and `start()` it goes on from its cursor; a new relayer scans
from `from_block` (the chains' start by default), so a restarted devnet process finds the
deposits it had not filled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from omniarb.bridges.across_abi import (
    FILL_STATUS_FILLED,
    FUNDS_DEPOSITED_TOPIC,
    AcrossRelay,
    fill_status_calldata,
    parse_funds_deposited,
)
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import FeeModel, chain_by_id
from omniarb.devnet.accounts import ACROSS_RELAYER_INDEX, DevAccount, dev_account
from omniarb.devnet.bridges.across_api import AcrossApi, SpokeEndpoint
from omniarb.devnet.bridges.across_fees import AcrossFees, AcrossParams
from omniarb.devnet.bridges.across_fill import send_fill
from omniarb.errors import NODE_ERRORS, DevnetError, RejectedError, RevertError
from omniarb.network import ChainManifest, Manifest

__all__ = ["AcrossRelayer", "AcrossRelayerStats", "across_entry"]

log = logging.getLogger(__name__)

# Blocks per eth_getLogs: bounded, so a long-running chain's history is read in pieces.
_LOG_CHUNK_BLOCKS = 5_000
# A fill that reverts (not for being filled already) is tried this often, then given up.
_MAX_FILL_ATTEMPTS = 3


def across_entry(chain: ChainManifest) -> tuple[str, str] | None:
    """The chain's SpokePool and relayer addresses from its `across` bridge entry, if any."""
    for bridge in chain.bridges:
        if bridge.kind == "across":
            return bridge.address, bridge.contracts.get("relayer", "")
    return None


@dataclass(slots=True)
class AcrossRelayerStats:
    """What the relayer did with the deposits it saw (mutable counters, read by tests)."""

    seen: int = 0
    filled: int = 0
    already_filled: int = 0
    refused_fee: int = 0
    expired: int = 0
    failed: int = 0


@dataclass(slots=True)
class _Pending:
    relay: AcrossRelay
    due_at_s: float
    attempts: int = 0


@dataclass(slots=True)
class _Chain:
    manifest: ChainManifest
    rpc: RpcClient
    spoke_pool: str
    cursor: int
    legacy: bool
    # Deposits to fill on this chain (it is their destination), by (origin, deposit id).
    pending: dict[tuple[int, int], _Pending] = field(default_factory=dict)


class AcrossRelayer:
    """Fills the devnet's Across deposits (see the module docstring); a bridge-service agent
    with `start()` / `stop()`."""

    name = "across-relayer"

    def __init__(
        self,
        manifest: Manifest,
        params: AcrossParams,
        *,
        account: DevAccount | None = None,
        from_block: int = 0,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.params = params
        self.fees = AcrossFees(manifest, params)
        self.account = account or dev_account(ACROSS_RELAYER_INDEX)
        self.stats = AcrossRelayerStats()
        self._manifest = manifest
        self._from_block = from_block
        self._chains: dict[int, _Chain] = {}
        self._task: asyncio.Task[None] | None = None
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self.api_url = ""

    async def start(self) -> None:
        """Connect to every chain with a SpokePool and start watching (idempotent)."""
        if self._task is not None:
            return
        if not self._chains:
            self._chains = self._watched_chains()
        for chain in self._chains.values():
            await chain.rpc.__aenter__()
        try:
            await self._serve_api()
        except BaseException:
            await self._disconnect()
            raise
        self._task = asyncio.create_task(self._run(), name=self.name)
        log.info(
            "Across relayer %s watching %d chains, its API at %s",
            self.account.address,
            len(self._chains),
            self.api_url,
        )

    def _watched_chains(self) -> dict[int, _Chain]:
        chains = {}
        for manifest in self._manifest.chains:
            entry = across_entry(manifest)
            if entry is None:
                continue
            chains[manifest.chain_id] = _Chain(
                manifest=manifest,
                rpc=RpcClient(manifest.rpc_http, timeout_s=10.0),
                spoke_pool=entry[0],
                cursor=self._from_block,
                legacy=chain_by_id(manifest.chain_id).fee_model is FeeModel.LEGACY,
            )
        if not chains:
            raise DevnetError("no chain of the manifest has an Across SpokePool")
        return chains

    async def _serve_api(self) -> None:
        """Serve `/api/suggested-fees`, on the same port again after a restart (the manifest
        names it)."""
        endpoints = {
            chain_id: SpokeEndpoint(rpc=chain.rpc, spoke_pool=chain.spoke_pool)
            for chain_id, chain in self._chains.items()
        }
        api = AcrossApi(self.fees, endpoints, relayer=self.account.address)
        self._runner = web.AppRunner(api.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        self._port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.api_url = f"http://{self._host}:{self._port}/api"

    async def stop(self) -> None:
        """Stop watching and filling (idempotent); what it has seen is kept for `start()`."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await self._disconnect()

    async def _disconnect(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        for chain in self._chains.values():
            with contextlib.suppress(Exception):
                await chain.rpc.__aexit__(None, None, None)

    async def _run(self) -> None:
        async with asyncio.TaskGroup() as group:
            for chain in self._chains.values():
                group.create_task(self._watch(chain))

    async def _watch(self, chain: _Chain) -> None:
        while True:
            try:
                await self._scan(chain)
                await self._fill_due(chain)
            except NODE_ERRORS as exc:
                # A node hiccup costs one poll, never the relayer.
                log.warning("Across relayer on %s: %s", chain.manifest.name, exc)
            await asyncio.sleep(self.params.poll_s)

    async def _scan(self, origin: _Chain) -> None:
        """Read new `FundsDeposited` logs of `origin`'s SpokePool, up to its head."""
        head = int(await origin.rpc.call("eth_blockNumber"), 16)
        while origin.cursor <= head:
            to_block = min(origin.cursor + _LOG_CHUNK_BLOCKS - 1, head)
            logs = await origin.rpc.call(
                "eth_getLogs",
                {
                    "address": origin.spoke_pool,
                    "topics": [FUNDS_DEPOSITED_TOPIC],
                    "fromBlock": hex(origin.cursor),
                    "toBlock": hex(to_block),
                },
            )
            for entry in logs:
                await self._saw(origin, entry)
            origin.cursor = to_block + 1

    async def _saw(self, origin: _Chain, entry: dict[str, Any]) -> None:
        relay = parse_funds_deposited(entry, origin_chain_id=origin.manifest.chain_id)
        if relay is None:
            return
        destination = self._chains.get(relay.destination_chain_id)
        if destination is None:
            log.warning(
                "deposit %d on %s: no SpokePool on chain %d",
                relay.deposit_id,
                origin.manifest.name,
                relay.destination_chain_id,
            )
            return
        key = (relay.origin_chain_id, relay.deposit_id)
        if key in destination.pending:
            return
        block = await origin.rpc.call("eth_getBlockByNumber", hex(relay.block_number), False)
        due_at_s = int(block["timestamp"], 16) + self.params.delay_s
        destination.pending[key] = _Pending(relay=relay, due_at_s=due_at_s)
        self.stats.seen += 1

    async def _fill_due(self, chain: _Chain) -> None:
        now_s = time.time()
        for key, pending in sorted(chain.pending.items(), key=lambda kv: kv[1].due_at_s):
            if pending.due_at_s > now_s:
                break
            if await self._settle(chain, pending):
                del chain.pending[key]

    async def _settle(self, chain: _Chain, pending: _Pending) -> bool:
        """Fill `pending` if it should be; whether it needs no more attention."""
        relay = pending.relay
        status = await chain.rpc.call(
            "eth_call", {"to": chain.spoke_pool, "data": fill_status_calldata(relay)}, "latest"
        )
        if int(status, 16) == FILL_STATUS_FILLED:
            self.stats.already_filled += 1
            return True
        if relay.fill_deadline < time.time():
            self.stats.expired += 1
            log.info(
                "deposit %d from chain %d expired unfilled", relay.deposit_id, relay.origin_chain_id
            )
            return True
        if not self._pays(relay):
            self.stats.refused_fee += 1
            log.info(
                "deposit %d from chain %d asks %d out of %d in: below the relayer's fee",
                relay.deposit_id,
                relay.origin_chain_id,
                relay.output_amount,
                relay.input_amount,
            )
            return True
        if not self._may_fill(relay):
            return False  # an exclusive relayer's window: wait for it to end
        pending.attempts += 1
        try:
            ok = await self._fill(chain, relay)
        except RevertError as exc:
            # The estimate reverted: filled meanwhile (the next status read says so), or the
            # relayer lacks the token; a few tries, then it is given up.
            log.warning(
                "fill of deposit %d from chain %d reverts: %s",
                relay.deposit_id,
                relay.origin_chain_id,
                exc,
            )
            ok = False
        if ok:
            self.stats.filled += 1
            return True
        if pending.attempts >= _MAX_FILL_ATTEMPTS:
            self.stats.failed += 1
            return True
        return False

    def _pays(self, relay: AcrossRelay) -> bool:
        try:
            route = self.fees.route(
                relay.origin_chain_id,
                relay.input_token,
                relay.destination_chain_id,
                relay.output_token,
            )
        except RejectedError:
            return False
        return self.fees.pays_fee(route, relay.input_amount, relay.output_amount)

    def _may_fill(self, relay: AcrossRelay) -> bool:
        exclusive = relay.exclusive_relayer
        mine = bytes.fromhex(self.account.address[2:]).rjust(32, b"\0")
        return not any(exclusive) or exclusive == mine or relay.exclusivity_deadline < time.time()

    async def _fill(self, chain: _Chain, relay: AcrossRelay) -> bool:
        """Send `fillRelay` from the relayer's account and wait for it; whether it succeeded."""
        ok, tx_hash = await send_fill(
            chain.rpc,
            self.account,
            relay,
            chain_id=chain.manifest.chain_id,
            spoke_pool=chain.spoke_pool,
            legacy=chain.legacy,
        )
        log.info(
            "fill of deposit %d from chain %d on %s: %s (%s)",
            relay.deposit_id,
            relay.origin_chain_id,
            chain.manifest.name,
            "ok" if ok else "failed",
            tx_hash,
        )
        return ok
