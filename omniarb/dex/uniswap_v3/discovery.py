"""Discovery of Uniswap V3 pools, each with its full state, in a few batched lens calls.

`V3Discovery.discover()` pins one block, lists the pools from the factories' `PoolCreated`
logs from block 0 (or takes a given list of pool addresses), and reads every pool through the
deployless `V3PoolsLens`: immutables, `slot0`, `liquidity` and every initialized tick with its
`liquidityGross`/`liquidityNet`, the tick bitmap being scanned inside the EVM. The cost of a
read is its bitmap words (694 per pool at tick spacing 10, 116 at 60, 35 at 200, 6,932 at 1),
one cold storage read each, so the words are planned into calls of about `words_per_call`,
a pool's words split across calls when they do not fit; a call that stops early (its output or
gas ran out) is resumed from where it stopped, in the next round. All calls of one read are
pinned to one block hash, so the snapshot is consistent.

`read_pools()` re-reads a given set of pools the same way; the state stage uses it to repair
pools after a reorg and for its consistency checks.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_utils.address import to_checksum_address

from omniarb.chain_events import NewHead
from omniarb.chains.blocks import eth_calls_at, read_head
from omniarb.chains.logs import LogReader
from omniarb.chains.rpc import RpcClient
from omniarb.dex.uniswap_v3.flavour import UNISWAP_V3_FLAVOUR, V3Flavour
from omniarb.dex.uniswap_v3.lens import (
    MAX_OUTPUT_BYTES,
    LensSegment,
    V3Lens,
    V3LensPage,
    V3LensRecord,
    usable_words,
)
from omniarb.dex.uniswap_v3.logs import POOL_CREATED_TOPIC, decode_pool_created
from omniarb.dex.uniswap_v3.pool import V3PoolState
from omniarb.dex.uniswap_v3.tick_table import TickTable
from omniarb.errors import RpcTransportError

__all__ = [
    "V3Discovery",
    "V3DiscoverySettings",
    "V3Factories",
    "V3Snapshot",
    "plan_calls",
]

log = logging.getLogger(__name__)

V3Factories = Mapping[str, str]
"""Factory address → DEX name, as the caller configures them."""

# A header-only segment: the lens clamps it to an empty range and reads the pool's header.
_HEADER_ONLY = (1, 0)


@dataclass(frozen=True, slots=True, kw_only=True)
class V3Snapshot:
    """Every pool as of one block, with that block's hash and base fee."""

    chain_id: int
    block_number: int
    block_hash: str
    base_fee_wei: int
    pools: tuple[V3PoolState, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class V3DiscoverySettings:
    """Planning and paging of the lens reads.

    `words_per_call` bitmap words and at most `pools_per_call` pools go in one lens call, sent
    with `call_gas` gas (anvil 1.7.1 caps a transaction at 2^24 (EIP-7825); nodes cap `eth_call`
    too): about 3,000 gas a word, 17,000 a tick and 200 a byte of output, so a full call of
    4,000 words and 200 ticks stays under it, and 16 pools of ~50 ticks about fill the
    24,576-byte output; a call that hits either limit anyway is resumed, so these only tune.
    `calls_per_request` lens calls share one HTTP request and `concurrent_requests` of those are
    in flight. `logs_range_blocks` bounds one `eth_getLogs` range when listing `PoolCreated`
    from block 0; `max_rounds` bounds how often a read resumes (a node that keeps stopping
    calls early is an error, not a loop).
    """

    words_per_call: int = 4_000
    pools_per_call: int = 16
    call_gas: int = 2**24
    max_bytes: int = MAX_OUTPUT_BYTES
    calls_per_request: int = 4
    concurrent_requests: int = 2
    logs_range_blocks: int = 100_000
    max_rounds: int = 32


def plan_calls(
    spans: Sequence[tuple[str, int, int]], words_per_call: int, pools_per_call: int
) -> list[list[LensSegment]]:
    """Pack `(pool, first word, last word)` spans into calls of about `words_per_call` words,
    splitting a span across calls where it does not fit."""
    calls: list[list[LensSegment]] = []
    current: list[LensSegment] = []
    budget = words_per_call
    for pool, first, last in spans:
        word = first
        while True:
            if len(current) >= pools_per_call or (budget <= 0 and current):
                calls.append(current)
                current, budget = [], words_per_call
            take = min(last - word + 1, max(budget, 1))
            current.append(LensSegment(pool=pool, from_word=word, to_word=word + take - 1))
            budget -= max(take, 1)
            word += take
            if word > last:
                break
    if current:
        calls.append(current)
    return calls


class V3Discovery:
    """Reads the V3 pools of `factories` (or exactly `pools`, if given) on one chain, all of
    `flavour` (v3-core's pools, or a fork's with the same getters)."""

    def __init__(
        self,
        *,
        rpc: RpcClient,
        chain_id: int,
        factories: V3Factories,
        pools: Sequence[str] | None = None,
        lens: V3Lens | None = None,
        settings: V3DiscoverySettings | None = None,
        flavour: V3Flavour = UNISWAP_V3_FLAVOUR,
    ) -> None:
        self.rpc = rpc
        self.flavour = flavour
        self.chain_id = chain_id
        self.factories: dict[str, str] = {
            str(to_checksum_address(address)): dex for address, dex in factories.items()
        }
        self.pools = None if pools is None else tuple(str(to_checksum_address(p)) for p in pools)
        self.lens = lens or V3Lens.load()
        self.settings = settings or V3DiscoverySettings()
        if self.settings.words_per_call < 1 or self.settings.pools_per_call < 1:
            raise ValueError("words_per_call and pools_per_call must be >= 1")
        self._by_factory = {a.lower(): dex for a, dex in self.factories.items()}
        self._created_reader = LogReader(
            rpc=rpc,
            chain_id=chain_id,
            range_blocks=self.settings.logs_range_blocks,
            topics=(POOL_CREATED_TOPIC,),
            addresses=tuple(self.factories),
        )
        self._checksummed: dict[bytes, str] = {}

    async def head(self, block: int | str = "latest") -> NewHead:
        """The header of `block` (a number or a tag such as "latest")."""
        return await read_head(self.rpc, self.chain_id, block)

    async def discover(self, block_number: int | None = None) -> V3Snapshot:
        """Every pool at `block_number` (default: the latest block)."""
        return await self.discover_at(
            await self.head("latest" if block_number is None else block_number)
        )

    async def discover_at(self, head: NewHead) -> V3Snapshot:
        """Every pool in the state after block `head` (pinned by its hash)."""
        if self.pools is not None:
            wanted: dict[str, int | None] = dict.fromkeys(self.pools)
        else:
            created = [
                decode_pool_created(entry)
                for entry in await self._created_reader.by_range(0, head.number)
            ]
            wanted = {
                str(to_checksum_address(c.pool)): c.tick_spacing
                for c in created
                if c.factory in self._by_factory
            }
        states = await self.read_pools(wanted, head)
        pools = tuple(state for state in states.values() if state is not None)
        log.info(
            "chain %d: discovered %d %s (%d initialized ticks) at block %d",
            self.chain_id,
            len(pools),
            self.flavour.noun,
            sum(len(p.ticks) for p in pools),
            head.number,
        )
        return V3Snapshot(
            chain_id=self.chain_id,
            block_number=head.number,
            block_hash=head.hash,
            base_fee_wei=head.base_fee_wei,
            pools=pools,
        )

    async def read_pools(
        self, pools: Mapping[str, int | None], at: NewHead | int
    ) -> dict[str, V3PoolState | None]:
        """The state of each pool after block `at` (a header, pinned by its hash, or a number),
        keyed as given; `None` where no pool of a configured factory answers.

        `pools` maps each address to its tick spacing when known (it plans the calls; unknown
        spacings cost one header-only round first).
        """
        block_number = at.number if isinstance(at, NewHead) else at
        keys = {pool.lower(): pool for pool in pools}
        records: dict[str, list[V3LensRecord]] = {pool: [] for pool in pools}
        spacings = {pool: spacing for pool, spacing in pools.items() if spacing is not None}
        unknown = [(pool, *_HEADER_ONLY) for pool, spacing in pools.items() if spacing is None]
        for record in await self._read(unknown, at, block_number):
            key = keys[record.pool.lower()]
            records[key].append(record)
            if record.exists:
                spacings[key] = record.tick_spacing
        spans = [(pool, *usable_words(spacing)) for pool, spacing in spacings.items()]
        for record in await self._read(spans, at, block_number):
            records[keys[record.pool.lower()]].append(record)
        return {pool: self._state(pool, found, block_number) for pool, found in records.items()}

    async def _read(
        self, spans: Sequence[tuple[str, int, int]], at: NewHead | int, block_number: int
    ) -> list[V3LensRecord]:
        """The records of `(pool, first word, last word)` spans, resuming the calls that
        stopped early."""
        found: list[V3LensRecord] = []
        calls = plan_calls(spans, self.settings.words_per_call, self.settings.pools_per_call)
        for _ in range(self.settings.max_rounds):
            if not calls:
                return found
            pages = await self._lens_calls(calls, at, block_number)
            resume: list[tuple[str, int, int]] = []
            progress = False
            for call, page in zip(calls, pages, strict=True):
                found.extend(page.records)
                for record in page.records:
                    progress |= record.complete or record.next_word > record.from_word
                    if not record.complete:
                        resume.append((record.pool, record.next_word, record.to_word))
                resume += [(s.pool, s.from_word, s.to_word) for s in call[len(page.records) :]]
            if not progress:
                raise RpcTransportError(
                    "V3 lens made no progress (gas cap or output limit too small)",
                    url=self.rpc.url,
                )
            calls = plan_calls(resume, self.settings.words_per_call, self.settings.pools_per_call)
        raise RpcTransportError(
            f"V3 lens read not done after {self.settings.max_rounds} rounds", url=self.rpc.url
        )

    async def _lens_calls(
        self, calls: Sequence[Sequence[LensSegment]], at: NewHead | int, block_number: int
    ) -> list[V3LensPage]:
        """Every lens call at one block, batched, a few batches at once; each batch is decoded
        as it arrives, while the node works on the next (a node may run calls one at a time)."""
        gas = hex(self.settings.call_gas)
        lens_calls = [
            {**self.lens.call(c, max_bytes=self.settings.max_bytes), "gas": gas} for c in calls
        ]
        return await eth_calls_at(
            self.rpc,
            lens_calls,
            at,
            calls_per_request=self.settings.calls_per_request,
            concurrent_requests=self.settings.concurrent_requests,
            decode=lambda answer: self._decode(answer, block_number),
        )

    def _decode(self, answer: Any, block_number: int) -> V3LensPage:
        try:
            page = self.lens.decode(answer, self._checksummed)
        except ValueError as exc:
            raise RpcTransportError(str(exc), url=self.rpc.url) from exc
        if page.block_number != block_number:
            raise RpcTransportError(
                f"V3 lens read block {page.block_number}, not {block_number}", url=self.rpc.url
            )
        return page

    def _state(
        self, pool: str, records: Sequence[V3LensRecord], block_number: int
    ) -> V3PoolState | None:
        """One pool's state from its records (a header on each, ticks spread over them)."""
        head = next((r for r in records if r.exists), None)
        if head is None:
            return None
        dex = self.factories.get(head.factory)
        if dex is None:
            log.warning("chain %d: %s is not a pool of a configured factory", self.chain_id, pool)
            return None
        ticks = {tick: (gross, net) for r in records for tick, gross, net in r.ticks}
        return self.flavour.state_type(
            chain_id=self.chain_id,
            address=head.pool,
            dex=dex,
            factory=head.factory,
            token0=head.token0,
            token1=head.token1,
            fee_pips=head.fee_pips,
            tick_spacing=head.tick_spacing,
            sqrt_price_x96=head.sqrt_price_x96,
            tick=head.tick,
            liquidity=head.liquidity,
            ticks=TickTable.from_ticks(ticks),
            block_number=block_number,
            unlocked=head.unlocked,
        )
