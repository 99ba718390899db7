"""What the engine reports as values pass: metrics and alert rules, the API's live hub, and the
circuit breakers' ledger (settled trades, system errors and, when a breaker has a price rule,
the changed pools' spot prices, each under its chain). The engine calls these hooks
synchronously (they are cheap and never block); `run()` is the background work (alert
delivery, InfluxDB) the engine starts beside its pipelines and `close()` delivers what is
queued before the store is flushed.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from omniarb.api.cross_chain_views import bridge_transfer_item
from omniarb.monitor.metrics import chain_name
from omniarb.monitor.pending_metrics import ChainPendingMetrics
from omniarb.monitor.rpc_metrics import ChainRpcMetrics
from omniarb.types import ExecutionStatus

if TYPE_CHECKING:
    from omniarb.api.cross_chain_schemas import CrossChainTradeItem
    from omniarb.api.inventory import InventorySnapshot
    from omniarb.api.live import LiveHub
    from omniarb.chains.fee_models import FeeQuote
    from omniarb.chains.liveness import NodeStatus
    from omniarb.chains.rpc import RpcObserver
    from omniarb.execute.precheck_audit import AuditResult
    from omniarb.monitor.hub import Monitor
    from omniarb.risk.breaker_board import BreakerBoard
    from omniarb.store.bridge_transfers import BridgeTransfer
    from omniarb.track import ChainBotStats
    from omniarb.track.finality import Correction
    from omniarb.types import Decision, Execution, Opportunity, Outcome, PoolUpdate

__all__ = ["PipelineHooks", "Telemetry"]

log = logging.getLogger(__name__)


class PipelineHooks(Protocol):
    """The engine's observer."""

    def update(self, chain: str, update: PoolUpdate, *, queue_depth: int, head_block: int) -> None:
        """`update` is being decided while the state stage has synced up to `head_block`."""
        ...

    def opportunity(
        self, stats: ChainBotStats, opportunity: Opportunity, received_ns: int
    ) -> None: ...
    def decision(self, decision: Decision) -> None: ...
    def execution(self, execution: Execution) -> None: ...
    def outcome(self, stats: ChainBotStats, outcome: Outcome) -> None: ...
    def error(self, chain: str, component: str, error: BaseException) -> None: ...
    def fees(self, chain: str, quote: FeeQuote) -> None:
        """`chain`'s fee quote was refreshed for a new block."""
        ...

    def precheck_audit(self, chain: str, result: AuditResult) -> None:
        """A sampled audit of a trade sent without the node's pre-check came back."""
        ...

    def trade_corrected(self, stats: ChainBotStats, correction: Correction) -> None: ...
    def trades_final(self, chain: str, *, finalized: int, waiting: int) -> None: ...
    def node(self, status: NodeStatus, *, processed_block: int) -> None:
        """The chain's node was probed; `processed_block` is the block last decided."""
        ...

    async def run(self) -> None: ...
    async def close(self) -> None: ...


