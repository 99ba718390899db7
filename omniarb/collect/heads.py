"""New heads and logs of one chain, as typed events, from `newHeads` + `logs` subscriptions.

`HeadCollector.events()` turns the WebSocket notifications into `NewHead` and `ChainLog` values
and a reconnect into `StreamResumed`, the consumer's cue that blocks may have gone by unseen.
`parse_head` and `parse_log` are public because the state stage reads the same JSON shapes over
HTTP (`eth_getBlockByNumber`, `eth_getLogs`) when it back-fills.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncGenerator, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

from eth_utils.crypto import keccak

from omniarb.chains.ws import (
    ReconnectPolicy,
    SubscriptionSpec,
    WsNotification,
    WsReconnected,
    WsSubscriptions,
)
from omniarb.errors import RpcTransportError

__all__ = [
    "ChainEvent",
    "ChainLog",
    "HeadCollector",
    "LogFilter",
    "NewHead",
    "StreamResumed",
    "bloom_may_contain",
    "parse_head",
    "parse_log",
]

log = logging.getLogger(__name__)

_BLOOM_BYTES = 256


def bloom_may_contain(bloom: bytes, item: bytes) -> bool:
    """Whether a 2048-bit logs bloom may hold `item` (an address or a topic, raw bytes).

    Yellow paper §4.3.1 (M3:2048): three bits, each the low 11 bits of a pair of bytes of
    keccak(item). False means certainly absent; true means maybe present.
    """
    if len(bloom) != _BLOOM_BYTES:
        return True  # no usable bloom: assume present, the caller then asks the node
    digest = keccak(item)
    value = int.from_bytes(bloom, "big")
    for i in (0, 2, 4):
        bit = ((digest[i] << 8) | digest[i + 1]) & 0x7FF
        if not (value >> bit) & 1:
            return False
    return True


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
    """The subscriptions were down for `down_s` and are live again; blocks may have been missed."""

    chain_id: int
    down_s: float
    attempts: int
    received_ns: int


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


def _int(raw: Mapping[str, Any], key: str, default: int | None = None) -> int:
    value = raw.get(key)
    if value is None:
        if default is None:
            raise ValueError(f"node sent an object without {key!r}")
        return default
    return int(value, 16) if isinstance(value, str) else int(value)


def parse_head(chain_id: int, raw: Mapping[str, Any], received_ns: int = 0) -> NewHead:
    """A `newHeads` notification or an `eth_getBlockByNumber` result as a `NewHead`."""
    bloom_hex = str(raw.get("logsBloom") or "0x")
    return NewHead(
        chain_id=chain_id,
        number=_int(raw, "number"),
        hash=str(raw["hash"]).lower(),
        parent_hash=str(raw["parentHash"]).lower(),
        timestamp=_int(raw, "timestamp", 0),
        base_fee_wei=_int(raw, "baseFeePerGas", 0),
        logs_bloom=bytes.fromhex(bloom_hex.removeprefix("0x")),
        received_ns=received_ns,
    )


def parse_log(chain_id: int, raw: Mapping[str, Any], received_ns: int = 0) -> ChainLog:
    """A `logs` notification or an `eth_getLogs` entry as a `ChainLog`."""
    return ChainLog(
        chain_id=chain_id,
        address=str(raw["address"]).lower(),
        topics=tuple(str(t).lower() for t in raw.get("topics", ())),
        data=str(raw.get("data", "0x")),
        block_number=_int(raw, "blockNumber"),
        block_hash=str(raw["blockHash"]).lower(),
        log_index=_int(raw, "logIndex"),
        transaction_hash=str(raw.get("transactionHash") or "").lower(),
        removed=bool(raw.get("removed", False)),
        received_ns=received_ns,
    )


class HeadCollector:
    """The collector of one chain: `async for event in collector.events(): ...`.

    Subscribes to `newHeads` and to one `logs` subscription per filter, over one WebSocket that
    is re-opened whenever it drops (see `WsSubscriptions`). Stop it by cancelling the task that
    iterates.
    """

    def __init__(
        self,
        *,
        chain_id: int,
        ws_url: str,
        log_filters: Sequence[LogFilter],
        policy: ReconnectPolicy | None = None,
    ) -> None:
        self.chain_id = chain_id
        self.malformed = 0
        specs = [SubscriptionSpec(kind="newHeads")] + [
            SubscriptionSpec(kind="logs", params=(f.to_params(),)) for f in log_filters
        ]
        self.subscriptions = WsSubscriptions(
            url=ws_url, specs=specs, policy=policy or ReconnectPolicy()
        )

    def _event(self, item: WsNotification | WsReconnected) -> ChainEvent:
        received_ns = time.monotonic_ns()
        if isinstance(item, WsReconnected):
            return StreamResumed(
                chain_id=self.chain_id,
                down_s=item.down_s,
                attempts=item.attempts,
                received_ns=received_ns,
            )
        if not isinstance(item.result, Mapping):
            raise RpcTransportError("subscription sent a non-object", url=self.subscriptions.url)
        if item.index == 0:
            return parse_head(self.chain_id, item.result, received_ns)
        return parse_log(self.chain_id, item.result, received_ns)

    async def events(self) -> AsyncGenerator[ChainEvent, None]:
        async with aclosing(self.subscriptions.stream()) as stream:
            async for item in stream:
                try:
                    event = self._event(item)
                except (KeyError, ValueError, TypeError, RpcTransportError) as exc:
                    # One malformed notification must not take the chain down: a lost head is a
                    # gap the state stage back-fills at the next one.
                    self.malformed += 1
                    log.warning(
                        "chain %d: dropped a malformed notification: %s", self.chain_id, exc
                    )
                    continue
                yield event
