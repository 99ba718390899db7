"""Reads pinned to one block: its header, and many `eth_call`s at it in concurrent batches.

Every discovery and re-read of pool state asks the same two things of a node, whatever the
kind of pool: the header of a block, and a list of calls answered at exactly that block.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from omniarb.chain_events import NewHead, parse_head
from omniarb.chains.rpc import RpcClient, RpcRequest
from omniarb.errors import RpcTransportError

__all__ = ["block_tag", "eth_calls_at", "read_head"]

T = TypeVar("T")


async def read_head(rpc: RpcClient, chain_id: int, block: int | str = "latest") -> NewHead:
    """The header of `block` (a number or a tag such as "latest")."""
    tag = hex(block) if isinstance(block, int) else block
    raw = await rpc.call("eth_getBlockByNumber", tag, False)
    if not isinstance(raw, Mapping):
        raise RpcTransportError(f"no block {tag}", url=rpc.url)
    return parse_head(chain_id, raw)


def block_tag(at: NewHead | int) -> str | dict[str, str]:
    """A block parameter: by hash for a header (EIP-1898), so every call of one read sees the
    same block even if the chain reorganizes meanwhile (the node then refuses, we never mix)."""
    if isinstance(at, NewHead):
        return {"blockHash": at.hash}
    return hex(at)


async def eth_calls_at(
    rpc: RpcClient,
    calls: Sequence[Mapping[str, str]],
    at: NewHead | int,
    *,
    calls_per_request: int,
    concurrent_requests: int,
    decode: Callable[[Any], T],
) -> list[T]:
    """`eth_call` every transaction object at one block, each answer `decode`d, in order.

    `calls_per_request` calls share one HTTP request and `concurrent_requests` requests are in
    flight at once, so a node with several threads works on them in parallel; each answer is
    decoded as its request returns, while the node works on the next."""
    tag = block_tag(at)
    requests: list[list[RpcRequest]] = [
        [("eth_call", [dict(call), tag]) for call in calls[i : i + calls_per_request]]
        for i in range(0, len(calls), calls_per_request)
    ]
    gate = asyncio.Semaphore(concurrent_requests)

    async def send(batch: list[RpcRequest]) -> list[T]:
        async with gate:
            answers = await rpc.batch(batch)
        return [decode(answer) for answer in answers]

    answers = await asyncio.gather(*(send(batch) for batch in requests))
    return [answer for batch in answers for answer in batch]
