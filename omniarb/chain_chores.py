"""A chain's per-block chores beside its hot path: the fee quote and the lender balances
refreshed once per new block (the detector and the allocator read them from memory), and how
often the chain's heads needed a node round trip for their logs (issue #16's measure of the live
path), logged once per run when the chain's state task ends."""

from __future__ import annotations

import logging

from omniarb.chains.fee_models import FeeOracle
from omniarb.collect.heads import HeadCollector
from omniarb.errors import OmniarbError
from omniarb.state.lender_balances import LenderBalances
from omniarb.state.pool_sync import PoolStateSync
from omniarb.telemetry import PipelineHooks

__all__ = ["log_head_path", "refresh_fees", "refresh_lenders"]

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
