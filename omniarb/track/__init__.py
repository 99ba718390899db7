"""Track: what the chain made of each execution — receipt, realized profit to the wei, and
whether another transaction moved our pools first — plus the running figures per chain."""

from omniarb.track.realized import SYNC_TOPIC, TRANSFER_TOPIC, net_transfers
from omniarb.track.stats import ChainBotStats, TradeSummary
from omniarb.track.tracker import Tracker

__all__ = [
    "SYNC_TOPIC",
    "TRANSFER_TOPIC",
    "ChainBotStats",
    "Tracker",
    "TradeSummary",
    "net_transfers",
]
