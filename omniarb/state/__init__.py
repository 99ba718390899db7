"""The state stage: pools discovered in batches through deployless lens contracts, then kept
current block by block from logs, with gaps back-filled and reorgs repaired. Its output is one
`PoolUpdate` per block (only the pools that changed, plus new ones, plus the base fee), which
the detector consumes. Per chain the engine runs `run_state` with a `PoolStateSync`, which
feeds one collector's events to the chain's V2 stage (`V2StateSync`) and V3 stage
(`V3StateSync`) and merges what they make of each event into one update.
"""

from omniarb.state.block_hashes import BlockHashes
from omniarb.state.pool_sync import PoolStateSync, PoolSyncCounters
from omniarb.state.runner import StateStage, run_state, run_v2_state, run_v3_state
from omniarb.state.update_merge import merge_updates
from omniarb.state.v2_discovery import DiscoverySettings, V2Discovery, V2Factories, V2Snapshot
from omniarb.state.v2_lens import (
    MAX_PAIRS_PER_CALL,
    MAX_RESERVES_PER_CALL,
    LensPair,
    PairsPage,
    ReservesPage,
    V2Lens,
    checksum_addresses,
)
from omniarb.state.v2_log_reader import V2LogReader
from omniarb.state.v2_logs import (
    PAIR_CREATED_TOPIC,
    SYNC_TOPIC,
    AppliedLogs,
    FactoryInfo,
    apply_v2_logs,
    decode_pair_created,
    decode_sync,
)
from omniarb.state.v2_sync import SyncCounters, SyncSettings, V2StateSync
from omniarb.state.v3_discovery import V3Discovery
from omniarb.state.v3_sync import V3StateSync
from omniarb.state.v3_update import V3SyncCounters, V3SyncSettings

__all__ = [
    "MAX_PAIRS_PER_CALL",
    "MAX_RESERVES_PER_CALL",
    "PAIR_CREATED_TOPIC",
    "SYNC_TOPIC",
    "AppliedLogs",
    "BlockHashes",
    "DiscoverySettings",
    "FactoryInfo",
    "LensPair",
    "PairsPage",
    "PoolStateSync",
    "PoolSyncCounters",
    "ReservesPage",
    "StateStage",
    "SyncCounters",
    "SyncSettings",
    "V2Discovery",
    "V2Factories",
    "V2Lens",
    "V2LogReader",
    "V2Snapshot",
    "V2StateSync",
    "V3Discovery",
    "V3StateSync",
    "V3SyncCounters",
    "V3SyncSettings",
    "apply_v2_logs",
    "checksum_addresses",
    "decode_pair_created",
    "decode_sync",
    "merge_updates",
    "run_state",
    "run_v2_state",
    "run_v3_state",
]
