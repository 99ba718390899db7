"""Read Uniswap V3 pools' full state from a node: slot0, liquidity, the tick bitmap and every
initialized tick, all pinned to one block, in three batched JSON-RPC round trips.

The round trips: (1) the pools' immutables (`factory`, `token0`, `token1`, `fee`,
`tickSpacing`) with `slot0` and `liquidity`; (2) every `tickBitmap` word that can hold a tick
(694 words at spacing 10, 116 at spacing 60); (3) `ticks(t)` for each initialized tick. The
pool's own getters are used, not storage slots, so any fork with v3-core's interface reads the
same. Batches are cut at `max_batch` requests and sent concurrently.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import replace

from eth_utils.address import to_checksum_address

from omniarb.chains.abi import decode, encode_call, selector
from omniarb.chains.rpc import RpcClient, RpcRequest
from omniarb.dex.uniswap_v3.pool import V3PoolState
from omniarb.dex.uniswap_v3.tick_bitmap import initialized_ticks, word_positions
from omniarb.dex.uniswap_v3.tick_table import TickTable
from omniarb.errors import NotFoundError, RpcTransportError

__all__ = ["V3PoolReader"]

log = logging.getLogger(__name__)

# slot0's words a swap reads: sqrtPriceX96, tick, and (word 6) unlocked. Word 5 is the
# protocol fee, a uint8 in v3-core and a uint32 in PancakeSwap V3: not decoded, so both read.
_SLOT0_TYPES = ("uint160", "int24", "uint256", "uint256", "uint256", "uint256", "bool")
_TICK_TYPES = ("uint128", "int128", "uint256", "uint256", "int56", "uint160", "uint32", "bool")
_HEAD_CALLS = ("factory()", "token0()", "token1()", "fee()", "tickSpacing()", "slot0()")
_LIQUIDITY = "liquidity()"
_TICK_BITMAP = "0x" + selector("tickBitmap(int16)").hex()
_TICKS = "0x" + selector("ticks(int24)").hex()
_WORD_MASK = (1 << 256) - 1


class V3PoolReader:
    """Reads `V3PoolState` values (or `state_type`'s, a fork's) for pools on one chain.

    `await V3PoolReader(rpc, chain_id=1).read(address, dex="uniswap-v3")` returns the pool's
    state at the latest block (or at `block`); `read_many` reads any number of pools in the
    same three round trips.
    """

    def __init__(
        self,
        rpc: RpcClient,
        *,
        chain_id: int,
        max_batch: int = 1000,
        state_type: type[V3PoolState] = V3PoolState,
    ) -> None:
        if max_batch < 1:
            raise ValueError(f"max_batch must be >= 1, got {max_batch}")
        self._state_type = state_type
        self._rpc = rpc
        self._chain_id = chain_id
        self._max_batch = max_batch

    async def read(self, address: str, *, dex: str, block: int | None = None) -> V3PoolState:
        """One pool's state at `block` (default: the latest block)."""
        (state,) = await self.read_many([address], dex=dex, block=block)
        return state

    async def read_many(
        self, addresses: Sequence[str], *, dex: str, block: int | None = None
    ) -> list[V3PoolState]:
        """The states of `addresses`, in order, all at the same `block` (default: latest)."""
        if block is None:
            block = int(await self._rpc.call("eth_blockNumber"), 16)
        tag = hex(block)
        heads = await self._calls(
            [(a, encode_call(sig)) for a in addresses for sig in (*_HEAD_CALLS, _LIQUIDITY)], tag
        )
        per_pool = len(_HEAD_CALLS) + 1
        headers = [
            self._decode_head(
                address, heads[i * per_pool : (i + 1) * per_pool], dex=dex, block=block
            )
            for i, address in enumerate(addresses)
        ]

        word_calls = [
            (address, word)
            for address, head in zip(addresses, headers, strict=True)
            for word in word_positions(head.tick_spacing)
        ]
        words = await self._calls(
            [(address, _int_call(_TICK_BITMAP, word)) for address, word in word_calls], tag
        )
        set_words: dict[str, list[tuple[int, int]]] = {address: [] for address in addresses}
        for (address, word_pos), answer in zip(word_calls, words, strict=True):
            value = int(answer, 16)
            if value:
                set_words[address].append((word_pos, value))

        tick_calls = [
            (address, tick)
            for address, head in zip(addresses, headers, strict=True)
            for tick in initialized_ticks(set_words[address], head.tick_spacing)
        ]
        tick_answers = await self._calls(
            [(address, _int_call(_TICKS, tick)) for address, tick in tick_calls], tag
        )
        tables: dict[str, dict[int, tuple[int, int]]] = {address: {} for address in addresses}
        for (address, tick), answer in zip(tick_calls, tick_answers, strict=True):
            gross, net, *_, initialized = decode(_TICK_TYPES, answer)
            if not initialized or gross == 0:
                raise RpcTransportError(
                    f"pool {address}: tick {tick} is set in the bitmap but not initialized",
                    url=self._rpc.url,
                )
            tables[address][tick] = (gross, net)

        return [
            replace(head, ticks=TickTable.from_ticks(tables[address]))
            for address, head in zip(addresses, headers, strict=True)
        ]

    def _decode_head(
        self, address: str, answers: Sequence[str], *, dex: str, block: int
    ) -> V3PoolState:
        """The pool's state without its ticks, from the first round trip's answers."""
        if any(len(answer) < 66 for answer in answers):
            raise NotFoundError(f"no Uniswap V3 pool at {address} (its getters do not answer)")
        factory, token0, token1, fee, spacing, slot0, liquidity = answers
        sqrt_price_x96, tick, *_, unlocked = decode(_SLOT0_TYPES, slot0)
        return self._state_type(
            chain_id=self._chain_id,
            address=address,
            dex=dex,
            factory=_address(factory),
            token0=_address(token0),
            token1=_address(token1),
            fee_pips=decode(["uint24"], fee)[0],
            tick_spacing=decode(["int24"], spacing)[0],
            sqrt_price_x96=sqrt_price_x96,
            tick=tick,
            liquidity=decode(["uint128"], liquidity)[0],
            ticks=TickTable.from_ticks({}),
            block_number=block,
            unlocked=unlocked,
        )

    async def _calls(self, calls: Sequence[tuple[str, str]], tag: str) -> list[str]:
        """`eth_call` every (to, data) at block `tag`, in concurrent batches of `max_batch`."""
        requests: list[RpcRequest] = [
            ("eth_call", [{"to": to, "data": data}, tag]) for to, data in calls
        ]
        chunks = [
            requests[start : start + self._max_batch]
            for start in range(0, len(requests), self._max_batch)
        ]
        answers = await asyncio.gather(*(self._rpc.batch(chunk) for chunk in chunks))
        log.debug("read %d calls in %d batches at block %s", len(requests), len(chunks), tag)
        return [str(answer) for chunk in answers for answer in chunk]


def _int_call(selector_hex: str, value: int) -> str:
    """Calldata for a getter with one signed integer argument: encoded here rather than by
    eth-abi because a read needs hundreds of them and eth-abi takes ~0.3 ms each."""
    return f"{selector_hex}{value & _WORD_MASK:064x}"


def _address(answer: str) -> str:
    return str(to_checksum_address(decode(["address"], answer)[0]))
