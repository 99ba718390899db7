"""Which router a market swap goes through: its DEX's own, or one of Uniswap's routers over
several DEXes (the manifest's `routers`), so that pending swaps through every router exist on
the devnet for the mempool decoders to read.

A seeded draw per swap (`MarketParams.router_share`) sends that share of the swaps whose pool a
shared router reaches through it, half through SwapRouter02 (V2 and V3 pools) and half through
the UniversalRouter (V2, V3 and V4 pools; all to the UniversalRouter where SwapRouter02 cannot
go). The draws have their own generator, seeded from the market's seed and the chain, so the
swaps the market decides are the same with or without shared routers.

Every routed call is what a wallet sends: exact input, no minimum out (the market's traders take
any price), paid to the sender through the routers' `MSG_SENDER` constant, with a deadline
(SwapRouter02's `multicall(uint256 deadline, bytes[])`, the UniversalRouter's
`execute(bytes, bytes[], uint256 deadline)`). The UniversalRouter pulls tokens through Permit2
(`payerIsUser`; the traders approved it at deployment) and takes the native coin of a V4
native pool as the transaction's value (`SETTLE_ALL` of currency 0).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from omniarb.chains.abi import encode_args, encode_call
from omniarb.chains.spec import DexKind
from omniarb.devnet.kinds._calls import DEADLINE
from omniarb.devnet.kinds.uniswap_v4 import pool_key
from omniarb.dex.uniswap_v3.router02 import MSG_SENDER
from omniarb.dex.uniswap_v3.router02 import ROUTER_KIND as SWAP_ROUTER_02
from omniarb.dex.uniswap_v4.universal_router import ROUTER_KIND as UNIVERSAL_ROUTER
from omniarb.dex.uniswap_v4.universal_router import Command, V4Action
from omniarb.network import ChainManifest, PoolEntry, RouterEntry

__all__ = [
    "ROUTED_SWAP_EXTRA_GAS",
    "RoutedCall",
    "SwapRoutes",
    "swap_router02_call",
    "universal_router_call",
]

# Room a shared router gets above the pool kind's fixed swap gas for its dispatch, the Permit2
# pull and the multicall. Measured on the devnet, WETH→USDC of 0.1 WETH: 93k (SwapRouter02) and
# 96k (UniversalRouter) gas on V2, 103k/105k on V3, 119k through the UniversalRouter on V4, no
# more than the DEXes' own routers; ticks crossed cost the same through either.
ROUTED_SWAP_EXTRA_GAS = 150_000
_V2 = DexKind.UNISWAP_V2.value
_V3 = DexKind.UNISWAP_V3.value
_V4 = DexKind.UNISWAP_V4.value
_V3_SINGLE = "exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))"
_V2_EXACT_IN = "swapExactTokensForTokens(uint256,uint256,address[],address)"
_V4_SINGLE = "((address,address,uint24,int24,address),bool,uint128,uint128,bytes)"


@dataclass(frozen=True, slots=True, kw_only=True)
class RoutedCall:
    """A swap's call through a shared router: where to and what."""

    router_kind: str
    to: str
    data: str


def swap_router02_call(pool: PoolEntry, token_in: str, token_out: str, amount_in: int) -> str:
    """SwapRouter02 `multicall(DEADLINE, [swap])` of exactly `amount_in` through `pool` (V2 or
    V3), no minimum out, paid to the sender."""
    if pool.kind == _V2:
        swap = encode_call(_V2_EXACT_IN, amount_in, 0, [token_in, token_out], MSG_SENDER)
    elif pool.kind == _V3:
        swap = encode_call(_V3_SINGLE, (token_in, token_out, pool.fee, MSG_SENDER, amount_in, 0, 0))
    else:
        raise ValueError(f"SwapRouter02 does not swap through {pool.kind} pools")
    return encode_call("multicall(uint256,bytes[])", DEADLINE, [bytes.fromhex(swap[2:])])


def universal_router_call(pool: PoolEntry, token_in: str, token_out: str, amount_in: int) -> str:
    """UniversalRouter `execute(commands, inputs, DEADLINE)` of exactly `amount_in` through
    `pool` (V2, V3 or V4), no minimum out, paid to the sender."""
    if pool.kind in (_V2, _V3):
        if pool.kind == _V2:
            command, path_type = Command.V2_SWAP_EXACT_IN, "address[]"
            path: object = [token_in, token_out]
        else:
            command, path_type = Command.V3_SWAP_EXACT_IN, "bytes"
            path = (
                bytes.fromhex(token_in[2:])
                + pool.fee.to_bytes(3, "big")
                + bytes.fromhex(token_out[2:])
            )
        # (recipient, amountIn, amountOutMin, path, payerIsUser): Dispatcher.sol.
        swap = encode_args(
            ["address", "uint256", "uint256", path_type, "bool"],
            [MSG_SENDER, amount_in, 0, path, True],
        )
        commands, inputs = bytes([command]), [swap]
    elif pool.kind == _V4:
        key = pool_key(pool)
        zero_for_one = int(token_in, 16) == int(key.currency0, 16)
        actions = bytes([V4Action.SWAP_EXACT_IN_SINGLE, V4Action.SETTLE_ALL, V4Action.TAKE_ALL])
        params = [
            encode_args([_V4_SINGLE], [(key.as_tuple(), zero_for_one, amount_in, 0, b"")]),
            encode_args(["address", "uint256"], [token_in, amount_in]),
            encode_args(["address", "uint256"], [token_out, 0]),
        ]
        commands = bytes([Command.V4_SWAP])
        inputs = [encode_args(["bytes", "bytes[]"], [actions, params])]
    else:
        raise ValueError(f"the UniversalRouter does not swap through {pool.kind} pools")
    return encode_call("execute(bytes,bytes[],uint256)", commands, inputs, DEADLINE)


class SwapRoutes:
    """Draws, swap by swap, whether it goes through a shared router, and builds that call."""

    def __init__(self, chain: ChainManifest, *, seed: int, share: float) -> None:
        self._rng = random.Random(f"{seed}:{chain.chain_id}:shared routers")
        self._share = share
        self._router02 = _entry(chain, SWAP_ROUTER_02)
        self._universal = _entry(chain, UNIVERSAL_ROUTER)

    def route(
        self, pool: PoolEntry, token_in: str, token_out: str, amount_in: int
    ) -> RoutedCall | None:
        """The shared router's call for this swap, or None for the DEX's own router."""
        draw = self._rng.random()  # one draw per swap, whatever the pool, to keep the stream
        if draw >= self._share:
            return None
        router02 = self._router02 if _reaches(self._router02, pool, (_V2, _V3)) else None
        universal = self._universal if _reaches(self._universal, pool, (_V2, _V3, _V4)) else None
        if router02 is not None and (universal is None or draw < self._share / 2):
            data = swap_router02_call(pool, token_in, token_out, amount_in)
            return RoutedCall(router_kind=router02.kind, to=router02.address, data=data)
        if universal is not None:
            data = universal_router_call(pool, token_in, token_out, amount_in)
            return RoutedCall(router_kind=universal.kind, to=universal.address, data=data)
        return None


def _entry(chain: ChainManifest, kind: str) -> RouterEntry | None:
    return next((r for r in chain.routers if r.kind == kind), None)


def _reaches(router: RouterEntry | None, pool: PoolEntry, kinds: tuple[str, ...]) -> bool:
    return router is not None and pool.kind in kinds and pool.dex in router.dexes
