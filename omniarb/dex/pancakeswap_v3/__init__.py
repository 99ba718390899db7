"""PancakeSwap V3 (`@pancakeswap/v3-core` 1.0.2), a fork of Uniswap V3's pool: the same math,
getters and events but for its `Swap` event (two protocol-fee words more), its callbacks'
names, its fee tiers (100, 500, 2,500 and 10,000 pips) and its pools being CREATE2-deployed by
a separate `PancakeV3PoolDeployer` with their own init code hash. Everything a swap computes
is `omniarb.dex.uniswap_v3`'s; this package gives the kind its name and parameters.
"""

from omniarb.dex.pancakeswap_v3.pool import PANCAKESWAP_V3_FLAVOUR, PancakeV3PoolState

__all__ = ["PANCAKESWAP_V3_FLAVOUR", "PancakeV3PoolState"]
