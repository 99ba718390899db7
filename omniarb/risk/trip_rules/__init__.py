"""The circuit breaker's trip conditions, one per module, each a `TripRule`.

`ConsecutiveFailures` and `WindowLoss` watch settled trades' results, `SuccessRate` the share
of the last N that succeeded, `ErrorBurst` the engine's system errors, `PriceJump` the pools'
spot prices block by block. `omniarb.risk.breaker.CircuitBreaker` feeds them and opens on the
first that holds.
"""

from omniarb.risk.trip_rules._base import TripReason, TripRule
from omniarb.risk.trip_rules.error_burst import ErrorBurst
from omniarb.risk.trip_rules.failures import ConsecutiveFailures
from omniarb.risk.trip_rules.loss import WindowLoss
from omniarb.risk.trip_rules.price_jump import PriceJump
from omniarb.risk.trip_rules.success_rate import SuccessRate

__all__ = [
    "ConsecutiveFailures",
    "ErrorBurst",
    "PriceJump",
    "SuccessRate",
    "TripReason",
    "TripRule",
    "WindowLoss",
]
