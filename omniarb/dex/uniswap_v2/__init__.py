"""Uniswap V2 and its forks: `math` mirrors UniswapV2Library, `pool` is the state snapshot."""

from omniarb.dex.uniswap_v2.math import get_amount_in, get_amount_out
from omniarb.dex.uniswap_v2.pool import V2PoolState

__all__ = ["V2PoolState", "get_amount_in", "get_amount_out"]
