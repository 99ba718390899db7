"""The revert of the Uniswap V4 PoolManager or one of its libraries, as our `RevertError`."""

from __future__ import annotations

from omniarb.errors import RevertError

__all__ = ["V4RevertError"]


class V4RevertError(RevertError):
    """A v4-core custom error; `reason` is the error's name as the Solidity declares it
    (`PriceLimitAlreadyExceeded`, `PriceLimitOutOfBounds`, `SwapAmountCannotBeZero`,
    `InvalidFeeForExactOut`, `SafeCastOverflow`, `NotEnoughLiquidity`, `PriceOverflow`, …), so
    a reader can grep v4-core for it and match it against a node's revert data."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Uniswap V4 reverted: {reason}")
        self.reason = reason
