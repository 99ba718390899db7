"""The demo's treasury: its profits are swept from each chain's executor to the chain's Safe,
every `[treasury] demo_sweep_every_blocks` blocks of that chain while it runs (0: never) and once
at the end, and the final summary says what was swept in all."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from pathlib import Path

from omniarb.chains.rpc import RpcClient
from omniarb.cli.treasury_cmd import devnet_sweeps, whole_tokens
from omniarb.config import Settings
from omniarb.custody.treasury import SweepResult
from omniarb.errors import OmniarbError
from omniarb.network import Manifest
from omniarb.store import HistoryDatabase

__all__ = ["DemoTreasury"]

log = logging.getLogger(__name__)

# How often the periodic sweep looks at the chains' heads; a sweep waits for its blocks anyway.
_HEAD_POLL_S = 1.0


class DemoTreasury:
    """Sweeps the demo's executors to their Safes and adds up what moved."""

    def __init__(self, settings: Settings, db_url: str) -> None:
        self._manifest_path: Path | None = None
        self._settings = settings
        self._db_url = db_url
        # (chain, symbol) -> base units swept, with the token's decimals.
        self._swept: dict[tuple[str, str], int] = defaultdict(int)
        self._decimals: dict[tuple[str, str], int] = {}
        self._destinations: dict[str, str] = {}
        self._failures: list[str] = []
        # A sweep is never cancelled halfway (its withdrawal would be mined without its audit
        # row or its line in the summary): the periodic loop is asked to stop and finishes the
        # sweep it is in; and sweeps never overlap (they share the Safe's nonce).
        self._stopping = asyncio.Event()
        self._one_at_a_time = asyncio.Lock()

    def attach(self, manifest_path: Path) -> None:
        """The devnet to sweep, once it is up."""
        self._manifest_path = manifest_path

    def _manifest(self) -> Path:
        if self._manifest_path is None:
            raise RuntimeError("DemoTreasury.attach(manifest_path) first")
        return self._manifest_path

    def stop(self) -> None:
        """End `every_blocks` once the sweep it may be in is done."""
        self._stopping.set()

    async def every_blocks(self) -> None:
        """Sweep each chain every `demo_sweep_every_blocks` of its blocks until `stop`."""
        every = self._settings.treasury.demo_sweep_every_blocks
        if every == 0:
            return
        manifest = Manifest.read(self._manifest())
        last: dict[str, int] = {}
        while not self._stopping.is_set():
            for chain in manifest.chains:
                if self._stopping.is_set():
                    return
                try:
                    async with RpcClient(chain.rpc_http) as rpc:
                        head = int(await rpc.call("eth_blockNumber"), 16)
                except OmniarbError as exc:
                    log.warning("%s: no head for the periodic sweep: %s", chain.name, exc)
                    continue
                start = last.setdefault(chain.name, head)
                if head - start >= every:
                    last[chain.name] = head
                    await self.sweep([chain.name])
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), _HEAD_POLL_S)

    async def sweep(self, chains: list[str] | None = None) -> None:
        """One sweep of `chains` (else all); a failure is kept for the summary, not raised:
        the demo's trading result stands whatever the sweep does."""
        async with self._one_at_a_time:
            await self._sweep(chains)

    async def _sweep(self, chains: list[str] | None) -> None:
        database = await asyncio.to_thread(HistoryDatabase.open, self._db_url)
        try:
            results = await devnet_sweeps(
                self._manifest(),
                self._settings,
                dry_run=False,
                audit=database,
                chains=chains,
                actor="demo",
            )
        except OmniarbError as exc:
            log.warning("the treasury sweep failed: %s", exc)
            self._failures.append(str(exc))
            return
        finally:
            database.dispose()
        self._add(results)

    def _add(self, results: list[SweepResult]) -> None:
        for result in results:
            self._destinations[result.chain] = result.destination
            for holding in result.swept:
                key = (result.chain, holding.symbol)
                self._swept[key] += holding.excess
                self._decimals[key] = holding.decimals

    def summary(self) -> str:
        """What the demo swept to each chain's Safe, in whole tokens."""
        lines = []
        for chain, destination in sorted(self._destinations.items()):
            moved = [
                f"{whole_tokens(amount, self._decimals[key])} {key[1]}"
                for key, amount in sorted(self._swept.items())
                if key[0] == chain and amount
            ]
            lines.append(
                f"  {chain}: {', '.join(moved) or 'nothing above the floats'} to Safe {destination}"
            )
        lines += [f"  sweep failed: {failure}" for failure in self._failures]
        if not lines:
            return "treasury: no executor to sweep"
        return "treasury (profit above the executor's float, swept to the Safe):\n" + "\n".join(
            lines
        )
