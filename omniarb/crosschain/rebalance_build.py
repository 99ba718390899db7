"""The rebalancer assembled beside the cross-chain coordinator (`[rebalance] enabled`): the
bridges of the manifest (Across, the canonical bridge), the inventory account's senders on the
nonces the legs share, its balances, the bands in base units, the view's prices, and the
telemetry (metrics, the live feed, the stuck alert).

A transfer that moves changes the inventory the detector sizes from: on each status change the
coordinator re-reads the account's balances on both chains (a deposit leaves the source, an
arrival reaches the destination), so no leg is sized on tokens the bridge holds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import AsyncExitStack

from omniarb.bridges import AcrossBridge, Bridge, CanonicalBridge
from omniarb.chains.rpc import RpcClient
from omniarb.config import Settings
from omniarb.crosschain.nonces import NonceAllocators
from omniarb.crosschain.rebalance_plan import Band
from omniarb.crosschain.rebalance_setup import (
    ChainBalances,
    bands_in_base_units,
    chain_access,
    inventory_tokens,
)
from omniarb.crosschain.rebalancer import Rebalancer
from omniarb.execute.signer import Signer
from omniarb.network import Manifest, TokenEntry
from omniarb.store.bridge_transfers import BridgeTransfer, BridgeTransferStore
from omniarb.store.database import HistoryDatabase
from omniarb.telemetry import Telemetry

__all__ = ["AssetPrices", "BuiltRebalancer", "build_rebalancer"]

log = logging.getLogger(__name__)


class AssetPrices(Mapping[str, float]):
    """USD per whole token of each asset, read live from `price_of` (the cross-chain view's
    mid prices): an asset the view has not priced yet is absent."""

    def __init__(self, price_of: Callable[[str], float | None], assets: tuple[str, ...]) -> None:
        self._price_of = price_of
        self._assets = assets

    def __getitem__(self, asset: str) -> float:
        price = self._price_of(asset)
        if price is None:
            raise KeyError(asset)
        return price

    def __iter__(self) -> Iterator[str]:
        return (a for a in self._assets if self._price_of(a) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class BuiltRebalancer:
    """The rebalancer with what the coordinator and the inventory view read of it."""

    def __init__(
        self,
        rebalancer: Rebalancer,
        bands: list[Band],
        tokens: Mapping[tuple[str, str], TokenEntry],
    ) -> None:
        self.rebalancer = rebalancer
        self.bands = bands
        self.tokens = tokens

    def band_limits(self) -> dict[tuple[str, str], tuple[int | None, int | None]]:
        """The detector's bands: (chain, token) → (floor, ceiling) in base units — a leg never
        sells below a band's low nor buys past its high."""
        limits: dict[tuple[str, str], tuple[int | None, int | None]] = {}
        for band in self.bands:
            token = self.tokens.get((band.chain, band.asset))
            if token is not None:
                limits[(band.chain, token.address.lower())] = (band.low, band.high)
        return limits


async def build_rebalancer(
    manifest: Manifest,
    settings: Settings,
    *,
    rpcs: Mapping[str, RpcClient],
    signers: Mapping[str, Signer],
    allocators: NonceAllocators,
    database: HistoryDatabase,
    prices: AssetPrices,
    stack: AsyncExitStack,
    telemetry: Telemetry | None = None,
    on_change: Callable[[BridgeTransfer], None] | None = None,
) -> BuiltRebalancer:
    """The rebalancer over the chains of `signers` (those with an inventory account)."""
    chains = [c for c in manifest.chains if c.name in signers]
    names = {c.name for c in chains}
    # A band of a chain this run does not trade (a configuration shared by runs of different
    # chains, the demo's on a devnet of fewer chains) is left out, and said so.
    for band in settings.rebalance.bands:
        if band.chain not in names:
            log.warning("rebalance: the band of %s on %s is left out: not traded here",
                        band.asset, band.chain)  # fmt: skip
    config = settings.rebalance.model_copy(
        update={"bands": tuple(b for b in settings.rebalance.bands if b.chain in names)}
    )
    traded = Manifest(chains=tuple(chains))
    tokens = inventory_tokens(traded, {band.asset for band in config.bands})
    bands = bands_in_base_units(config, tokens)
    bridges: list[Bridge] = []
    if any(b.kind == "across" for c in chains for b in c.bridges) or not any(
        c.devnet for c in chains
    ):
        bridges.append(await stack.enter_async_context(AcrossBridge(traded, rpcs)))
    if any(b.kind == "canonical" for c in chains for b in c.bridges):
        bridges.append(CanonicalBridge(traded, rpcs))
    access = {
        c.name: chain_access(
            c.name,
            rpc=rpcs[c.name],
            signer=signers[c.name],
            allocators=allocators,
            tip_wei=settings.cross_chain.execution.tip_wei,
        )
        for c in chains
    }
    monitor = telemetry.monitor if telemetry is not None else None
    rebalancer = Rebalancer(
        settings=config,
        bands=bands,
        tokens=tokens,
        chains=access,
        bridges=bridges,
        store=BridgeTransferStore(database.engine),
        balances=ChainBalances(
            rpcs=rpcs,
            accounts={c.name: str(c.inventory_account) for c in chains},
            tokens=tokens,
        ),
        prices=prices,
        recipients={c.name: str(c.inventory_account) for c in chains},
        native_assets={
            c.name: next((t.asset for t in c.tokens if t.wrapped_native), "") for c in chains
        },
        on_change=on_change,
        alerts=monitor.alerts.publish if monitor is not None else None,
        observer=telemetry,
    )
    log.info(
        "rebalancer: %d bands over %s, bridges %s",
        len(bands),
        ", ".join(c.name for c in chains),
        ", ".join(b.name for b in bridges) or "none",
    )
    return BuiltRebalancer(rebalancer, bands, tokens)
