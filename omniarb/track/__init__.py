"""Track: what the chain made of each execution — receipt, realized profit to the wei, and
whether another transaction moved our pools first — plus the running figures per chain (with
the live path's recent stage times), and each trade watched until it is final (re-checked when
a reorg orphans its block)."""

from omniarb.track.finality import Correction, FinalityWatch, ReorgResult, run_finality
from omniarb.track.realized import BRIBE_PAID_TOPIC, TRANSFER_TOPIC, bribe_paid, net_transfers
from omniarb.track.stage_window import SegmentFigures, StageBreakdown, StageWindow
from omniarb.track.stats import ChainBotStats, PendingTrade, TradeSummary
from omniarb.track.touched import Touch, earlier_touches, touch_topics
from omniarb.track.tracker import Tracker

__all__ = [
    "BRIBE_PAID_TOPIC",
    "TRANSFER_TOPIC",
    "ChainBotStats",
    "Correction",
    "FinalityWatch",
    "PendingTrade",
    "ReorgResult",
    "SegmentFigures",
    "StageBreakdown",
    "StageWindow",
    "Touch",
    "Tracker",
    "TradeSummary",
    "bribe_paid",
    "earlier_touches",
    "net_transfers",
    "run_finality",
    "touch_topics",
]
