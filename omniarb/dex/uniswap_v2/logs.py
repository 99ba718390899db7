"""Uniswap V2 `Sync` and `PairCreated` logs applied to pair states, as a pure function.

`UniswapV2Pair._update` emits `Sync(reserve0, reserve1)` with the reserves after every mint, burn,
swap and sync, so the last `Sync` of a pair in a block is its state after that block; no call is
needed to follow a pair. `UniswapV2Factory.createPair` emits `PairCreated(token0, token1, pair,
allPairsLength)` before any `Sync` of the new pair. Applying logs in (block, log index) order
therefore rebuilds every pair exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from eth_utils.address import to_checksum_address

from omniarb.chain_events import ChainLog
from omniarb.dex.uniswap_v2.events import PAIR_CREATED_TOPIC, SYNC_TOPIC
from omniarb.dex.uniswap_v2.pool import V2PoolState

__all__ = [
    "PAIR_CREATED_TOPIC",
    "SYNC_TOPIC",
    "AppliedLogs",
    "FactoryInfo",
    "apply_v2_logs",
    "decode_pair_created",
    "decode_sync",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class FactoryInfo:
    """A configured factory: its checksummed address, DEX name and fee."""

    address: str
    dex: str
    fee_bps: int


def decode_sync(log: ChainLog) -> tuple[int, int]:
    """`(reserve0, reserve1)` of a `Sync` log (two uint112 in two data words)."""
    data = log.data.removeprefix("0x")
    if len(data) != 128:
        raise ValueError(f"Sync log with {len(data) // 2} data bytes")
    return int(data[:64], 16), int(data[64:], 16)


def decode_pair_created(log: ChainLog) -> tuple[str, str, str]:
    """`(token0, token1, pair)` of a `PairCreated` log, lowercase hex."""
    if len(log.topics) != 3:
        raise ValueError(f"PairCreated log with {len(log.topics)} topics")
    data = log.data.removeprefix("0x")
    if len(data) != 128:
        raise ValueError(f"PairCreated log with {len(data) // 2} data bytes")
    return "0x" + log.topics[1][-40:], "0x" + log.topics[2][-40:], "0x" + data[24:64]


@dataclass(slots=True)
class AppliedLogs:
    """What a run of logs changed: states by lowercase address, and the pairs it created."""

    changed: dict[str, V2PoolState] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    ignored: int = 0


def apply_v2_logs(
    pools: Mapping[str, V2PoolState],
    logs: Iterable[ChainLog],
    *,
    factories: Mapping[str, FactoryInfo],
    chain_id: int,
) -> AppliedLogs:
    """Apply `logs` in (block, log index) order to `pools` (keyed by lowercase address).

    Returns the changed states without touching `pools`. `Sync` of a pair we do not know and
    `PairCreated` of a factory not in `factories` (lowercase keys) are ignored and counted;
    removed logs (a node's reorg notice) are skipped, since reorgs are repaired from block hashes.
    """
    result = AppliedLogs()
    for log in sorted(logs, key=lambda entry: (entry.block_number, entry.log_index)):
        if log.removed or not log.topics:
            continue
        topic = log.topics[0]
        if topic == SYNC_TOPIC:
            state = result.changed.get(log.address) or pools.get(log.address)
            if state is None:
                result.ignored += 1
                continue
            reserve0, reserve1 = decode_sync(log)
            result.changed[log.address] = replace(
                state, reserve0=reserve0, reserve1=reserve1, block_number=log.block_number
            )
        elif topic == PAIR_CREATED_TOPIC:
            factory = factories.get(log.address)
            if factory is None:
                result.ignored += 1
                continue
            token0, token1, pair = decode_pair_created(log)
            if pair in pools or pair in result.changed:
                continue  # seen before, e.g. by discovery at a later block than this log
            result.changed[pair] = V2PoolState(
                chain_id=chain_id,
                address=str(to_checksum_address(pair)),
                dex=factory.dex,
                factory=factory.address,
                token0=str(to_checksum_address(token0)),
                token1=str(to_checksum_address(token1)),
                reserve0=0,
                reserve1=0,
                fee_bps=factory.fee_bps,
                block_number=log.block_number,
            )
            result.created.append(pair)
    return result
