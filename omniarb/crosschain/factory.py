"""The cross-chain coordinator assembled for `run_bot`: one leg sender per chain with an
inventory account, the store on the history's database, the exposure book (restored from the
store), the inventory read once, metrics and the live feed from the telemetry."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AsyncExitStack
from typing import Protocol, runtime_checkable

from omniarb.chains.assets import AssetRegistry
from omniarb.chains.fee_models import FeeOracle
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import chain_by_id
from omniarb.config import Settings
from omniarb.cross_chain_types import CrossChainOpportunity
from omniarb.crosschain.coordinator import CrossChainCoordinator, CrossChainDetectorLike
from omniarb.crosschain.exposure import ExposureBook
from omniarb.crosschain.inventory import InventoryBook
from omniarb.crosschain.inventory_view import CrossChainInventoryView
from omniarb.crosschain.leg_chain import LegChain
from omniarb.crosschain.legs import LegLatency
from omniarb.crosschain.nonces import NonceAllocators
from omniarb.crosschain.pnl import TradePrices
from omniarb.crosschain.prices import trade_prices
from omniarb.crosschain.rebalance_build import AssetPrices, build_rebalancer
from omniarb.crosschain.trader import CrossChainTrader
from omniarb.errors import ConfigError
from omniarb.execute.signer import Signer
from omniarb.network import ChainManifest, Manifest
from omniarb.store.cross_chain import CrossChainStore
from omniarb.store.database import HistoryDatabase
from omniarb.telemetry import Telemetry

__all__ = ["InventoryAccess", "build_coordinator"]


@runtime_checkable
class InventoryAccess(Protocol):
    """Who signs the inventory account's legs on a chain (the devnet's, a network's)."""

    def inventory_signer(self, chain: ChainManifest) -> Signer: ...


async def build_coordinator(
    manifest: Manifest,
    settings: Settings,
    *,
    rpcs: Mapping[str, RpcClient],
    access: InventoryAccess,
    database: HistoryDatabase,
    detector: CrossChainDetectorLike,
    telemetry: Telemetry | None = None,
    fee_oracles: Mapping[str, FeeOracle] | None = None,
    pools_busy: Callable[[str, tuple[str, ...]], bool] | None = None,
    stack: AsyncExitStack | None = None,
) -> CrossChainCoordinator:
    """The coordinator over every chain of `manifest` that names an inventory account;
    `fee_oracles` are the chain pipelines' fee quotes, which the legs bid from. With
    `[rebalance] enabled` (and a `stack` holding the bridges' clients), the rebalancer runs in
    it, sharing the account's nonces with the legs; its bands bound the detector's sizes."""
    execution = settings.cross_chain.execution
    chains = [c for c in manifest.chains if c.inventory_account]
    if len(chains) < 2:
        raise ConfigError("cross_chain.execution: fewer than two chains name an inventory_account")
    legs: dict[str, LegChain] = {}
    allocators = NonceAllocators()
    for chain in chains:
        signer = access.inventory_signer(chain)
        if signer.address.lower() != str(chain.inventory_account).lower():
            raise ConfigError(
                f"cross_chain.execution.key: signs as {signer.address}, but {chain.name}'s "
                f"inventory_account is {chain.inventory_account}"
            )
        legs[chain.name] = LegChain(
            chain=chain.name,
            rpc=rpcs[chain.name],
            signer=signer,
            fee_model=chain_by_id(chain.chain_id).fee_model,
            routers={d.name: d.router for d in chain.dexes},
            tip_wei=execution.tip_wei,
            deadline_s=execution.deadline_s,
            receipt_timeout_s=execution.receipt_timeout_s,
            gas_limit_factor=execution.gas_limit_factor,
            fee_oracle=(fee_oracles or {}).get(chain.name),
            nonces=allocators.manager(
                chain=chain.name, rpc=rpcs[chain.name], address=signer.address
            ),
        )
    store = CrossChainStore(database.engine)
    hub = telemetry.hub if telemetry is not None else None
    monitor = telemetry.monitor if telemetry is not None else None
    book = ExposureBook(settings=execution, chains=legs, record=store.record_exposure)
    book.restore(await store.exposures(status="open"))
    trader = CrossChainTrader(
        chains=legs,
        store=store,
        exposures=book,
        latency=LegLatency(alpha=execution.latency_ewma_alpha),
        policy=execution.unwind,
    )
    inventory = InventoryBook()
    for chain in chains:
        await inventory.load(
            chain=chain.name,
            rpc=rpcs[chain.name],
            account=str(chain.inventory_account),
            tokens=[t.address for t in chain.tokens],
        )
    by_chain = {c.name: c for c in chains}

    def prices(opportunity: CrossChainOpportunity) -> TradePrices:
        return trade_prices(
            opportunity, lambda name, token: by_chain[name].token_by_address(token).decimals
        )

    registry = AssetRegistry.from_manifest(manifest, settings.cross_chain.equivalent_assets)
    coordinator = CrossChainCoordinator(
        detector=detector,
        trader=trader,
        inventory=inventory,
        prices=prices,
        chains=tuple(legs),
        metrics=monitor.metrics.cross_chain if monitor is not None else None,
        publish=hub.publish if hub is not None else None,
        fee_oracles=fee_oracles,
        fee_models={c.name: chain_by_id(c.chain_id).fee_model for c in chains},
        leg_gas=execution.leg_gas,
        tip_wei=execution.tip_wei,
        pools_busy=pools_busy,
        accounts={c.name: str(c.inventory_account) for c in chains},
        rpcs=rpcs,
        tokens={c.name: tuple(t.address for t in c.tokens) for c in chains},
    )
    rebalancer = None
    if settings.rebalance.enabled and stack is not None:
        rebalancer = await build_rebalancer(
            manifest,
            settings,
            rpcs=rpcs,
            signers={name: leg.signer for name, leg in legs.items()},
            allocators=allocators,
            database=database,
            prices=AssetPrices(detector.asset_usd, registry.assets()),
            stack=stack,
            telemetry=telemetry,
            on_change=coordinator.transfer_moved,
        )
        coordinator.rebalancer = rebalancer
        coordinator.bands = rebalancer.band_limits()
    coordinator.inventory_view = CrossChainInventoryView(
        chains=tuple(chains),
        book=inventory,
        registry=registry,
        price_usd=detector.price_usd,
        rebalancer=rebalancer,
    )
    return coordinator
