"""The state stage: pools discovered in batches through deployless lens contracts, then kept
current block by block from logs, with gaps back-filled and reorgs repaired. Its output is one
`PoolUpdate` per block (only the pools that changed, plus new ones, plus the base fee), which
the detector consumes. `run_v2_state` is the task the engine runs per chain.
"""

from omniarb.state.block_hashes import BlockHashes
from omniarb.state.runner import run_v2_state
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
    "ReservesPage",
    "SyncCounters",
    "SyncSettings",
    "V2Discovery",
    "V2Factories",
    "V2Lens",
    "V2LogReader",
    "V2Snapshot",
    "V2StateSync",
    "apply_v2_logs",
    "checksum_addresses",
    "decode_pair_created",
    "decode_sync",
    "run_v2_state",
]
