"""Collectors: the first arrow of the pipeline (DESIGN.md). Each turns what a chain announces
over WebSocket into values for the stages after it: heads and logs (`omniarb.chain_events`) for
the state stage, pending transactions (`omniarb.pending_tx.PendingTx`) for the backrun search
(and a count of the recent ones per pool, `PendingActivity`, for the score stage);
each reconnects on its own and reports every gap it could not see across.
"""

from omniarb.collect.heads import HeadCollector
from omniarb.collect.pending import (
    PENDING_OUTCOMES,
    PendingCounters,
    PendingObserver,
    PendingSettings,
    PendingStream,
)
from omniarb.collect.pending_activity import PendingActivity

__all__ = [
    "PENDING_OUTCOMES",
    "HeadCollector",
    "PendingActivity",
    "PendingCounters",
    "PendingObserver",
    "PendingSettings",
    "PendingStream",
]
