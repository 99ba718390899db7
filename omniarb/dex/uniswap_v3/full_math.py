"""v3-core `FullMath` and `UnsafeMath`: multiply then divide without losing precision.

Solidity needs a 512-bit product and a modular inverse to compute `floor(a * b / d)`; Python
integers are unbounded, so the product is exact and only the contract's reverts remain to be
mirrored: a zero denominator, and a result that does not fit in 256 bits.
"""

from __future__ import annotations

from omniarb.dex.uniswap_v3.errors import V3RevertError

__all__ = ["MAX_UINT256", "div_rounding_up", "mul_div", "mul_div_rounding_up"]

MAX_UINT256 = (1 << 256) - 1


def mul_div(a: int, b: int, denominator: int) -> int:
    """`FullMath.mulDiv`: `floor(a * b / denominator)` for uint256 inputs.

    Reverts like the contract when `denominator` is 0 or the quotient exceeds uint256 (the
    contract's `require(denominator > prod1)` is exactly "the result fits in 256 bits").
    """
    if denominator == 0:
        raise V3RevertError("FullMath.mulDiv: denominator is 0")
    result = a * b // denominator
    if result > MAX_UINT256:
        raise V3RevertError("FullMath.mulDiv: result overflows uint256")
    return result


def mul_div_rounding_up(a: int, b: int, denominator: int) -> int:
    """`FullMath.mulDivRoundingUp`: `ceil(a * b / denominator)`, reverting like `mulDiv`."""
    if denominator == 0:
        raise V3RevertError("FullMath.mulDiv: denominator is 0")
    result, remainder = divmod(a * b, denominator)
    if remainder:
        # The contract checks `result < type(uint256).max` before the increment.
        result += 1
    if result > MAX_UINT256:
        raise V3RevertError("FullMath.mulDivRoundingUp: result overflows uint256")
    return result


def div_rounding_up(x: int, y: int) -> int:
    """`UnsafeMath.divRoundingUp`: `ceil(x / y)`; the EVM's division by zero yields 0."""
    if y == 0:
        return 0
    return -(-x // y)
