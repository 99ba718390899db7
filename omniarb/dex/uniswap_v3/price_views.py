"""What every pool priced on v3-core's tick ranges (Uniswap V3 and its forks, Algebra Integral,
Uniswap V4) reads the same way off its sqrt price, liquidity and ticks: which way a token
trades, the constant-product stand-in the detector's float screen prices it with, its spot price
and what `omniarb quote` reports of a swap."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import accumulate
from typing import Protocol

__all__ = ["SwapOutcome", "side", "spot_price", "swap_fields", "virtual_reserves"]


class SwapOutcome(Protocol):
    """A simulated swap, as each kind's swap result holds it."""

    @property
    def amount_in(self) -> int: ...
    @property
    def amount_out(self) -> int: ...
    @property
    def sqrt_price_x96(self) -> int: ...
    @property
    def tick(self) -> int: ...
    @property
    def initialized_ticks_crossed(self) -> int: ...


def side(token_in: str, token0: str, token1: str, pool: str) -> bool:
    """Whether selling `token_in` is a token0 -> token1 swap (addresses in any case)."""
    if token_in == token0:
        return True
    if token_in == token1:
        return False
    lowered = token_in.lower()
    if lowered == token0.lower():
        return True
    if lowered == token1.lower():
        return False
    raise ValueError(f"{token_in} is not a token of pool {pool}")


def virtual_reserves(
    liquidity: int, liquidity_nets: Iterable[int], sqrt_price_x96: int
) -> tuple[int, int]:
    """Virtual reserves (token0, token1) at the pool's price with its deepest range's liquidity.

    A constant-product stand-in that never understates the pool: its spot rate is the current
    price's (beyond an empty range the real rate is only worse), and no range offers more depth,
    so a cycle it rejects has no profit and its profit estimate is an upper bound. (0, 0) for a
    pool without a price yet.
    """
    if sqrt_price_x96 == 0:
        return 0, 0
    deepest = max(liquidity, max(accumulate(liquidity_nets), default=0))
    return (deepest << 96) // sqrt_price_x96, (deepest * sqrt_price_x96) >> 96


def spot_price(sqrt_price_x96: int) -> float | None:
    """(sqrtPriceX96 / 2**96)**2 in raw token1 per raw token0 (None before `initialize`)."""
    return (sqrt_price_x96 / 2**96) ** 2 if sqrt_price_x96 > 0 else None


def swap_fields(result: SwapOutcome) -> dict[str, int]:
    """What a quote reports of every such swap."""
    return {
        "amount_out": result.amount_out,
        # Less than amount_in when the pool runs out of liquidity (the quoters answer the same).
        "amount_in_used": result.amount_in,
        "sqrt_price_x96_after": result.sqrt_price_x96,
        "tick_after": result.tick,
        "initialized_ticks_crossed": result.initialized_ticks_crossed,
    }
