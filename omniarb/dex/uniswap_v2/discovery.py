"""Discovery of every pair of the configured Uniswap V2 factories, with reserves, in a few calls.

`V2Discovery.discover()` pins one block, reads `allPairsLength()` of every factory in one batch,
then pages through `allPairs` with the deployless `V2PairsLens` (pair, tokens and reserves per
page), several pages per JSON-RPC batch and a few batches in flight. Everything is read at the
same block number, so the snapshot is consistent. Never one RPC call per pool: 10,000 pairs are
37 lens calls in 3 HTTP requests.

`read_reserves()` re-reads a given set of pairs the same way (`V2ReservesLens`); the state stage
uses it to repair pools after a reorg. Pairs created later arrive as `PairCreated` logs, which
the state stage applies (`omniarb.dex.uniswap_v2.book`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_utils.address import to_checksum_address

from omniarb.chain_events import NewHead
from omniarb.chains.abi import decode, encode_call
from omniarb.chains.blocks import block_tag, eth_calls_at, read_head
from omniarb.chains.rpc import RpcClient
from omniarb.dex.uniswap_v2.lens import MAX_PAIRS_PER_CALL, MAX_RESERVES_PER_CALL, V2Lens
from omniarb.dex.uniswap_v2.pool import V2PoolState
from omniarb.errors import RevertError, RpcTransportError

__all__ = ["DiscoverySettings", "V2Discovery", "V2Factories", "V2Snapshot"]

log = logging.getLogger(__name__)

V2Factories = Mapping[str, tuple[str, int]]
"""Factory address → (DEX name, swap fee in basis points), as the caller configures them."""


@dataclass(frozen=True, slots=True, kw_only=True)
class V2Snapshot:
    """Every pair of the factories as of one block, with that block's hash and base fee."""

    chain_id: int
    block_number: int
    block_hash: str
    base_fee_wei: int
    pools: tuple[V2PoolState, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class DiscoverySettings:
    """Paging of the lens reads.

    A page is bounded by the code-size limit on a creation's output (`MAX_PAIRS_PER_CALL`,
    `MAX_RESERVES_PER_CALL`) and by the node's gas cap for `eth_call` (a full pairs page costs
    about 8.6M gas, a reserves page about 9.5M). `calls_per_request` lens calls share one HTTP
    request; `concurrent_requests` of those are in flight at once, so a node with several
    threads works on them in parallel.
    """

    pairs_per_call: int = MAX_PAIRS_PER_CALL
    reserves_per_call: int = MAX_RESERVES_PER_CALL
    calls_per_request: int = 16
    concurrent_requests: int = 3


# What identifies a pair and its state, in the order `read_pairs` asks for them.
_PAIR_GETTERS = ("factory()", "token0()", "token1()", "getReserves()")


def _address_word(answer: str) -> str:
    """The address in a 32-byte ABI word, lowercase."""
    return "0x" + answer.removeprefix("0x")[24:64].lower()


class V2Discovery:
    """Reads all pairs of `factories` on one chain through the lenses.

    `factories` maps each factory to its DEX name and fee (on the devnet all fees are 30 bps).
    """

    def __init__(
        self,
        *,
        rpc: RpcClient,
        chain_id: int,
        factories: V2Factories,
        lens: V2Lens | None = None,
        settings: DiscoverySettings | None = None,
    ) -> None:
        self.rpc = rpc
        self.chain_id = chain_id
        self.factories: dict[str, tuple[str, int]] = {
            str(to_checksum_address(address)): dex for address, dex in factories.items()
        }
        self._by_factory = {address.lower(): address for address in self.factories}
        self.lens = lens or V2Lens.load()
        self.settings = settings or DiscoverySettings()
        if not 0 < self.settings.pairs_per_call <= MAX_PAIRS_PER_CALL:
            raise ValueError(f"pairs_per_call must be 1..{MAX_PAIRS_PER_CALL}")
        if not 0 < self.settings.reserves_per_call <= MAX_RESERVES_PER_CALL:
            raise ValueError(f"reserves_per_call must be 1..{MAX_RESERVES_PER_CALL}")

    async def head(self, block: int | str = "latest") -> NewHead:
        """The header of `block` (a number or a tag such as "latest")."""
        return await read_head(self.rpc, self.chain_id, block)

    async def _eth_calls(self, calls: Sequence[dict[str, str]], at: NewHead | int) -> list[Any]:
        """`eth_call` every transaction object at one block: batched, a few batches at once."""
        return await eth_calls_at(
            self.rpc,
            calls,
            at,
            calls_per_request=self.settings.calls_per_request,
            concurrent_requests=self.settings.concurrent_requests,
            decode=lambda answer: answer,
        )

    async def discover(self, block_number: int | None = None) -> V2Snapshot:
        """Every pair of every factory at `block_number` (default: the latest block)."""
        return await self.discover_at(
            await self.head("latest" if block_number is None else block_number)
        )

    async def discover_at(self, head: NewHead) -> V2Snapshot:
        """Every pair of every factory in the state after block `head` (pinned by its hash)."""
        tag = block_tag(head)
        factories = list(self.factories)
        lengths = [
            int(decode(["uint256"], answer)[0])
            for answer in await self.rpc.batch(
                [
                    ("eth_call", [{"to": f, "data": encode_call("allPairsLength()")}, tag])
                    for f in factories
                ]
            )
        ]
        per_call = self.settings.pairs_per_call
        pages = [
            (factory, start)
            for factory, length in zip(factories, lengths, strict=True)
            for start in range(0, length, per_call)
        ]
        answers = await self._eth_calls(
            [self.lens.pairs_call(factory, start, per_call) for factory, start in pages], head
        )
        pools: list[V2PoolState] = []
        checksummed: dict[bytes, str] = {}
        for (factory, start), answer in zip(pages, answers, strict=True):
            try:
                page = self.lens.decode_pairs(answer, checksummed)
            except ValueError as exc:
                raise RpcTransportError(str(exc), url=self.rpc.url) from exc
            if page.block_number != head.number or page.start != start:
                raise RpcTransportError(
                    f"lens page {factory}@{start} read block {page.block_number}, "
                    f"not {head.number}",
                    url=self.rpc.url,
                )
            dex_name, fee_bps = self.factories[factory]
            pools.extend(
                V2PoolState(
                    chain_id=self.chain_id,
                    address=p.pair,
                    dex=dex_name,
                    factory=factory,
                    token0=p.token0,
                    token1=p.token1,
                    reserve0=p.reserve0,
                    reserve1=p.reserve1,
                    fee_bps=fee_bps,
                    block_number=head.number,
                )
                for p in page.pairs
            )
        log.info(
            "chain %d: discovered %d V2 pairs of %d factories at block %d in %d lens calls",
            self.chain_id,
            len(pools),
            len(factories),
            head.number,
            len(pages),
        )
        return V2Snapshot(
            chain_id=self.chain_id,
            block_number=head.number,
            block_hash=head.hash,
            base_fee_wei=head.base_fee_wei,
            pools=tuple(pools),
        )

    async def read_pairs(
        self, pairs: Sequence[str], head: NewHead
    ) -> dict[str, V2PoolState | None]:
        """The states of `pairs` after block `head`, by lowercase address; None for an address
        that is not a pair of a configured factory (four getters a pair, in one read; a
        contract without them reverts, and then each address is read on its own)."""
        calls = [
            {"to": pair, "data": encode_call(signature)}
            for pair in pairs
            for signature in _PAIR_GETTERS
        ]
        try:
            answers = await self._eth_calls(calls, head)
        except RevertError:
            if len(pairs) == 1:
                return {pairs[0].lower(): None}
            states: dict[str, V2PoolState | None] = {}
            for pair in pairs:
                states.update(await self.read_pairs([pair], head))
            return states
        return {
            pair.lower(): self._pair_state(pair, answers[4 * i : 4 * i + 4], head)
            for i, pair in enumerate(pairs)
        }

    def _pair_state(self, pair: str, answers: Sequence[str], head: NewHead) -> V2PoolState | None:
        factory, token0, token1, reserves = answers
        if any(len(answer) < 66 for answer in answers):
            return None  # no contract there, or not a pair
        factory_address = self._by_factory.get(_address_word(factory))
        if factory_address is None:
            return None
        dex_name, fee_bps = self.factories[factory_address]
        reserve0, reserve1, _ = decode(["uint112", "uint112", "uint32"], reserves)
        return V2PoolState(
            chain_id=self.chain_id,
            address=str(to_checksum_address(pair)),
            dex=dex_name,
            factory=factory_address,
            token0=str(to_checksum_address(_address_word(token0))),
            token1=str(to_checksum_address(_address_word(token1))),
            reserve0=reserve0,
            reserve1=reserve1,
            fee_bps=fee_bps,
            block_number=head.number,
        )

    async def read_reserves(
        self, pairs: Sequence[str], at: NewHead | int
    ) -> dict[str, tuple[int, int] | None]:
        """`(reserve0, reserve1)` of each pair after block `at` (a header, pinned by its hash,
        or a number); `None` where there is no pair."""
        block_number = at.number if isinstance(at, NewHead) else at
        per_call = self.settings.reserves_per_call
        chunks = [pairs[i : i + per_call] for i in range(0, len(pairs), per_call)]
        answers = await self._eth_calls([self.lens.reserves_call(c) for c in chunks], at)
        reserves: dict[str, tuple[int, int] | None] = {}
        for chunk, answer in zip(chunks, answers, strict=True):
            try:
                page = self.lens.decode_reserves(answer, len(chunk))
            except ValueError as exc:
                raise RpcTransportError(str(exc), url=self.rpc.url) from exc
            if page.block_number != block_number:
                raise RpcTransportError(
                    f"reserves lens read block {page.block_number}, not {block_number}",
                    url=self.rpc.url,
                )
            reserves.update(zip(chunk, page.reserves, strict=True))
        return reserves
