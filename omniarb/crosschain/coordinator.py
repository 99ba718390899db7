"""The cross-chain coordinator: beside the chains' pipelines, it sees every chain's pool states
per block, asks the cross-chain detector for trades, and executes them against the inventory.

    coordinator = CrossChainCoordinator(detector=detector, trader=trader, inventory=book, ...)
    engine.tap_updates(coordinator.tap)      # each chain's PoolUpdate, never waited for
    await coordinator.run()                  # until cancelled

The tap puts each update on a bounded queue and returns at once: a full queue drops the update
(counted per chain), so the per-chain hot path never waits for cross-chain work. One trade per
asset is in flight at a time (a second one on the same inventory would be priced on balances the
first is still changing), and none starts while the open exposure is above
`[cross_chain.execution] max_open_exposure_usd`. Each settled trade updates the inventory from
its legs' receipts, the metrics, and the live feed (`cross_chain_trade`, the trade row's fields).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from omniarb.api.inventory import InventoryView
from omniarb.chains.fee_models import FeeOracle
from omniarb.chains.fees import fees_for
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import FeeModel
from omniarb.cross_chain_types import CrossChainOpportunity, LegFee
from omniarb.crosschain.inventory import InventoryBook
from omniarb.crosschain.pnl import TradePrices
from omniarb.crosschain.rebalance_build import BuiltRebalancer
from omniarb.crosschain.trader import CrossChainTrader, SettledTrade
from omniarb.dex.base import PoolState
from omniarb.errors import OmniarbError
from omniarb.monitor.cross_chain_metrics import CrossChainMetrics
from omniarb.store.bridge_transfers import BridgeTransfer
from omniarb.types import PoolUpdate

__all__ = ["CrossChainCoordinator", "CrossChainDetectorLike", "trade_event"]

log = logging.getLogger(__name__)

_QUEUE = 256
_REMEMBERED_IDS = 4096
# The unsigned size of a leg's router call, for an L2's L1 data fee estimate: a two-hop V3
# `exactInput` with its envelope is under 400 bytes.
_LEG_TX_BYTES = 400


class CrossChainDetectorLike(Protocol):
    """The cross-chain detector's entry point (`omniarb.detect.cross_chain`)."""

    def on_block(
        self,
        chain: str,
        block_number: int,
        states: Iterable[PoolState],
        *,
        inventory: Mapping[tuple[str, str], int],
        bands: Any,
        fees: Mapping[str, LegFee],
        leg_latency_s: float | None,
    ) -> list[CrossChainOpportunity]: ...

    def native_usd(self, chain: str) -> float | None:
        """The chain's native coin in USD as the view prices it, None while unpriced."""
        ...

    def price_usd(self, identity: str, chain: str) -> float | None:
        """USD per whole token of `identity` on `chain` in the view, None while unpriced."""
        ...

    def asset_usd(self, identity: str) -> float | None:
        """USD per whole token of `identity` over the chains that price it, None if none."""
        ...


def trade_event(opportunity: CrossChainOpportunity, settled: SettledTrade) -> dict[str, Any]:
    """The live feed's `cross_chain_trade`: the trade row's fields (amounts as strings)."""
    return {
        "id": settled.trade_id,
        "asset": opportunity.asset,
        "quote_asset": opportunity.quote_asset,
        "sell_chain": opportunity.sell.chain,
        "buy_chain": opportunity.buy.chain,
        "status": settled.status,
        "expected_value_usd": opportunity.expected_value_usd,
        "gross_usd": opportunity.gross_usd,
        "fees_usd": opportunity.fees_usd,
        "rebalance_cost_usd": opportunity.rebalance_cost_usd,
        "risk_charge_usd": opportunity.risk_charge_usd,
        "predicted_pnl_usd": settled.predicted_pnl_usd,
        "realized_pnl_usd": settled.realized_pnl_usd,
        "inventory_change": settled.inventory_change,
        "legs": [
            {
                "role": leg.role.value,
                "chain": leg.chain,
                "status": leg.status.value,
                "tx_hash": leg.tx_hash,
                "amount_in": str(leg.amount_in),
                "predicted_out": str(leg.predicted_out),
                "realized_out": str(leg.realized_out),
                "fee_wei": None if leg.fee_wei is None else str(leg.fee_wei),
            }
            for leg in (settled.sell, settled.buy, *settled.unwinds)
        ],
    }


