"""The state stage: each traded kind's pools discovered in batches through its adapter's lens,
then kept current block by block from logs, with gaps back-filled and reorgs repaired. Its
output is one `PoolUpdate` per block (only the pools that changed, plus new ones, plus the base
fee), which the detector consumes. Per chain the engine runs `run_state` with a
`PoolStateSync`, which feeds one collector's events to one `BlockSync` per kind (driving that
kind's `PoolBook`, `omniarb.dex.base`) and merges what they make of each event into one update.
"""

from omniarb.state.block_hashes import BlockHashes
from omniarb.state.block_sync import BlockSync, SyncCounters, SyncSettings
from omniarb.state.lender_balances import LenderBalanceCounters, LenderBalances
from omniarb.state.pool_sync import PoolStateSync, PoolSyncCounters
from omniarb.state.runner import StateStage, run_state
from omniarb.state.update_merge import merge_updates

__all__ = [
    "BlockHashes",
    "BlockSync",
    "LenderBalanceCounters",
    "LenderBalances",
    "PoolStateSync",
    "PoolSyncCounters",
    "StateStage",
    "SyncCounters",
    "SyncSettings",
    "merge_updates",
    "run_state",
]
