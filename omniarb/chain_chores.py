"""A chain's chores beside its hot path: the fee quote and the lender balances refreshed once
per new block (the detector and the allocator read them from memory); the node probe's reports,
the sampled audits of trades sent on the local simulation alone and the finality watch, each a
task of the chain; and how often the chain's heads needed a node round trip for their logs
(issue #16's measure of the live path), logged once per run when the chain's state task ends."""

from __future__ import annotations

import logging

from omniarb.chain_pipeline import ChainPipeline
from omniarb.chains.fee_models import FeeOracle
from omniarb.chains.liveness import NodeProbe
from omniarb.collect.heads import HeadCollector
from omniarb.errors import OmniarbError
from omniarb.state.lender_balances import LenderBalances
from omniarb.state.pool_sync import PoolStateSync
from omniarb.telemetry import PipelineHooks
from omniarb.track.finality import Recorder, run_finality

__all__ = [
    "audit_local_sends",
    "follow_finality",
    "log_head_path",
    "refresh_fees",
    "refresh_lenders",
    "report_node",
]

log = logging.getLogger(__name__)


def log_head_path(chain: str, sync: PoolStateSync, collector: HeadCollector) -> None:
    """How often a head needed a node round trip for its logs (issue #16), once per run."""
    kinds = sync.stages
    lenders = sync.lenders
    held = collector.hold.counters
    log.info(
        "%s: %d heads; logs fetched by hash: pools %d, lenders %d; late logs: pools %d, "
        "lenders %d; heads held for their logs %d (logs came %d, wait expired %d; "
        "%.2f ms on average, %.2f ms at most)",
        chain,
        max((stage.counters.heads for stage in kinds), default=0),
        sum(stage.counters.logs_by_hash for stage in kinds),
        lenders.counters.logs_by_hash if lenders is not None else 0,
        sum(stage.counters.late_logs for stage in kinds),
        lenders.counters.late_logs if lenders is not None else 0,
        held.held,
        held.logs_came,
        held.expired,
        held.held_ns_total / max(1, held.held) / 1e6,
        held.held_ns_max / 1e6,
    )


async def refresh_fees(chain: str, fees: FeeOracle | None, hooks: PipelineHooks | None) -> None:
    """Refresh `chain`'s fee quote; a failure is logged and reported, the old quote stays."""
    if fees is None:
        return
    try:
        quote = await fees.refresh()
    except OmniarbError as exc:
        log.warning("%s: fee quote not refreshed: %s", chain, exc)
        if hooks is not None:
            hooks.error(chain, "fees", exc)
        return
    if hooks is not None:
        hooks.fees(chain, quote)


async def refresh_lenders(chain: str, lenders: LenderBalances | None) -> None:
    """Re-read and audit `chain`'s lender balances; a failure is logged, the synced ones stay."""
    if lenders is None:
        return
    try:
        await lenders.refresh()
    except OmniarbError as exc:
        log.warning("%s: lender balances not audited: %s", chain, exc)


async def report_node(p: ChainPipeline, probe: NodeProbe, hooks: PipelineHooks | None) -> None:
    """Report whether the chain's node answers, and its head (the block lag's reference)."""
    async for status in probe.statuses():
        p.stats.on_node(status)
        if hooks is not None:
            hooks.node(status, processed_block=p.stats.block_number)


async def audit_local_sends(p: ChainPipeline, hooks: PipelineHooks | None) -> None:
    """The sampled audits of trades sent on the local simulation alone, off the hot path
    (`omniarb.execute.precheck_audit`)."""
    auditor = p.execute.auditor
    if auditor is None:
        return
    if hooks is not None:
        auditor.on_result = lambda result: hooks.precheck_audit(p.name, result)
    await auditor.run()


async def follow_finality(
    p: ChainPipeline, recorder: Recorder, hooks: PipelineHooks | None
) -> None:
    """Re-check settled trades on reorgs until they are final (`omniarb.track.finality`)."""
    if p.finality is not None:
        await run_finality(
            watch=p.finality,
            head=lambda: p.sync.head,
            stats=p.stats,
            recorder=recorder,
            hooks=hooks,
        )
