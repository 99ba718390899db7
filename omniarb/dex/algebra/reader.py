"""Read Algebra Integral pools' full state from a node, pinned to one block, in four batched
rounds of `eth_call`s.

The rounds: (1) the pools' immutables and state (`factory`, `token0`, `token1`, `tickSpacing`,
`globalState`, `liquidity`, `tickTreeRoot`, `plugin`); (2) the `tickTreeSecondLayer` words the
root marks; (3) the `tickTable` leaf words those mark; (4) `ticks(t)` for each tick set in a
leaf. Integral's tick tree (`TickTree.sol`) indexes raw ticks, not ticks over the spacing: leaf
word `t >> 8`, bit `t & 255`; second-layer word `((t >> 8) + 3466) >> 8`; a root bit per
second-layer word. So a pool with n initialized ticks costs a handful of word reads and n tick
reads, whatever its spacing. The pool's getters are used, not storage slots.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from eth_utils.address import to_checksum_address

from omniarb.chain_events import NewHead
from omniarb.chains.abi import decode, encode_call, selector
from omniarb.chains.blocks import eth_calls_at
from omniarb.chains.rpc import RpcClient
from omniarb.dex.algebra.pool import AlgebraPoolState
from omniarb.dex.algebra.ticks import AlgebraTicks
from omniarb.errors import NotFoundError, RpcTransportError

__all__ = ["AlgebraPoolReader", "tree_ticks"]

_GLOBAL_STATE_TYPES = ("uint160", "int24", "uint16", "uint8", "uint16", "bool")
_TICK_TYPES = ("uint256", "int128", "int24", "int24", "uint256", "uint256")
_HEAD_CALLS = tuple(
    encode_call(signature)
    for signature in (
        "factory()",
        "token0()",
        "token1()",
        "tickSpacing()",
        "globalState()",
        "liquidity()",
        "tickTreeRoot()",
        "plugin()",
    )
)
_SECOND_LAYER = "0x" + selector("tickTreeSecondLayer(int16)").hex()
_TICK_TABLE = "0x" + selector("tickTable(int16)").hex()
_TICKS = "0x" + selector("ticks(int24)").hex()
_WORD_MASK = (1 << 256) - 1
# TickTree.SECOND_LAYER_OFFSET: ceil(-MIN_TICK / 256), so second-layer indexes are >= 0.
SECOND_LAYER_OFFSET = 3466


def _bits(word: int) -> list[int]:
    """The positions of the set bits of `word`, ascending."""
    positions = []
    while word:
        low = word & -word
        positions.append(low.bit_length() - 1)
        word ^= low
    return positions


def tree_ticks(root: int, second_layer: dict[int, int], leaves: dict[int, int]) -> list[int]:
    """The ticks set in a pool's tick tree, ascending, from its root, its second-layer words
    (by index) and its leaf words (by index)."""
    ticks = []
    for node in _bits(root):
        for bit in _bits(second_layer.get(node, 0)):
            leaf = node * 256 + bit - SECOND_LAYER_OFFSET
            ticks += [leaf * 256 + position for position in _bits(leaves.get(leaf, 0))]
    return ticks


def _int_call(selector_hex: str, value: int) -> str:
    """Calldata for a getter with one signed integer argument (eth-abi is too slow for
    hundreds of them)."""
    return f"{selector_hex}{value & _WORD_MASK:064x}"


def _address(answer: str) -> str:
    return str(to_checksum_address(decode(["address"], answer)[0]))


class AlgebraPoolReader:
    """Reads `AlgebraPoolState` values for pools on one chain through `rpc`.

    `await AlgebraPoolReader(rpc, chain_id=137).read_many(addresses, dex="quickswap-v3",
    at=head)` returns the pools' states after block `head` (a header: its hash pins every call,
    EIP-1898; or a block number).
    """

    def __init__(
        self,
        rpc: RpcClient,
        *,
        chain_id: int,
        calls_per_request: int = 500,
        concurrent_requests: int = 4,
    ) -> None:
        if calls_per_request < 1 or concurrent_requests < 1:
            raise ValueError("calls_per_request and concurrent_requests must be >= 1")
        self._rpc = rpc
        self._chain_id = chain_id
        self._calls_per_request = calls_per_request
        self._concurrent_requests = concurrent_requests

    async def read(self, address: str, *, dex: str, at: NewHead | int) -> AlgebraPoolState:
        """One pool's state after block `at`."""
        (state,) = await self.read_many([address], dex=dex, at=at)
        return state

    async def read_many(
        self, addresses: Sequence[str], *, dex: str, at: NewHead | int
    ) -> list[AlgebraPoolState]:
        """The states of `addresses`, in order, all after the same block `at`."""
        block = at.number if isinstance(at, NewHead) else at
        heads = await self._calls(at, [(a, data) for a in addresses for data in _HEAD_CALLS])
        per_pool = len(_HEAD_CALLS)
        states = [
            self._decode_head(address, heads[i * per_pool : (i + 1) * per_pool], dex, block)
            for i, address in enumerate(addresses)
        ]
        roots = [int(heads[i * per_pool + 6], 16) for i in range(len(addresses))]

        layer_calls = [(a, node) for a, root in zip(addresses, roots, strict=True)
                       for node in _bits(root)]  # fmt: skip
        layer_words = await self._calls(
            at, [(a, _int_call(_SECOND_LAYER, node)) for a, node in layer_calls]
        )
        second: dict[str, dict[int, int]] = {a: {} for a in addresses}
        for (a, node), answer in zip(layer_calls, layer_words, strict=True):
            second[a][node] = int(answer, 16)

        leaf_calls = [
            (a, node * 256 + bit - SECOND_LAYER_OFFSET)
            for a in addresses
            for node, word in second[a].items()
            for bit in _bits(word)
        ]
        leaf_words = await self._calls(
            at, [(a, _int_call(_TICK_TABLE, leaf)) for a, leaf in leaf_calls]
        )
        leaves: dict[str, dict[int, int]] = {a: {} for a in addresses}
        for (a, leaf), answer in zip(leaf_calls, leaf_words, strict=True):
            leaves[a][leaf] = int(answer, 16)

        tick_calls = [
            (a, tick)
            for a, root in zip(addresses, roots, strict=True)
            for tick in tree_ticks(root, second[a], leaves[a])
        ]
        tick_answers = await self._calls(
            at, [(a, _int_call(_TICKS, tick)) for a, tick in tick_calls]
        )
        tables: dict[str, dict[int, tuple[int, int]]] = {a: {} for a in addresses}
        for (a, tick), answer in zip(tick_calls, tick_answers, strict=True):
            total, delta, *_ = decode(_TICK_TYPES, answer)
            if total == 0:
                raise RpcTransportError(
                    f"pool {a}: tick {tick} is set in the tick tree but holds no liquidity",
                    url=self._rpc.url,
                )
            tables[a][tick] = (total, delta)
        return [
            replace(state, ticks=AlgebraTicks.from_ticks(tables[a]))
            for a, state in zip(addresses, states, strict=True)
        ]

    def _decode_head(
        self, address: str, answers: Sequence[str], dex: str, block: int
    ) -> AlgebraPoolState:
        """The pool's state without its ticks, from the first round's answers."""
        if any(len(answer) < 66 for answer in answers):
            raise NotFoundError(
                f"no Algebra Integral pool at {address} (its getters do not answer)"
            )
        factory, token0, token1, spacing, global_state, liquidity, _root, plugin = answers
        price, tick, fee, plugin_config, community_fee, unlocked = decode(
            _GLOBAL_STATE_TYPES, global_state
        )
        return AlgebraPoolState(
            chain_id=self._chain_id,
            address=str(to_checksum_address(address)),
            dex=dex,
            factory=_address(factory),
            token0=_address(token0),
            token1=_address(token1),
            fee_pips=fee,
            tick_spacing=decode(["int24"], spacing)[0],
            sqrt_price_x96=price,
            tick=tick,
            liquidity=decode(["uint128"], liquidity)[0],
            ticks=AlgebraTicks(),
            block_number=block,
            community_fee=community_fee,
            plugin=_address(plugin),
            plugin_config=plugin_config,
            unlocked=unlocked,
        )

    async def _calls(self, at: NewHead | int, calls: Sequence[tuple[str, str]]) -> list[str]:
        def as_text(answer: Any) -> str:
            return str(answer)

        return await eth_calls_at(
            self._rpc,
            [{"to": to, "data": data} for to, data in calls],
            at,
            calls_per_request=self._calls_per_request,
            concurrent_requests=self._concurrent_requests,
            decode=as_text,
        )