class Telemetry:
    """Fans each hook out to whichever of the monitor, the hub and the breaker are attached."""

    def __init__(
        self,
        *,
        monitor: Monitor | None = None,
        hub: LiveHub | None = None,
        breaker: BreakerBoard | None = None,
    ) -> None:
        self.monitor = monitor
        self.hub = hub
        self.breaker = breaker

    def update(self, chain: str, update: PoolUpdate, *, queue_depth: int, head_block: int) -> None:
        if self.monitor is not None:
            self.monitor.pool_update(update)
            self.monitor.metrics.set_queue_depth(chain, "updates", queue_depth)
            self.monitor.metrics.observe_block(
                chain, head_block=head_block, processed_block=update.block_number
            )
        if self.breaker is not None and self.breaker.watches_prices:
            for pool in update.pools:
                price = pool.spot_price()
                if price is not None:
                    # By state key: each pair of a Balancer pool shares its address but has a
                    # price of its own (USDC per DAI is not DAI per USDT).
                    self.breaker.observe_price(
                        chain, pool.state_key, price, block_number=update.block_number
                    )

    def opportunity(self, stats: ChainBotStats, opportunity: Opportunity, received_ns: int) -> None:
        if self.monitor is not None:
            self.monitor.opportunity(opportunity, received_ns=received_ns)
        if self.hub is not None:
            self.hub.publish_opportunity(opportunity, stats)

    def decision(self, decision: Decision) -> None:
        if self.monitor is not None:
            self.monitor.decision(decision)

    def execution(self, execution: Execution) -> None:
        if self.monitor is not None:
            self.monitor.execution(execution)
        if self.breaker is not None and execution.status is ExecutionStatus.FAILED:
            # A trade that could not be sent is a system error, as the monitor counts it.
            chain = chain_name(execution.decision.opportunity.chain_id)
            self.breaker.record_error(chain, "execute")

    def outcome(self, stats: ChainBotStats, outcome: Outcome) -> None:
        net_usd = (
            self.monitor.outcome(outcome)
            if self.monitor is not None
            else outcome.realized_net_usd()
        )
        if self.breaker is not None:
            self.breaker.record_result(stats.chain, success=outcome.success, net_usd=net_usd)
        if self.hub is not None:
            self.hub.publish_trade(outcome, stats)

    def cross_chain_trade(self, item: CrossChainTradeItem) -> None:
        """A cross-chain trade was recorded or settled (`cross_chain_trade_item(row, legs)`)."""
        if self.hub is not None:
            self.hub.publish_cross_chain_trade(item)

    def bridge_transfer(
        self, transfer: BridgeTransfer, open_transfers: list[BridgeTransfer]
    ) -> None:
        """A rebalancer's transfer reached a new status; `open_transfers` are all not final."""
        if self.monitor is not None:
            self.monitor.metrics.bridges.observe(transfer)
            self.monitor.metrics.bridges.set_open(open_transfers)
        if self.hub is not None:
            self.hub.publish_bridge_transfer(bridge_transfer_item(transfer))

    def inventory(self, snapshot: InventorySnapshot) -> None:
        """The inventory changed (a leg's receipt, a transfer's arrival): push it at once
        rather than at the API's next tick."""
        if self.hub is not None and self.hub.wants("inventory"):
            self.hub.publish_inventory(snapshot)

    def trade_corrected(self, stats: ChainBotStats, correction: Correction) -> None:
        if self.monitor is not None:
            self.monitor.trade_corrected(
                correction.before, correction.after, str(correction.result)
            )
        if self.hub is not None:
            self.hub.publish_trade(correction.after, stats)

    def precheck_audit(self, chain: str, result: AuditResult) -> None:
        if self.monitor is not None:
            self.monitor.metrics.precheck.observe_audit(chain, result.label)

    def trades_final(self, chain: str, *, finalized: int, waiting: int) -> None:
        if self.monitor is not None:
            self.monitor.metrics.reorgs.finality(chain, finalized=finalized, waiting=waiting)

    def error(self, chain: str, component: str, error: BaseException) -> None:
        if self.monitor is not None:
            self.monitor.error(component, error, chain=chain)
        if self.breaker is not None:
            self.breaker.record_error(chain, component)

    def fees(self, chain: str, quote: FeeQuote) -> None:
        if self.monitor is not None:
            self.monitor.metrics.observe_fees(chain, quote)

    def node(self, status: NodeStatus, *, processed_block: int) -> None:
        if self.breaker is not None and status.changed and not status.up:
            self.breaker.record_error(status.chain, "node")
        if self.monitor is None:
            return
        metrics = self.monitor.metrics
        metrics.health.observe_node(
            status.chain,
            up=status.up,
            head_block=status.head_block,
            down_for_s=status.down_for_s,
        )
        if status.up and status.head_block is not None and processed_block:
            # The node's own head: block lag grows while the pipeline is cut off from it.
            metrics.observe_block(
                status.chain, head_block=status.head_block, processed_block=processed_block
            )
        if status.changed and not status.up:
            # Going down is a system error of the chain's node: counted and alerted.
            self.monitor.error("node", status.error or "down", chain=status.chain)

    def rpc_observer(self, chain: str) -> RpcObserver | None:
        """Where `chain`'s RPC client reports each request's latency and its endpoints' health
        (None without a monitor)."""
        if self.monitor is None:
            return None
        return ChainRpcMetrics(self.monitor.metrics, chain)

    def pending_observer(self, chain: str) -> ChainPendingMetrics | None:
        """Where `chain`'s pending-transaction stream counts what became of each announcement
        and its buffer's depth (None without a monitor)."""
        if self.monitor is None:
            return None
        return ChainPendingMetrics(self.monitor.metrics.pending, chain)

    async def run(self) -> None:
        if self.monitor is not None:
            await self.monitor.run()

    async def close(self) -> None:
        if self.monitor is not None:
            await self.monitor.close()
