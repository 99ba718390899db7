"""The V3 state stage's settings and counters (its output is `omniarb.types.PoolUpdate`, whose
`pools` holds V3 states as well as V2 ones)."""

from __future__ import annotations

from dataclasses import dataclass

from omniarb.state.block_sync import SyncCounters, SyncSettings

__all__ = ["V3SyncCounters", "V3SyncSettings"]


@dataclass(frozen=True, slots=True, kw_only=True)
class V3SyncSettings(SyncSettings):
    """`SyncSettings`, and every `check_every_blocks` blocks (0: never) `check_sample` pools are
    compared with the chain."""

    check_every_blocks: int = 20
    check_sample: int = 8


@dataclass(slots=True)
class V3SyncCounters(SyncCounters):
    """`SyncCounters`, with the pools re-read after a late or unappliable log and the
    consistency checks' figures."""

    reread_pools: int = 0
    checks: int = 0
    checked_pools: int = 0
    drifts: int = 0
