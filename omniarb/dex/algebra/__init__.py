"""Algebra Integral (`@cryptoalgebra/integral-core` 1.2.10: QuickSwap V3, Camelot V3 and other
forks), tick-exact: its swap math ported to Python integers, the pool state value with its swap
simulation (equal to the periphery's QuoterV2 to the wei), a batched reader of a pool's full
state pinned to a block, its events and the pure application of its logs to a state, and where
a genuine pool's address is.
"""

from omniarb.dex.algebra.address import POOL_INIT_CODE_HASH, pool_address
from omniarb.dex.algebra.errors import AlgebraRevertError
from omniarb.dex.algebra.logs import (
    ALGEBRA_TOPICS,
    AlgebraPoolCreated,
    AppliedAlgebraLogs,
    apply_algebra_log,
    apply_algebra_logs,
    decode_pool_created,
    new_pool_state,
)
from omniarb.dex.algebra.pool import FLASH_FEE_PIPS, KIND, AlgebraPoolState, AlgebraSwapResult
from omniarb.dex.algebra.reader import AlgebraPoolReader
from omniarb.dex.algebra.ticks import AlgebraTicks

__all__ = [
    "ALGEBRA_TOPICS",
    "FLASH_FEE_PIPS",
    "KIND",
    "POOL_INIT_CODE_HASH",
    "AlgebraPoolCreated",
    "AlgebraPoolReader",
    "AlgebraPoolState",
    "AlgebraRevertError",
    "AlgebraSwapResult",
    "AlgebraTicks",
    "AppliedAlgebraLogs",
    "apply_algebra_log",
    "apply_algebra_logs",
    "decode_pool_created",
    "new_pool_state",
    "pool_address",
]
