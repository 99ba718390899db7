"""Event logs read from a node over HTTP, by block hash or by a range of blocks.

The state stage normally gets its logs from a subscription; it reads them here when a head beat
its logs (by hash: exactly that block, whichever branch it is on) and when it back-fills a gap
(by range, in slices a provider accepts, all slices in one batch).
"""

from __future__ import annotations

from collections.abc import Sequence

from omniarb.chain_events import ChainLog, parse_log
from omniarb.chains.rpc import RpcClient

__all__ = ["LogReader"]


class LogReader:
    """Reads the logs whose topic 0 is one of `topics`, from `addresses` (default: any);
    `range_blocks` caps the range of one `eth_getLogs` request."""

    def __init__(
        self,
        *,
        rpc: RpcClient,
        chain_id: int,
        topics: Sequence[str],
        addresses: Sequence[str] = (),
        range_blocks: int = 500,
    ) -> None:
        self.rpc = rpc
        self.chain_id = chain_id
        self.range_blocks = range_blocks
        self._filter: dict[str, object] = {"topics": [list(topics)]}
        if addresses:
            self._filter["address"] = list(addresses)

    async def by_hash(self, block_hash: str) -> list[ChainLog]:
        raw = await self.rpc.call("eth_getLogs", {**self._filter, "blockHash": block_hash})
        return [parse_log(self.chain_id, item) for item in raw]

    async def by_range(self, first: int, last: int) -> list[ChainLog]:
        """Logs of blocks `first..last` inclusive (none when `last < first`)."""
        if last < first:
            return []
        step = self.range_blocks
        filters = [
            {**self._filter, "fromBlock": hex(a), "toBlock": hex(min(a + step - 1, last))}
            for a in range(first, last + 1, step)
        ]
        answers = await self.rpc.batch([("eth_getLogs", [f]) for f in filters])
        return [parse_log(self.chain_id, item) for answer in answers for item in answer]
