"""Allocate: how much to trade and where the capital comes from. For now every trade borrows
its input through a Uniswap V2 flash swap, so no inventory is needed; the floor handed to the
executor contract (`min_profit`) makes a trade revert rather than lose money."""

from omniarb.allocate.flash_swap import FlashSwapAllocator

__all__ = ["FlashSwapAllocator"]
