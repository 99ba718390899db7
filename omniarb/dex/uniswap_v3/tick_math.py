"""v3-core `TickMath`: sqrt prices (Q64.96) from ticks and back, bit for bit.

A tick `t` stands for the price `1.0001**t` of token0 in token1; the pool stores its square root
as a Q64.96 fixed-point number. Both directions use the contract's fixed-point algorithms rather
than floating point, because swap results depend on every rounded bit of them.
"""

from __future__ import annotations

import math

from omniarb.dex.uniswap_v3.errors import V3RevertError

__all__ = [
    "MAX_SQRT_RATIO",
    "MAX_TICK",
    "MIN_SQRT_RATIO",
    "MIN_TICK",
    "fast_tick_at_sqrt_ratio",
    "get_sqrt_ratio_at_tick",
    "get_tick_at_sqrt_ratio",
]

MIN_TICK = -887272
MAX_TICK = -MIN_TICK
MIN_SQRT_RATIO = 4295128739
MAX_SQRT_RATIO = 1461446703485210103287273052203988822378723970342

_MAX_UINT256 = (1 << 256) - 1
_ONE_Q128 = 1 << 128
_LOW_32_BITS = (1 << 32) - 1

# `fast_tick_at_sqrt_ratio`: ticks per unit of log2(sqrt price), and how close to a tick boundary
# the floating-point estimate may fall before it is settled with exact integer boundaries.
# TickMath's boundaries sit within 5e-6 ticks of the ideal ones (the Q64.96 rounding, worst at
# the lowest prices) and the estimate's own error is below 1e-9 ticks, so 1e-3 is a wide margin.
_TICKS_PER_LOG2 = 2 / math.log2(1.0001)
_BOUNDARY_MARGIN = 1e-3


def get_sqrt_ratio_at_tick(tick: int) -> int:
    """`TickMath.getSqrtRatioAtTick`: `sqrt(1.0001**tick) * 2**96`, rounded up; reverts `T`
    when `|tick| > MAX_TICK`."""
    abs_tick = -tick if tick < 0 else tick
    if abs_tick > MAX_TICK:
        raise V3RevertError("T")
    # Unrolled like the contract: this runs at every step of every simulated swap.
    ratio = 0xFFFCB933BD6FAD37AA2D162D1A594001 if abs_tick & 0x1 else _ONE_Q128
    if abs_tick & 0x2:
        ratio = (ratio * 0xFFF97272373D413259A46990580E213A) >> 128
    if abs_tick & 0x4:
        ratio = (ratio * 0xFFF2E50F5F656932EF12357CF3C7FDCC) >> 128
    if abs_tick & 0x8:
        ratio = (ratio * 0xFFE5CACA7E10E4E61C3624EAA0941CD0) >> 128
    if abs_tick & 0x10:
        ratio = (ratio * 0xFFCB9843D60F6159C9DB58835C926644) >> 128
    if abs_tick & 0x20:
        ratio = (ratio * 0xFF973B41FA98C081472E6896DFB254C0) >> 128
    if abs_tick & 0x40:
        ratio = (ratio * 0xFF2EA16466C96A3843EC78B326B52861) >> 128
    if abs_tick & 0x80:
        ratio = (ratio * 0xFE5DEE046A99A2A811C461F1969C3053) >> 128
    if abs_tick & 0x100:
        ratio = (ratio * 0xFCBE86C7900A88AEDCFFC83B479AA3A4) >> 128
    if abs_tick & 0x200:
        ratio = (ratio * 0xF987A7253AC413176F2B074CF7815E54) >> 128
    if abs_tick & 0x400:
        ratio = (ratio * 0xF3392B0822B70005940C7A398E4B70F3) >> 128
    if abs_tick & 0x800:
        ratio = (ratio * 0xE7159475A2C29B7443B29C7FA6E889D9) >> 128
    if abs_tick & 0x1000:
        ratio = (ratio * 0xD097F3BDFD2022B8845AD8F792AA5825) >> 128
    if abs_tick & 0x2000:
        ratio = (ratio * 0xA9F746462D870FDF8A65DC1F90E061E5) >> 128
    if abs_tick & 0x4000:
        ratio = (ratio * 0x70D869A156D2A1B890BB3DF62BAF32F7) >> 128
    if abs_tick & 0x8000:
        ratio = (ratio * 0x31BE135F97D08FD981231505542FCFA6) >> 128
    if abs_tick & 0x10000:
        ratio = (ratio * 0x9AA508B5B7A84E1C677DE54F3E99BC9) >> 128
    if abs_tick & 0x20000:
        ratio = (ratio * 0x5D6AF8DEDB81196699C329225EE604) >> 128
    if abs_tick & 0x40000:
        ratio = (ratio * 0x2216E584F5FA1EA926041BEDFE98) >> 128
    if abs_tick & 0x80000:
        ratio = (ratio * 0x48A170391F7DC42444E8FA2) >> 128
    if tick > 0:
        ratio = _MAX_UINT256 // ratio
    # Q128.128 to Q64.96, rounding up so that getTickAtSqrtRatio of the result is `tick` again.
    return (ratio >> 32) + (1 if ratio & _LOW_32_BITS else 0)


