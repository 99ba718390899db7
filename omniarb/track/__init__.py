"""Track: what the chain made of each execution — receipt, realized profit to the wei, and
whether another transaction moved our pools first — plus the running figures per chain."""

from omniarb.track.realized import TRANSFER_TOPIC, net_transfers
from omniarb.track.stats import ChainBotStats, PendingTrade, TradeSummary
from omniarb.track.touched import Touch, earlier_touches, touch_topics
from omniarb.track.tracker import Tracker

__all__ = [
    "TRANSFER_TOPIC",
    "ChainBotStats",
    "PendingTrade",
    "Touch",
    "Tracker",
    "TradeSummary",
    "earlier_touches",
    "net_transfers",
    "touch_topics",
]
