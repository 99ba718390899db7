"""Uniswap V4, tick-exact for pools without hooks: the pool key and id, v4-core's swap
(`Pool.swap` through `PoolManager.swap`) on Python integers with v4's sign convention, fees and
errors (equal to V4Quoter and the PoolManager to the wei), the pool state value, a batched
reader through the StateView lens, the PoolManager's events with pure log application, and the
discovery of pools from `Initialize` logs, which skips every hooked pool with its reason.

V4 pools live inside one PoolManager contract; omni-arb names each by the leading 20 bytes of
its pool id (`pool_address`), with the PoolManager as the state's `factory`.
"""

from omniarb.dex.uniswap_v4.discovery import SkipReason, V4Discovery, discover_pools, skip_reason
from omniarb.dex.uniswap_v4.errors import V4RevertError
from omniarb.dex.uniswap_v4.fees import calculate_swap_fee, swap_fee
from omniarb.dex.uniswap_v4.logs import AppliedV4Logs, apply_v4_log, apply_v4_logs
from omniarb.dex.uniswap_v4.pool import KIND, V4PoolState, V4SwapResult
from omniarb.dex.uniswap_v4.pool_key import (
    DYNAMIC_FEE_FLAG,
    NATIVE_CURRENCY,
    PoolKey,
    pool_address,
)
from omniarb.dex.uniswap_v4.reader import V4PoolReader

__all__ = [
    "DYNAMIC_FEE_FLAG",
    "KIND",
    "NATIVE_CURRENCY",
    "AppliedV4Logs",
    "PoolKey",
    "SkipReason",
    "V4Discovery",
    "V4PoolReader",
    "V4PoolState",
    "V4RevertError",
    "V4SwapResult",
    "apply_v4_log",
    "apply_v4_logs",
    "calculate_swap_fee",
    "discover_pools",
    "pool_address",
    "skip_reason",
    "swap_fee",
]