class CrossChainCoordinator:
    """Runs the cross-chain detector on every chain's blocks and executes what it finds."""

    def __init__(
        self,
        *,
        detector: CrossChainDetectorLike,
        trader: CrossChainTrader,
        inventory: InventoryBook,
        prices: Callable[[CrossChainOpportunity], TradePrices],
        chains: tuple[str, ...],
        metrics: CrossChainMetrics | None = None,
        publish: Callable[[str, dict[str, Any]], object] | None = None,
        bands: Any = None,
        queue_size: int = _QUEUE,
        fee_oracles: Mapping[str, FeeOracle] | None = None,
        fee_models: Mapping[str, FeeModel] | None = None,
        leg_gas: int = 150_000,
        tip_wei: int = 10**9,
        pools_busy: Callable[[str, tuple[str, ...]], bool] | None = None,
        accounts: Mapping[str, str] | None = None,
        rpcs: Mapping[str, RpcClient] | None = None,
        tokens: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self._detector = detector
        self._trader = trader
        self.inventory = inventory
        self._prices = prices
        self._chains = chains
        self._metrics = metrics
        self._publish = publish
        self.bands = bands
        self._updates: asyncio.Queue[tuple[str, PoolUpdate]] = asyncio.Queue(maxsize=queue_size)
        self._base_fees_wei: dict[str, int] = {}
        self._fee_oracles = dict(fee_oracles or {})
        self._fee_models = dict(fee_models or {})
        self._leg_gas = leg_gas
        self._pools_busy = pools_busy
        self._accounts = dict(accounts or {})
        self._rpcs = dict(rpcs or {})
        self._tokens = dict(tokens or {})
        # The rebalancer run beside (`omniarb.crosschain.rebalance_build`), and what the API
        # reads the inventory from (`omniarb.crosschain.inventory_view`), set by the factory.
        self.rebalancer: BuiltRebalancer | None = None
        self.inventory_view: InventoryView | None = None
        self._reloads: set[asyncio.Task[None]] = set()
        # Opportunities passed over because an atomic trade in flight moves one of their pools.
        self.deferred_in_flight = 0
        self._tip_wei = tip_wei
        self._busy_assets: set[str] = set()
        # The ids of the opportunities traded (bounded): one the detector offers again (the
        # same block's prices seen twice) is never traded twice.
        self._traded_ids: dict[str, None] = {}
        self._trades: set[asyncio.Task[None]] = set()
        self.dropped: dict[str, int] = {}
        self.waited_for_exposure = 0
        self.settled: list[SettledTrade] = []

    def tap(self, chain: str, update: PoolUpdate) -> None:
        """A chain's pool update, from its pipeline: queued, or dropped and counted."""
        try:
            self._updates.put_nowait((chain, update))
        except asyncio.QueueFull:
            self.dropped[chain] = self.dropped.get(chain, 0) + 1
            if self._metrics is not None:
                self._metrics.dropped_updates.labels(chain).inc()

    async def feed(self, chain: str, update: PoolUpdate) -> None:
        """A chain's pool update from the bus (`omniarb.cluster.pool_intake`): queued like
        `tap`'s, but waiting for room rather than dropping it, so a backlog replayed at start
        (each chain's first update names all its pools) is applied whole and the bus keeps
        what is not yet queued, unacknowledged."""
        await self._updates.put((chain, update))

    def transfer_moved(self, transfer: BridgeTransfer) -> None:
        """A rebalancer's transfer changed status: re-read the account's balances on its two
        chains (a deposit left the source, an arrival reached the destination), off the loop's
        hot path, so the detector never sizes a leg on tokens a bridge holds."""
        for chain in (transfer.src_chain, transfer.dst_chain):
            task = asyncio.get_running_loop().create_task(self._reload(chain))
            self._reloads.add(task)
            task.add_done_callback(self._reloads.discard)

    async def _reload(self, chain: str) -> None:
        rpc, account = self._rpcs.get(chain), self._accounts.get(chain)
        if rpc is None or account is None:
            return
        try:
            await self.inventory.load(
                chain=chain, rpc=rpc, account=account, tokens=self._tokens.get(chain, ())
            )
        except OmniarbError as exc:
            log.warning("cross-chain: re-reading the inventory on %s failed: %s", chain, exc)

    async def run(self) -> None:
        """Decide every queued update until cancelled; trades run beside, one per asset, and
        the rebalancer when there is one."""
        async with asyncio.TaskGroup() as tasks:
            if self.rebalancer is not None:
                tasks.create_task(self.rebalancer.rebalancer.run())
            while True:
                chain, update = await self._updates.get()
                try:
                    # Off the event loop: pricing a block's assets on five chains is pure
                    # Python that would otherwise hold every chain's hot path while it runs
                    # (the first block of each chain prices all its pools at once).
                    found = await asyncio.to_thread(self._detect, chain, update)
                    for opportunity in found:
                        if (
                            opportunity.asset in self._busy_assets
                            or opportunity.id in self._traded_ids
                        ):
                            continue
                        if self._moved_by_atomic_trade(opportunity):
                            self.deferred_in_flight += 1
                            continue
                        self._busy_assets.add(opportunity.asset)
                        self._traded_ids[opportunity.id] = None
                        if len(self._traded_ids) > _REMEMBERED_IDS:
                            del self._traded_ids[next(iter(self._traded_ids))]
                        tasks.create_task(self._trade(opportunity))
                except Exception:  # one bad update is dropped, the coordinator goes on
                    log.exception("cross-chain: detecting on %s block %d failed", chain,
                                  update.block_number)  # fmt: skip

    def _detect(self, chain: str, update: PoolUpdate) -> list[CrossChainOpportunity]:
        self._base_fees_wei[chain] = update.base_fee_wei
        if self._trader.exposures.blocked:
            self.waited_for_exposure += 1
            return []
        # The view learns every pool from the chain's first update (all its pools) and then
        # only what each block changed: it re-prices only the assets those pools carry.
        latencies = self._trader.latency.snapshot().values()
        return self._detector.on_block(
            chain,
            update.block_number,
            update.pools,
            inventory=self.inventory.snapshot(),
            bands=self.bands,
            fees=self._leg_fees(),
            # The slowest pair's: the risk charge never understates the exposure time.
            leg_latency_s=max(latencies) if latencies else None,
        )

    def _moved_by_atomic_trade(self, opportunity: CrossChainOpportunity) -> bool:
        """Whether the chain's own atomic trade in flight may move a pool of either leg: the
        gap it prices is often the one that trade is closing (a market swap dislocated one pool
        of the chain), and a leg landing after it would fill past its minimum out."""
        if self._pools_busy is None:
            return False
        return any(
            self._pools_busy(leg.chain, leg.route.pools)
            for leg in (opportunity.sell, opportunity.buy)
        )

    def _leg_fees(self) -> dict[str, LegFee]:
        """One leg's cost on every chain whose block and native price are known: its fee
        oracle's quote where the pipeline has one, else the base fee plus the leg's tip."""
        fees: dict[str, LegFee] = {}
        for chain, base_fee_wei in self._base_fees_wei.items():
            native_usd = self._detector.native_usd(chain)
            if native_usd is None:
                continue
            oracle = self._fee_oracles.get(chain)
            if oracle is not None and oracle.has_quote:
                quote = oracle.quote
                fees[chain] = LegFee.from_quote(
                    quote.fees(base_fee_wei),
                    base_fee_wei=base_fee_wei,
                    l1_data_fee_wei=quote.l1_fee_estimate_wei(_LEG_TX_BYTES),
                    leg_gas=self._leg_gas,
                    native_usd=native_usd,
                )
                continue
            model = self._fee_models.get(chain)
            if model is None:
                continue
            fees[chain] = LegFee.from_quote(
                fees_for(model, base_fee_wei=base_fee_wei, tip_wei=self._tip_wei),
                base_fee_wei=base_fee_wei,
                l1_data_fee_wei=0,
                leg_gas=self._leg_gas,
                native_usd=native_usd,
            )
        return fees

    async def _trade(self, opportunity: CrossChainOpportunity) -> None:
        try:
            settled = await self._trader.execute(opportunity, self._prices(opportunity))
        except Exception:
            log.exception("cross-chain trade %s failed", opportunity.id)
            return
        finally:
            self._busy_assets.discard(opportunity.asset)
        self.settled.append(settled)
        self.inventory.apply_legs((settled.sell, settled.buy, *settled.unwinds))
        if self._metrics is not None:
            self._metrics.trade(
                status=settled.status,
                sell_chain=opportunity.sell.chain,
                buy_chain=opportunity.buy.chain,
                realized_usd=settled.realized_pnl_usd,
            )
            self._metrics.exposure(self._trader.exposures.open_usd_by_chain(), self._chains)
        if self._publish is not None:
            self._publish("cross_chain_trade", trade_event(opportunity, settled))
