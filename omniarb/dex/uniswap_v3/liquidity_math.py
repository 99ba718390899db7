"""v3-core `LiquidityMath.addDelta`: add a signed liquidity delta to a uint128 liquidity."""

from __future__ import annotations

from omniarb.dex.uniswap_v3.errors import V3RevertError

__all__ = ["MAX_UINT128", "add_delta"]

MAX_UINT128 = (1 << 128) - 1


def add_delta(x: int, y: int) -> int:
    """`LiquidityMath.addDelta`: `x + y`, reverting `LS` below zero and `LA` past uint128.

    The contract computes in wrapping uint128 and checks the result against `x`; for every
    uint128 `x` and int128 `y` that check is exactly "the true sum is out of range".
    """
    z = x + y
    if y < 0:
        if z < 0:
            raise V3RevertError("LS")
    elif z > MAX_UINT128:
        raise V3RevertError("LA")
    return z
