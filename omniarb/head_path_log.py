"""How often a chain's heads needed a node round trip for their logs (issue #16's measure of
the live path), logged once per run when the chain's state task ends."""

from __future__ import annotations

import logging

from omniarb.collect.heads import HeadCollector
from omniarb.state.pool_sync import PoolStateSync

__all__ = ["log_head_path"]

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
