"""Risk: turn an opportunity into a decision to trade or not, with the reasons.

`ProfitFloor` declines what does not clear gas and the configured minimum; `CircuitBreaker`
declines everything while it is open (tripped by consecutive failures or losses, or by hand).
Later issues add token safety and limits, each a rule of its own in this package.
"""

from omniarb.risk.breaker import BreakerState, BreakerTrip, CircuitBreaker, TripReason
from omniarb.risk.profit_floor import ProfitFloor

__all__ = ["BreakerState", "BreakerTrip", "CircuitBreaker", "ProfitFloor", "TripReason"]