def get_tick_at_sqrt_ratio(sqrt_price_x96: int) -> int:
    """`TickMath.getTickAtSqrtRatio`: the greatest tick whose sqrt ratio is <= `sqrt_price_x96`.

    Reverts `R` outside `[MIN_SQRT_RATIO, MAX_SQRT_RATIO)`. The binary logarithm is computed
    with the contract's 14 fractional bits of squaring, then the two candidate ticks it brackets
    are settled with `get_sqrt_ratio_at_tick`, exactly as the assembly does.
    """
    if not MIN_SQRT_RATIO <= sqrt_price_x96 < MAX_SQRT_RATIO:
        raise V3RevertError("R")
    ratio = sqrt_price_x96 << 32
    # The assembly's eight shift-and-compare steps compute the index of the highest set bit.
    msb = ratio.bit_length() - 1
    r = ratio >> (msb - 127) if msb >= 128 else ratio << (127 - msb)
    log_2 = (msb - 128) << 64
    for shift in range(63, 49, -1):
        r = (r * r) >> 127
        f = r >> 128
        log_2 |= f << shift
        r >>= f
    log_sqrt10001 = log_2 * 255738958999603826347141  # Q128.128
    tick_low = (log_sqrt10001 - 3402992956809132418596140100660247210) >> 128
    tick_high = (log_sqrt10001 + 291339464771989622907027621153398088495) >> 128
    if tick_low == tick_high:
        return tick_low
    return tick_high if get_sqrt_ratio_at_tick(tick_high) <= sqrt_price_x96 else tick_low


def fast_tick_at_sqrt_ratio(sqrt_price_x96: int) -> int:
    """The same tick as `get_tick_at_sqrt_ratio`, about ten times faster.

    That function returns the greatest tick `t` with `get_sqrt_ratio_at_tick(t) <=
    sqrt_price_x96` (the invariant v3-core's fuzz tests check). Here a floating-point logarithm
    estimates `t`; unless the price lies within `_BOUNDARY_MARGIN` of a tick boundary the floor
    of the estimate is that tick, and near a boundary the exact integer boundaries decide.
    Property tests compare both functions, boundaries included.
    """
    if not MIN_SQRT_RATIO <= sqrt_price_x96 < MAX_SQRT_RATIO:
        raise V3RevertError("R")
    estimate = (math.log2(sqrt_price_x96) - 96) * _TICKS_PER_LOG2
    tick = math.floor(estimate)
    if _BOUNDARY_MARGIN < estimate - tick < 1 - _BOUNDARY_MARGIN:
        return tick
    tick = min(max(tick, MIN_TICK), MAX_TICK - 1)
    while get_sqrt_ratio_at_tick(tick) > sqrt_price_x96:
        tick -= 1
    while tick < MAX_TICK - 1 and get_sqrt_ratio_at_tick(tick + 1) <= sqrt_price_x96:
        tick += 1
    return tick
