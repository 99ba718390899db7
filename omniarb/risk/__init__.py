"""Risk: turn an opportunity into a decision to trade or not, with the reasons.

`RiskManager` is the risk stage: it asks each rule (one per module: `MinNetProfit`,
`MaxTradeSize`, `MaxOpenExposure`, `MaxGasPrice`, `DailyLossLimit`) and declines with every
failing rule's reason; its limits come per chain and per start token from `[risk]`
(`ChainRiskLimits`). `ProfitFloor` is the manager with the USD floor alone. `CircuitBreaker`
declines everything while it is open (tripped by one of its rules in `trip_rules`, or by hand);
`BreakerBoard` holds the global breaker and one per chain, and gives each chain's pipeline its
`ChainGuard`.
`TokenScreen` declines a route that trades a token whose simulated trade shows a tax, a blocked
sell, a pause or a blacklist (`TokenSafety`, cached per token).
"""

from omniarb.risk.breaker import BreakerState, BreakerTrip, CircuitBreaker, TripReason
from omniarb.risk.breaker_board import GLOBAL_SCOPE, BreakerBoard, ChainGuard
from omniarb.risk.daily_loss import DAY_S, DailyLossLimit, RealizedWindow
from omniarb.risk.exposure import MaxOpenExposure, OpenExposure
from omniarb.risk.gas_price import MaxGasPrice
from omniarb.risk.limits import ChainRiskLimits, RiskContext, TokenLimits
from omniarb.risk.manager import APPROVED_REASON, RiskManager, RiskRule
from omniarb.risk.min_profit import MinNetProfit
from omniarb.risk.profit_floor import ProfitFloor
from omniarb.risk.token_safety import TokenReason, TokenSafety, TokenScreen, TokenVerdict
from omniarb.risk.trade_size import MaxTradeSize

__all__ = [
    "APPROVED_REASON",
    "DAY_S",
    "GLOBAL_SCOPE",
    "BreakerBoard",
    "BreakerState",
    "BreakerTrip",
    "ChainGuard",
    "ChainRiskLimits",
    "CircuitBreaker",
    "DailyLossLimit",
    "MaxGasPrice",
    "MaxOpenExposure",
    "MaxTradeSize",
    "MinNetProfit",
    "OpenExposure",
    "ProfitFloor",
    "RealizedWindow",
    "RiskContext",
    "RiskManager",
    "RiskRule",
    "TokenLimits",
    "TokenReason",
    "TokenSafety",
    "TokenScreen",
    "TokenVerdict",
    "TripReason",
]
