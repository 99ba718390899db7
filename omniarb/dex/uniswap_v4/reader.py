"""Read Uniswap V4 pools' full state from a node through the periphery's StateView lens: slot0,
liquidity, the tick bitmap and every initialized tick, all pinned to one block, in three
batched JSON-RPC round trips.

A V4 pool has no contract to ask: its state sits in the PoolManager's storage under its id, and
StateView (`v4-periphery/src/lens/StateView.sol`) reads it with `extsload` at the slots
`StateLibrary` computes. The round trips: (1) `getSlot0(id)` (price, tick, protocol fee, LP
fee) and `getLiquidity(id)`; (2) `getTickBitmap(id, word)` for every word that can hold a tick
(694 at spacing 10, 6,933 at spacing 1); (3) `getTickLiquidity(id, tick)` for each initialized
tick. Keys are not stored on chain, so the caller passes them (from `Initialize` logs).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from eth_utils.address import to_checksum_address

from omniarb.chains.abi import decode, selector
from omniarb.chains.rpc import RpcClient, RpcRequest
from omniarb.dex.uniswap_v3.tick_bitmap import initialized_ticks, word_positions
from omniarb.dex.uniswap_v3.tick_table import TickTable
from omniarb.dex.uniswap_v4.pool import V4PoolState, route_tokens
from omniarb.dex.uniswap_v4.pool_key import PoolKey, pool_address
from omniarb.errors import NotFoundError, RpcTransportError

__all__ = ["V4PoolReader"]

log = logging.getLogger(__name__)

_SLOT0_TYPES = ("uint160", "int24", "uint24", "uint24")
_GET_SLOT0 = "0x" + selector("getSlot0(bytes32)").hex()
_GET_LIQUIDITY = "0x" + selector("getLiquidity(bytes32)").hex()
_GET_TICK_BITMAP = "0x" + selector("getTickBitmap(bytes32,int16)").hex()
_GET_TICK_LIQUIDITY = "0x" + selector("getTickLiquidity(bytes32,int24)").hex()
_WORD_MASK = (1 << 256) - 1


class V4PoolReader:
    """Reads `V4PoolState` values of the PoolManager `pool_manager` through the StateView lens
    `state_view` on one chain; a pool of the native coin trades it as `wrapped_native`
    (`route_tokens`).

    `await reader.read_many(keys, dex="uniswap-v4")` returns the pools' states at the latest
    block (or at `block`), in the same three round trips for any number of pools.
    """

    def __init__(
        self,
        rpc: RpcClient,
        *,
        chain_id: int,
        pool_manager: str,
        state_view: str,
        wrapped_native: str | None = None,
        max_batch: int = 1000,
    ) -> None:
        if max_batch < 1:
            raise ValueError(f"max_batch must be >= 1, got {max_batch}")
        self._rpc = rpc
        self._chain_id = chain_id
        self._manager = str(to_checksum_address(pool_manager))
        self._lens = str(to_checksum_address(state_view))
        self._max_batch = max_batch
        self._wrapped_native = wrapped_native

    async def read(self, key: PoolKey, *, dex: str, block: int | None = None) -> V4PoolState:
        """One pool's state at `block` (default: the latest block)."""
        (state,) = await self.read_many([key], dex=dex, block=block)
        return state

    async def read_many(
        self, keys: Sequence[PoolKey], *, dex: str, block: int | None = None
    ) -> list[V4PoolState]:
        """The states of the pools of `keys`, in order, all at the same `block` (default:
        latest). Raises `NotFoundError` for a key whose pool is not initialized."""
        states = await self.read_some(keys, dex=dex, block=block)
        for key, state in zip(keys, states, strict=True):
            if state is None:
                raise NotFoundError(f"no initialized V4 pool {key.pool_id} ({key})")
        return [state for state in states if state is not None]

    async def read_heads(
        self, keys: Sequence[PoolKey], *, block: int
    ) -> list[tuple[int, int, int, int, int]]:
        """Each pool's `slot0` and active liquidity at `block` as (sqrtPriceX96, tick, protocol
        fee, LP fee, liquidity), in one round trip: what a swap reads besides the ticks."""
        answers = await self._calls(
            [f"{call}{k.pool_id[2:]}" for k in keys for call in (_GET_SLOT0, _GET_LIQUIDITY)],
            hex(block),
        )
        heads = []
        for i in range(len(keys)):
            sqrt_price_x96, tick, protocol_fee, lp_fee = decode(_SLOT0_TYPES, answers[2 * i])
            (liquidity,) = decode(["uint128"], answers[2 * i + 1])
            heads.append((sqrt_price_x96, tick, protocol_fee, lp_fee, liquidity))
        return heads

    async def read_some(
        self, keys: Sequence[PoolKey], *, dex: str, block: int | None = None
    ) -> list[V4PoolState | None]:
        """As `read_many`, with None for a key whose pool is not initialized (yet, or any
        more after a reorg)."""
        if block is None:
            block = int(await self._rpc.call("eth_blockNumber"), 16)
        tag = hex(block)
        ids = [key.pool_id for key in keys]
        heads = await self._calls(
            [f"{call}{pool_id[2:]}" for pool_id in ids for call in (_GET_SLOT0, _GET_LIQUIDITY)],
            tag,
        )
        word_calls = [
            (index, word)
            for index, key in enumerate(keys)
            for word in word_positions(key.tick_spacing)
        ]
        words = await self._calls(
            [_id_int_call(_GET_TICK_BITMAP, ids[i], word) for i, word in word_calls], tag
        )
        set_words: list[list[tuple[int, int]]] = [[] for _ in keys]
        for (index, word_pos), answer in zip(word_calls, words, strict=True):
            value = int(answer, 16)
            if value:
                set_words[index].append((word_pos, value))
        tick_calls = [
            (index, tick)
            for index, key in enumerate(keys)
            for tick in initialized_ticks(set_words[index], key.tick_spacing)
        ]
        tick_answers = await self._calls(
            [_id_int_call(_GET_TICK_LIQUIDITY, ids[i], tick) for i, tick in tick_calls], tag
        )
        tables: list[dict[int, tuple[int, int]]] = [{} for _ in keys]
        for (index, tick), answer in zip(tick_calls, tick_answers, strict=True):
            gross, net = decode(["uint128", "int128"], answer)
            if gross == 0:
                raise RpcTransportError(
                    f"V4 pool {ids[index]}: tick {tick} is set in the bitmap but has no liquidity",
                    url=self._rpc.url,
                )
            tables[index][tick] = (gross, net)
        return [
            self._state(key, heads[2 * i], heads[2 * i + 1], tables[i], dex=dex, block=block)
            for i, key in enumerate(keys)
        ]

    def _state(
        self,
        key: PoolKey,
        slot0: str,
        liquidity: str,
        ticks: dict[int, tuple[int, int]],
        *,
        dex: str,
        block: int,
    ) -> V4PoolState | None:
        sqrt_price_x96, tick, protocol_fee, lp_fee = decode(_SLOT0_TYPES, slot0)
        if sqrt_price_x96 == 0:
            return None
        pool_id = key.pool_id
        token0, token1 = route_tokens(key, self._wrapped_native)
        return V4PoolState(
            chain_id=self._chain_id,
            address=pool_address(pool_id),
            dex=dex,
            factory=self._manager,
            token0=token0,
            token1=token1,
            pool_id=pool_id,
            key=key,
            sqrt_price_x96=sqrt_price_x96,
            tick=tick,
            liquidity=decode(["uint128"], liquidity)[0],
            protocol_fee=protocol_fee,
            fee_pips=lp_fee,
            ticks=TickTable.from_ticks(ticks),
            block_number=block,
        )

    async def _calls(self, calls: Sequence[str], tag: str) -> list[str]:
        """`eth_call` StateView with every calldata at block `tag`, in concurrent batches."""
        requests: list[RpcRequest] = [
            ("eth_call", [{"to": self._lens, "data": data}, tag]) for data in calls
        ]
        chunks = [
            requests[start : start + self._max_batch]
            for start in range(0, len(requests), self._max_batch)
        ]
        answers = await asyncio.gather(*(self._rpc.batch(chunk) for chunk in chunks))
        log.debug("read %d calls in %d batches at block %s", len(requests), len(chunks), tag)
        return [str(answer) for chunk in answers for answer in chunk]


def _id_int_call(selector_hex: str, pool_id: str, value: int) -> str:
    """Calldata for a StateView getter taking a pool id and one signed integer, encoded here
    rather than by eth-abi because a read needs thousands of them."""
    return f"{selector_hex}{pool_id[2:]}{value & _WORD_MASK:064x}"
