"""Risk: turn an opportunity into a decision to trade or not, with the reasons.

`ProfitFloor` declines what does not clear gas and the configured minimum; `CircuitBreaker`
declines everything while it is open (tripped by one of its rules in `trip_rules`, or by hand);
`BreakerBoard` holds the global breaker and one per chain, and gives each chain's pipeline its
`ChainGuard`. Later issues add token safety and limits, each a rule of its own in this package.
"""

from omniarb.risk.breaker import BreakerState, BreakerTrip, CircuitBreaker, TripReason
from omniarb.risk.breaker_board import GLOBAL_SCOPE, BreakerBoard, ChainGuard
from omniarb.risk.profit_floor import ProfitFloor

__all__ = [
    "GLOBAL_SCOPE",
    "BreakerBoard",
    "BreakerState",
    "BreakerTrip",
    "ChainGuard",
    "CircuitBreaker",
    "ProfitFloor",
    "TripReason",
]
