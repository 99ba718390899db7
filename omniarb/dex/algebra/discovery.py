"""Discovery of Algebra Integral pools, each with its full state, pinned to one block.

`AlgebraDiscovery.discover_at(head)` lists the pools from the factories' `Pool` logs from
block 0 and reads each through `AlgebraPoolReader` (four batched rounds of `eth_call`s: head,
tick-tree layers, leaves, ticks). `read_pools` re-reads given addresses the same way, after
first asking each its `factory()`: an address that is no pool (created in a dropped block) or a
pool of a factory we do not follow reads as None, so one bad address never fails the batch.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from eth_utils.address import to_checksum_address

from omniarb.chain_events import NewHead
from omniarb.chains.abi import encode_call
from omniarb.chains.blocks import eth_calls_at, read_head
from omniarb.chains.logs import LogReader
from omniarb.chains.rpc import RpcClient
from omniarb.dex.algebra.events import POOL_TOPIC
from omniarb.dex.algebra.logs import decode_pool_created
from omniarb.dex.algebra.pool import AlgebraPoolState
from omniarb.dex.algebra.reader import AlgebraPoolReader
from omniarb.errors import RevertError

__all__ = ["AlgebraDiscovery"]

log = logging.getLogger(__name__)

_FACTORY_CALL = encode_call("factory()")


def _answer_address(answer: object) -> str | None:
    """The address a `factory()` answer holds; None for an empty answer (no code there)."""
    text = str(answer)
    if len(text) != 66:
        return None
    return "0x" + text[-40:]


class AlgebraDiscovery:
    """Reads the Algebra Integral pools of `factories` (address → DEX name) on one chain;
    `logs_range_blocks` bounds one `eth_getLogs` range when listing `Pool` logs from block 0."""

    def __init__(
        self,
        *,
        rpc: RpcClient,
        chain_id: int,
        factories: Mapping[str, str],
        reader: AlgebraPoolReader | None = None,
        logs_range_blocks: int = 100_000,
    ) -> None:
        self.rpc = rpc
        self.chain_id = chain_id
        self.factories: dict[str, str] = {
            str(to_checksum_address(address)): dex for address, dex in factories.items()
        }
        self.reader = reader or AlgebraPoolReader(rpc, chain_id=chain_id)
        self._by_factory = {address.lower(): dex for address, dex in self.factories.items()}
        self._created = LogReader(
            rpc=rpc,
            chain_id=chain_id,
            range_blocks=logs_range_blocks,
            topics=(POOL_TOPIC,),
            addresses=tuple(self.factories),
        )

    async def head(self, block: int | str = "latest") -> NewHead:
        """The header of `block` (a number or a tag such as "latest")."""
        return await read_head(self.rpc, self.chain_id, block)

    async def discover_at(self, head: NewHead) -> tuple[AlgebraPoolState, ...]:
        """Every pool of the factories in the state after block `head` (pinned by its hash)."""
        created = [
            decode_pool_created(entry) for entry in await self._created.by_range(0, head.number)
        ]
        wanted = [c.pool for c in created if c.factory in self._by_factory]
        states = await self.read_pools(wanted, head)
        pools = tuple(state for state in states.values() if state is not None)
        log.info(
            "chain %d: discovered %d Algebra pools (%d initialized ticks) at block %d",
            self.chain_id,
            len(pools),
            sum(len(p.ticks.ticks) for p in pools),
            head.number,
        )
        return pools

    async def read_pools(
        self, pools: Sequence[str], at: NewHead | int
    ) -> dict[str, AlgebraPoolState | None]:
        """The state of each pool after block `at`, by lowercase address; None where no pool
        of a configured factory answers."""
        keys = [pool.lower() for pool in dict.fromkeys(pools)]
        factories = await self._factories_of(keys, at)
        found: dict[str, AlgebraPoolState | None] = dict.fromkeys(keys)
        by_dex: dict[str, list[str]] = {}
        for key, factory in zip(keys, factories, strict=True):
            dex = self._by_factory.get(factory or "")
            if dex is not None:
                by_dex.setdefault(dex, []).append(key)
        for dex, addresses in by_dex.items():
            states = await self.reader.read_many(addresses, dex=dex, at=at)
            found.update(zip(addresses, states, strict=True))
        return found

    async def _factories_of(self, keys: Sequence[str], at: NewHead | int) -> list[str | None]:
        """Each address's `factory()` (lowercase), None where it has no such getter. One batch;
        if a call in it reverts (a contract that is no pool), the calls go one by one."""
        calls = [{"to": key, "data": _FACTORY_CALL} for key in keys]
        try:
            return await eth_calls_at(
                self.rpc,
                calls,
                at,
                calls_per_request=500,
                concurrent_requests=4,
                decode=_answer_address,
            )
        except RevertError:
            pass
        found: list[str | None] = []
        for call in calls:
            try:
                (answer,) = await eth_calls_at(
                    self.rpc,
                    [call],
                    at,
                    calls_per_request=1,
                    concurrent_requests=1,
                    decode=_answer_address,
                )
            except RevertError:
                answer = None
            found.append(answer)
        return found
