"""The hashes of the blocks a state stage applied, to tell a gap from a reorg.

A head whose parent is the hash we stored for the block before it simply extends our chain.
Anything else is a gap (our last block is still canonical, some blocks went by unseen), a reorg
(some of our blocks were replaced), or both; `fork_point` finds the highest block we applied that
is still canonical, asking the node for as few headers as it can.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from omniarb.chain_events import NewHead, parse_head
from omniarb.chains.rpc import RpcClient

__all__ = ["BlockHashes"]


class BlockHashes:
    """Block number → hash of the last `history_blocks` blocks applied on one chain."""

    def __init__(self, *, rpc: RpcClient, chain_id: int, history_blocks: int) -> None:
        self.rpc = rpc
        self.chain_id = chain_id
        self.history_blocks = history_blocks
        self._hashes: dict[int, str] = {}

    def get(self, number: int) -> str | None:
        return self._hashes.get(number)

    def reset(self, number: int, block_hash: str) -> None:
        self._hashes = {number: block_hash}

    def advance(self, hashes: Mapping[int, str], *, fork: int | None = None) -> None:
        """Record `hashes`; with `fork`, first forget every block above it (they were replaced)."""
        if fork is not None:
            self._hashes = {n: h for n, h in self._hashes.items() if n <= fork}
        self._hashes.update(hashes)
        floor = max(self._hashes) - self.history_blocks
        self._hashes = {n: h for n, h in self._hashes.items() if n > floor}

    async def headers(self, numbers: Sequence[int]) -> list[NewHead | None]:
        """The node's current headers at `numbers` (None where it has no such block), one batch."""
        if not numbers:
            return []
        answers = await self.rpc.batch([("eth_getBlockByNumber", [hex(n), False]) for n in numbers])
        return [None if a is None else parse_head(self.chain_id, a) for a in answers]

    async def fork_point(self, head: NewHead, our_head: int) -> int | None:
        """The highest stored block below `head` that is still canonical; None if none is."""
        top = min(our_head, head.number - 1)
        if top == head.number - 1 and self._hashes.get(top) == head.parent_hash:
            return top
        heights = sorted((n for n in self._hashes if n <= top), reverse=True)
        if not heights:
            return None
        # Usually only the head moved on (a gap): one header settles it.
        (first,) = await self.headers(heights[:1])
        if first is not None and first.hash == self._hashes[heights[0]]:
            return heights[0]
        for header in await self.headers(heights[1:]):
            if header is not None and header.hash == self._hashes[header.number]:
                return header.number
        return None

    def linked(self, fork: int, missing: int, headers: Sequence[NewHead]) -> bool:
        """Whether `headers` (the tail of the `missing` blocks after `fork`, then the new head)
        form one chain, which starts on our block `fork` when the tail holds all of them."""
        parent = self._hashes.get(fork) if len(headers) == missing + 1 else None
        for header in headers:
            if parent is not None and header.parent_hash != parent:
                return False
            parent = header.hash
        return True
