"""`Sync` and `PairCreated` logs read from the node over HTTP, by block hash or by range.

The state stage normally gets logs from its subscription; it reads them here when a head beat
its logs (by hash: exactly that block, whichever branch it is on) and when it back-fills a gap
(by range, in slices a provider accepts, all slices in one batch).
"""

from __future__ import annotations

from omniarb.chains.rpc import RpcClient
from omniarb.collect.heads import ChainLog, parse_log
from omniarb.state.v2_logs import PAIR_CREATED_TOPIC, SYNC_TOPIC

__all__ = ["V2LogReader"]

_TOPICS = [[SYNC_TOPIC, PAIR_CREATED_TOPIC]]


class V2LogReader:
    """Reads the two V2 events of any address; `range_blocks` caps one `eth_getLogs` range."""

    def __init__(self, *, rpc: RpcClient, chain_id: int, range_blocks: int = 500) -> None:
        self.rpc = rpc
        self.chain_id = chain_id
        self.range_blocks = range_blocks

    async def by_hash(self, block_hash: str) -> list[ChainLog]:
        raw = await self.rpc.call("eth_getLogs", {"blockHash": block_hash, "topics": _TOPICS})
        return [parse_log(self.chain_id, item) for item in raw]

    async def by_range(self, first: int, last: int) -> list[ChainLog]:
        """Logs of blocks `first..last` inclusive (none when `last < first`)."""
        if last < first:
            return []
        step = self.range_blocks
        filters = [
            {"fromBlock": hex(a), "toBlock": hex(min(a + step - 1, last)), "topics": _TOPICS}
            for a in range(first, last + 1, step)
        ]
        answers = await self.rpc.batch([("eth_getLogs", [f]) for f in filters])
        return [parse_log(self.chain_id, item) for answer in answers for item in answer]
