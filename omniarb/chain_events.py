"""What a chain announces, as values: block headers, event logs, a resumed stream, and a
`logs` filter; with the parsers from the JSON a node sends over WebSocket or HTTP.

They are the values the collectors make and the state stage and the protocol adapters read
(DESIGN.md: stages meet only through value types), so they belong to no stage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_utils.crypto import keccak

from omniarb.chains.node_values import node_int, node_list, node_object, node_text

__all__ = [
    "ChainEvent",
    "ChainLog",
    "FilterBloom",
    "LogFilter",
    "NewHead",
    "StreamResumed",
    "bloom_bits",
    "bloom_may_contain",
    "parse_head",
    "parse_log",
]

_BLOOM_BYTES = 256


def bloom_bits(item: bytes) -> tuple[int, int, int]:
    """The three bits `item` (an address or a topic, raw bytes) sets in a 2048-bit logs bloom.

    Yellow paper §4.3.1 (M3:2048): each the low 11 bits of a pair of bytes of keccak(item)."""
    digest = keccak(item)
    first, second, third = (((digest[i] << 8) | digest[i + 1]) & 0x7FF for i in (0, 2, 4))
    return first, second, third


def bloom_may_contain(bloom: bytes, item: bytes) -> bool:
    """Whether a 2048-bit logs bloom may hold `item` (an address or a topic, raw bytes).
    False means certainly absent; true means maybe present."""
    if len(bloom) != _BLOOM_BYTES:
        return True  # no usable bloom: assume present, the caller then asks the node
    value = int.from_bytes(bloom, "big")
    return all((value >> bit) & 1 for bit in bloom_bits(item))


@dataclass(frozen=True, slots=True, kw_only=True)
class NewHead:
    """A block header as a node announced it. `base_fee_wei` is 0 on chains without EIP-1559."""

    chain_id: int
    number: int
    hash: str
    parent_hash: str
    timestamp: int
    base_fee_wei: int
    logs_bloom: bytes
    received_ns: int

    def may_contain_topic(self, topic: str) -> bool:
        """False when this block certainly has no log with `topic` (0x hex) among its topics."""
        return bloom_may_contain(self.logs_bloom, bytes.fromhex(topic.removeprefix("0x")))


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainLog:
    """One event log. `address` and hashes are lowercase hex as nodes send them: they are lookup
    keys on a hot path, so they are not checksummed here."""

    chain_id: int
    address: str
    topics: tuple[str, ...]
    data: str
    block_number: int
    block_hash: str
    log_index: int
    transaction_hash: str
    removed: bool
    received_ns: int


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamResumed:
    """The subscriptions were down for `down_s` and are live again; blocks may have been missed.
    `endpoint` is where they are now (scheme://host:port); `failover` that it is another
    endpoint than the one lost, or a preferred one the stream went back to."""

    chain_id: int
    down_s: float
    attempts: int
    received_ns: int
    endpoint: str = ""
    failover: bool = False


ChainEvent = NewHead | ChainLog | StreamResumed


@dataclass(frozen=True, slots=True, kw_only=True)
class LogFilter:
    """A `logs` subscription filter: any of `addresses` (empty: any address), and per position a
    set of accepted topics (empty set: any)."""

    addresses: tuple[str, ...] = ()
    topics: tuple[tuple[str, ...], ...] = ()

    def to_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if self.addresses:
            params["address"] = list(self.addresses)
        if self.topics:
            params["topics"] = [list(t) if t else None for t in self.topics]
        return params


def _bits_of(hex_value: str) -> tuple[int, int, int]:
    return bloom_bits(bytes.fromhex(hex_value.removeprefix("0x")))


class FilterBloom:
    """Whether a block, by its logs bloom, may hold a log one `logs` filter matches: an
    address of the filter's (if it names any) and, at each position that names topics, one
    of them. The bits are computed once, so a check is bit tests only."""

    def __init__(self, log_filter: LogFilter) -> None:
        self._addresses = [_bits_of(a) for a in log_filter.addresses]
        self._positions = [[_bits_of(t) for t in topics] for topics in log_filter.topics if topics]

    def may_match(self, bloom: bytes) -> bool:
        if len(bloom) != _BLOOM_BYTES:
            return True
        value = int.from_bytes(bloom, "big")

        def any_set(group: Sequence[tuple[int, int, int]]) -> bool:
            return any(all((value >> bit) & 1 for bit in bits) for bits in group)

        if self._addresses and not any_set(self._addresses):
            return False
        return all(any_set(group) for group in self._positions)


def parse_head(chain_id: int, raw: Mapping[str, Any], received_ns: int = 0) -> NewHead:
    """A `newHeads` notification or an `eth_getBlockByNumber` result as a `NewHead`;
    `ValueError` for an object that is not one."""
    raw = node_object(raw, "a block header")
    bloom_hex = str(raw.get("logsBloom") or "0x")
    return NewHead(
        chain_id=chain_id,
        number=node_int(raw, "number", "a block header"),
        hash=node_text(raw, "hash", "a block header").lower(),
        parent_hash=node_text(raw, "parentHash", "a block header").lower(),
        timestamp=node_int(raw, "timestamp", "a block header", 0),
        base_fee_wei=node_int(raw, "baseFeePerGas", "a block header", 0),
        logs_bloom=bytes.fromhex(bloom_hex.removeprefix("0x")),
        received_ns=received_ns,
    )


def parse_log(chain_id: int, raw: Mapping[str, Any], received_ns: int = 0) -> ChainLog:
    """A `logs` notification or an `eth_getLogs` entry as a `ChainLog`; `ValueError` for an
    object that is not one."""
    raw = node_object(raw, "a log")
    topics = node_list(raw.get("topics", ()), "a log's topics")
    return ChainLog(
        chain_id=chain_id,
        address=node_text(raw, "address", "a log").lower(),
        topics=tuple(str(t).lower() for t in topics),
        data=str(raw.get("data", "0x")),
        block_number=node_int(raw, "blockNumber", "a log"),
        block_hash=node_text(raw, "blockHash", "a log").lower(),
        log_index=node_int(raw, "logIndex", "a log"),
        transaction_hash=str(raw.get("transactionHash") or "").lower(),
        removed=bool(raw.get("removed", False)),
        received_ns=received_ns,
    )
