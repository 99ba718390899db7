"""Trip when a pool's spot price jumps more than X% within one block.

The price a pool had when a block began is the last one seen in an earlier block (a pool not
touched for a few blocks kept that price all along); every price seen in the block is compared
with it, so several swaps in one block that move the price step by step add up. The spot price
is a unitless ratio (token1 per token0, `PoolState.spot_price`) used only as a guard, never for
money. `pool` names one price: a pool's state key (`PoolState.state_key`), since a Balancer
pool of several tokens has one price per pair under one address. A price of 0 or below, or
not finite, is ignored (untrusted state must not trip or crash the breaker).

Fed by `omniarb.telemetry.Telemetry.update`, which the engine calls once a block's update has
been decided: the block whose move trips the breaker is still traded (its gap is often the
move itself), the blocks after it are not.
"""

from __future__ import annotations

import math

from omniarb.risk.trip_rules._base import TripReason, TripRule

__all__ = ["PriceJump"]


class PriceJump(TripRule):
    """Holds when a pool's spot price moved more than `max_jump_pct` percent within a block."""

    reason = TripReason.PRICE_JUMP
    watches_prices = True

    def __init__(self, *, max_jump_pct: float) -> None:
        if max_jump_pct <= 0:
            raise ValueError("breaker thresholds must be positive")
        self.max_jump_pct = max_jump_pct
        # pool -> (block, the price when that block began, the last price seen in it)
        self._pools: dict[str, tuple[int, float, float]] = {}

    def on_price(self, *, pool: str, price: float, block_number: int, now_s: float) -> str | None:
        if not (math.isfinite(price) and price > 0):
            return None
        key = pool.lower()
        seen = self._pools.get(key)
        if seen is None:
            self._pools[key] = (block_number, price, price)
            return None
        block, start, last = seen
        if block_number > block:
            start = last
        elif block_number < block:
            # A reorg's replay or a late update: start that block afresh from what it says.
            start = price
        self._pools[key] = (block_number, start, price)
        jump_pct = abs(price / start - 1) * 100
        if jump_pct > self.max_jump_pct:
            return (
                f"pool {pool} price moved {jump_pct:.2f}% in block {block_number} "
                f"(from {start:.6g} to {price:.6g}, limit {self.max_jump_pct:g}%)"
            )
        return None

    def clear(self) -> None:
        # Prices are facts of the market, not counts of our failures: a reset keeps them, but
        # takes the jump that tripped it as the baseline, so the same move does not trip again.
        self._pools = {key: (block, last, last) for key, (block, _, last) in self._pools.items()}
