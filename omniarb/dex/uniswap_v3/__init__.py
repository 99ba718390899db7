"""Uniswap V3, tick-exact: the v3-core math libraries ported to Python integers, the pool state
value with its swap simulation (equal to QuoterV2 to the wei), and a batched reader of a pool's
full state from a node. Detection and sizing price V3 hops with `V3PoolState.swap`; the state
stage builds `V3PoolState` values with `V3PoolReader` and replaces them from pool logs.
"""

from omniarb.dex.uniswap_v3.errors import V3RevertError
from omniarb.dex.uniswap_v3.pool import V3PoolState, V3SwapResult
from omniarb.dex.uniswap_v3.reader import V3PoolReader
from omniarb.dex.uniswap_v3.tick_math import (
    MAX_SQRT_RATIO,
    MAX_TICK,
    MIN_SQRT_RATIO,
    MIN_TICK,
    get_sqrt_ratio_at_tick,
    get_tick_at_sqrt_ratio,
)
from omniarb.dex.uniswap_v3.tick_table import TickTable

__all__ = [
    "MAX_SQRT_RATIO",
    "MAX_TICK",
    "MIN_SQRT_RATIO",
    "MIN_TICK",
    "TickTable",
    "V3PoolReader",
    "V3PoolState",
    "V3RevertError",
    "V3SwapResult",
    "get_sqrt_ratio_at_tick",
    "get_tick_at_sqrt_ratio",
]
