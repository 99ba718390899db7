"""The V3 state stage's settings and counters (its output is `omniarb.types.PoolUpdate`, whose
`pools` holds V3 states as well as V2 ones)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["V3SyncCounters", "V3SyncSettings"]


@dataclass(frozen=True, slots=True, kw_only=True)
class V3SyncSettings:
    """`history_blocks` hashes are kept to find a fork point; a gap longer than
    `max_backfill_blocks` is resynced through the lens rather than replayed from logs;
    `logs_range_blocks` bounds one `eth_getLogs` range; every `check_every_blocks` blocks
    (0: never) `check_sample` pools are compared with the chain."""

    history_blocks: int = 128
    max_backfill_blocks: int = 2_000
    logs_range_blocks: int = 500
    check_every_blocks: int = 20
    check_sample: int = 8


@dataclass(slots=True)
class V3SyncCounters:
    """What the stage did, for metrics and tests."""

    heads: int = 0
    logs_by_hash: int = 0
    backfills: int = 0
    backfilled_blocks: int = 0
    reorgs: int = 0
    repaired_pools: int = 0
    removed_pools: int = 0
    reread_pools: int = 0
    resyncs: int = 0
    late_logs: int = 0
    stale_heads: int = 0
    stream_gaps: int = 0
    checks: int = 0
    checked_pools: int = 0
    drifts: int = 0
    errors: int = 0
