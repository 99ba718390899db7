"""Sending a cross-chain trade's two legs at once, and the legs' latency fed back to the detector.

Both legs go out together (`asyncio.gather`): the trade is exposed to price moves from the first
send to the last receipt, so neither waits for the other. Each leg settles on its own chain
(`LegChain.send`); the pair's latency, the slower leg's send → receipt, updates an exponentially
weighted average per chain pair, which the detector prices its risk charge with
(`leg_latency_s`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from omniarb.cross_chain_types import CrossChainOpportunity, LegPlan
from omniarb.crosschain.leg_chain import LegChain, LegOrder
from omniarb.crosschain.leg_result import LegResult

__all__ = ["LegLatency", "order_of", "pair_key", "send_legs"]


def order_of(plan: LegPlan) -> LegOrder:
    """The order that sends `plan` as the detector planned it."""
    return LegOrder(
        role=plan.role,
        route=plan.route,
        amount_in=plan.amount_in,
        min_out=plan.min_out,
        predicted_out=plan.predicted_out,
        gas_estimate=plan.gas_estimate,
    )


async def send_legs(
    opportunity: CrossChainOpportunity, chains: Mapping[str, LegChain]
) -> tuple[LegResult, LegResult]:
    """Send the sell and the buy leg at once; their results once both settled."""
    sell_chain = chains[opportunity.sell.chain]
    buy_chain = chains[opportunity.buy.chain]
    sell, buy = await asyncio.gather(
        sell_chain.send(order_of(opportunity.sell)), buy_chain.send(order_of(opportunity.buy))
    )
    return sell, buy


def pair_key(chain_a: str, chain_b: str) -> tuple[str, str]:
    """A chain pair, in one order whichever leg sells."""
    return (chain_a, chain_b) if chain_a <= chain_b else (chain_b, chain_a)


class LegLatency:
    """The legs' latency per chain pair: an EWMA of the slower leg's send → receipt, seconds."""

    def __init__(self, *, alpha: float, initial_s: Mapping[tuple[str, str], float] | None = None):
        if not 0 < alpha <= 1:
            raise ValueError(f"alpha must be in (0, 1], got {alpha}")
        self._alpha = alpha
        self._by_pair: dict[tuple[str, str], float] = {
            pair_key(*pair): value for pair, value in (initial_s or {}).items()
        }

    def observe(self, sell: LegResult, buy: LegResult) -> float | None:
        """Fold in a trade's legs; returns the pair's new average (None: no leg was timed)."""
        timed = [r.latency_s for r in (sell, buy) if r.latency_s is not None]
        if not timed:
            return None
        key = pair_key(sell.chain, buy.chain)
        sample_s = max(timed)
        previous = self._by_pair.get(key)
        value = sample_s if previous is None else previous + self._alpha * (sample_s - previous)
        self._by_pair[key] = value
        return value

    def latency_s(self, chain_a: str, chain_b: str) -> float | None:
        return self._by_pair.get(pair_key(chain_a, chain_b))

    def snapshot(self) -> dict[tuple[str, str], float]:
        """Every pair's average, for the detector's `leg_latency_s`."""
        return dict(self._by_pair)
