"""Balancer V2 weighted and composable stable pools, exact: v2-solidity-utils' `FixedPoint` and
`LogExpMath`, v2-pool-weighted's `WeightedMath` and v2-pool-stable's `StableMath` ported to
Python integers; pool state values whose single swaps equal the Vault's (and
`BalancerQueries.querySwap`'s) to the wei; two-token views satisfying `PoolState`; a batched
reader pinned to a block; and the events (with pure appliers of the Vault's balance logs) after
which a pool's swap math changes.
"""

from omniarb.dex.balancer.base_pool import BalancerPoolState
from omniarb.dex.balancer.errors import BalancerRevertError
from omniarb.dex.balancer.events import (
    STATE_TOPICS,
    apply_pool_balance_changed,
    apply_swap,
)
from omniarb.dex.balancer.pair import StablePair, WeightedPair, fee_pips_of
from omniarb.dex.balancer.reader import BalancerPoolReader
from omniarb.dex.balancer.stable_pool import STABLE_KIND, ComposableStablePoolState
from omniarb.dex.balancer.weighted_pool import WEIGHTED_KIND, WeightedPoolState

__all__ = [
    "STABLE_KIND",
    "STATE_TOPICS",
    "WEIGHTED_KIND",
    "BalancerPoolReader",
    "BalancerPoolState",
    "BalancerRevertError",
    "ComposableStablePoolState",
    "StablePair",
    "WeightedPair",
    "WeightedPoolState",
    "apply_pool_balance_changed",
    "apply_swap",
    "fee_pips_of",
]
