"""Risk: turn an opportunity into a decision to trade or not, with the reasons.

`ProfitFloor` declines what does not clear gas and the configured minimum; `CircuitBreaker`
declines everything while it is open (tripped by consecutive failures or losses, or by hand).
`TokenScreen` declines a route that trades a token whose simulated trade shows a tax, a blocked
sell, a pause or a blacklist (`TokenSafety`, cached per token). Later issues add limits, each a
rule of its own in this package.
"""

from omniarb.risk.breaker import BreakerState, BreakerTrip, CircuitBreaker, TripReason
from omniarb.risk.profit_floor import ProfitFloor
from omniarb.risk.token_safety import TokenReason, TokenSafety, TokenScreen, TokenVerdict

__all__ = [
    "BreakerState",
    "BreakerTrip",
    "CircuitBreaker",
    "ProfitFloor",
    "TokenReason",
    "TokenSafety",
    "TokenScreen",
    "TokenVerdict",
    "TripReason",
]
