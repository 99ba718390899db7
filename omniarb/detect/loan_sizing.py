"""Re-sizing a trade for a loan that charges a fee.

The detector sizes a route for the largest gross profit out(a) − a, as if its capital were
free (the route's own V2 pair, or the Balancer Vault). A lender that charges — a V3 pool's
`flash`, Aave, a V2 pair outside the route — takes fee(a), about a·r, so the trade keeps
out(a) − a − fee(a), whose optimum lies below the gross one (where the route's marginal rate
falls to 1 + r instead of 1). The gap is not small: on a Möbius route whose spot gap after
swap fees is g, sizing for g instead of g − r leaves r²/(g − r)² of the best net profit on the
table — 4% for a 5 bps loan on a 30 bps gap, 25% on a 15 bps gap.

`size_for_loan` finds that optimum on the exact integer pool math with a golden-section search
below the gross optimum (the net profit is concave there up to the pools' rounding), stopping
when the bracket is a 2⁻³⁶ fraction of the amount: past that the profit curve is flat to far
below one unit of the token. Concavity fails where a swap crosses into a tick range deeper
than the one it leaves (the marginal rate rises there), and the search can then settle on a
local maximum: a pattern search from its result (steps of 1/16 of the amount down to the
bracket, each kept while it gains) climbs to the better one nearby, up to 1/16 past the gross
optimum.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from omniarb.detect.mixed_hops import RouteHop, mixed_route_amount_out
from omniarb.types import Opportunity

__all__ = ["LoanSizing", "Resized", "resized_opportunity", "size_for_loan"]

# The golden ratio's conjugate, as an integer fraction (1/φ ≈ 0.618034).
_INV_PHI_NUM = 618_034
_INV_PHI_DEN = 1_000_000
_RELATIVE_BRACKET_BITS = 36
_SCAN_UNITS = 64


@dataclass(frozen=True, slots=True, kw_only=True)
class LoanSizing:
    """The input that keeps the most after the loan's fee, what the route pays for it, the
    fee, and how many route evaluations finding it took."""

    amount_in: int
    amount_out: int
    fee: int
    evaluated: int

    @property
    def net_of_fee(self) -> int:
        return self.amount_out - self.amount_in - self.fee


def size_for_loan(
    hops: Sequence[RouteHop], gross_optimum: int, loan_fee: Callable[[int], int]
) -> LoanSizing | None:
    """The amount in [1, `gross_optimum`] maximizing out(a) − a − `loan_fee`(a) on `hops`
    (exact pool math); None when no amount there keeps anything after the fee."""
    if gross_optimum < 1:
        return None
    evaluated: dict[int, int | None] = {}
    outputs: dict[int, int] = {}

    def net(amount: int) -> int | None:
        if amount not in evaluated:
            out = outputs[amount] = mixed_route_amount_out(amount, hops)
            evaluated[amount] = out - amount - loan_fee(amount) if out > 0 else None
        return evaluated[amount]

    def key(amount: int) -> int:
        value = net(amount)
        return -(2**255) if value is None else value

    low, high = 1, gross_optimum
    stop = max(2, gross_optimum >> _RELATIVE_BRACKET_BITS)
    left = high - (high - low) * _INV_PHI_NUM // _INV_PHI_DEN
    right = low + (high - low) * _INV_PHI_NUM // _INV_PHI_DEN
    while high - low > stop:
        if key(left) < key(right):
            low, left = left, right
            right = low + (high - low) * _INV_PHI_NUM // _INV_PHI_DEN
        else:
            high, right = right, left
            left = high - (high - low) * _INV_PHI_NUM // _INV_PHI_DEN
        if left >= right:  # the bracket is too narrow for two distinct interior points
            break
    # The gross optimum itself stays a candidate (never keep less than without re-sizing),
    # and a bracket down to a few units is searched through.
    for amount in (gross_optimum, low, left, right, high):
        net(amount)
    if high - low <= _SCAN_UNITS:
        for amount in range(low, high + 1):
            net(amount)
    best = max((a for a, v in evaluated.items() if v is not None), key=key, default=None)
    if best is None:
        return None
    best = _climb(best, gross_optimum + (gross_optimum >> 4), stop, key)
    if key(best) <= 0:
        return None
    return LoanSizing(
        amount_in=best, amount_out=outputs[best], fee=loan_fee(best), evaluated=len(evaluated)
    )


def _climb(start: int, ceiling: int, stop: int, key: Callable[[int], int]) -> int:
    """From `start`, the best amount a pattern search in [1, `ceiling`] reaches: steps of
    1/16 of the amount, then each a quarter of the last down to `stop`, a step repeated while
    it gains."""
    best, best_value = start, key(start)
    step = max(start >> 4, 1)
    while True:
        moved = False
        for candidate in (best - step, best + step):
            if 1 <= candidate <= ceiling and (value := key(candidate)) > best_value:
                best, best_value, moved = candidate, value, True
                break
        if not moved:
            if step <= stop:
                return best
            step = max(step >> 2, 1)


@dataclass(frozen=True, slots=True, kw_only=True)
class Resized:
    """An opportunity re-sized for a loan's fee, and the route evaluations that took."""

    opportunity: Opportunity
    evaluated: int


def resized_opportunity(
    opportunity: Opportunity, hops: Sequence[RouteHop], loan_fee: Callable[[int], int]
) -> Resized | None:
    """`opportunity` at the size that keeps the most after `loan_fee`, its route's `hops` being
    the states it was priced on; None when nothing is kept. Its gas (estimate, cost in the start
    token) stays: a smaller input crosses no more ticks."""
    sized = size_for_loan(hops, opportunity.amount_in, loan_fee)
    if sized is None:
        return None
    gas_in_token = opportunity.gross_profit - opportunity.net_profit
    gross_profit = sized.amount_out - sized.amount_in
    net_profit = gross_profit - gas_in_token
    usd_per_unit = (
        opportunity.net_profit_usd / opportunity.net_profit if opportunity.net_profit else 0.0
    )
    resized = replace(
        opportunity,
        amount_in=sized.amount_in,
        amount_out=sized.amount_out,
        gross_profit=gross_profit,
        net_profit=net_profit,
        net_profit_usd=net_profit * usd_per_unit,
    )
    return Resized(opportunity=resized, evaluated=sized.evaluated)
