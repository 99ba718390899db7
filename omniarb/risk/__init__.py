"""Risk: turn an opportunity into a decision to trade or not, with the reasons.

Today one rule, the profit floor; later issues add token safety, limits and the circuit breaker,
each a rule of its own in this package.
"""

from omniarb.risk.profit_floor import ProfitFloor

__all__ = ["ProfitFloor"]
