"""The router decoders, by name: each pool kind's own router (a manifest's `DexEntry.router`)
and the routers that are no single DEX's own (`RouterEntry.kind`). Adding a kind's router is
its decoder module and one line here, as adding the kind is one line of `dex.registry`.

A kind's router here is the one its DEXes name in the manifest: Router02 for V2 and its forks
(SushiSwap, the 25 bps V2), SwapRouter for V3, Integral's SwapRouter for Algebra, the Vault for
both Balancer kinds; on the devnet, our PancakeV3DevRouter for PancakeSwap V3 and v4-core's
PoolSwapTest for V4 (their real periphery ships no bytecode, or swaps through UniversalRouter).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from omniarb.dex.algebra.pool import KIND as ALGEBRA_INTEGRAL
from omniarb.dex.algebra.router import DECODER as ALGEBRA_SWAP_ROUTER
from omniarb.dex.balancer.router import DECODER as BALANCER_VAULT
from omniarb.dex.balancer.stable_pool import STABLE_KIND
from omniarb.dex.balancer.weighted_pool import WEIGHTED_KIND
from omniarb.dex.pancakeswap_v3.pool import KIND as PANCAKESWAP_V3
from omniarb.dex.pancakeswap_v3.router import DECODER as PANCAKE_DEV_ROUTER
from omniarb.dex.router_decoder import RouterDecoder
from omniarb.dex.router_encoder import RouterEncoder
from omniarb.dex.router_swap import RouterSwap
from omniarb.dex.uniswap_v2.pool import KIND as UNISWAP_V2
from omniarb.dex.uniswap_v2.router import DECODER as ROUTER02
from omniarb.dex.uniswap_v2.router_encode import ENCODER as ROUTER02_ENCODER
from omniarb.dex.uniswap_v3 import router02
from omniarb.dex.uniswap_v3.pool import KIND as UNISWAP_V3
from omniarb.dex.uniswap_v3.router import DECODER as SWAP_ROUTER
from omniarb.dex.uniswap_v3.router_encode import ENCODER as SWAP_ROUTER_ENCODER
from omniarb.dex.uniswap_v4 import universal_router
from omniarb.dex.uniswap_v4.pool import KIND as UNISWAP_V4
from omniarb.dex.uniswap_v4.router import DECODER as POOL_SWAP_TEST

__all__ = [
    "DEX_ROUTERS",
    "DEX_ROUTER_ENCODERS",
    "ROUTER_DECODERS",
    "SHARED_ROUTERS",
    "dex_router",
    "dex_router_encoder",
    "shared_router",
]

# Pool kind -> the decoder of the router its DEXes name.
DEX_ROUTERS: Mapping[str, RouterDecoder] = {
    UNISWAP_V2: ROUTER02,
    UNISWAP_V3: SWAP_ROUTER,
    PANCAKESWAP_V3: PANCAKE_DEV_ROUTER,
    ALGEBRA_INTEGRAL: ALGEBRA_SWAP_ROUTER,
    UNISWAP_V4: POOL_SWAP_TEST,
    WEIGHTED_KIND: BALANCER_VAULT,
    STABLE_KIND: BALANCER_VAULT,
}

# Pool kind -> the encoder of the exact-input swap of the router its DEXes name: the kinds a
# cross-chain leg (one DEX's router, `omniarb.crosschain`) can trade through.
DEX_ROUTER_ENCODERS: Mapping[str, RouterEncoder] = {
    UNISWAP_V2: ROUTER02_ENCODER,
    UNISWAP_V3: SWAP_ROUTER_ENCODER,
}


class _SharedDecode(Protocol):
    def __call__(
        self, data: bytes, *, sender: str, router: str, value_wei: int = 0, weth: str | None = None
    ) -> tuple[RouterSwap, ...]: ...


@dataclass(frozen=True, slots=True)
class _AtRouter:
    """A shared router's decoder for the router at `router`: its calls may name the router
    itself as a recipient (an output it unwraps or sweeps on), and their `MSG_SENDER`
    recipient stays "" (the transaction's sender, as the other decoders say it)."""

    decode_call: _SharedDecode
    router: str

    def __call__(
        self, data: bytes, *, value_wei: int, wrapped_native: str | None
    ) -> tuple[RouterSwap, ...]:
        return self.decode_call(
            data, sender="", router=self.router, value_wei=value_wei, weth=wrapped_native
        )


# The decoders of routers over several DEXes (`RouterEntry.kind`), one a line: the functions
# they read and their decoding, bound to a router's address by `shared_router`.
_SHARED_KINDS: Mapping[str, tuple[frozenset[bytes], _SharedDecode]] = {
    router02.ROUTER_KIND: (router02.SELECTORS, router02.decode_swap_router02_call),
    universal_router.ROUTER_KIND: (
        universal_router.SELECTORS,
        universal_router.decode_universal_router_call,
    ),
}
_NO_ADDRESS = "0x" + "00" * 20
_SHARED: tuple[RouterDecoder, ...] = tuple(
    RouterDecoder(kind=kind, selectors=selectors, decode=_AtRouter(decode, _NO_ADDRESS))
    for kind, (selectors, decode) in _SHARED_KINDS.items()
)
SHARED_ROUTERS: Mapping[str, RouterDecoder] = {d.kind: d for d in _SHARED}

# Router kind -> decoder, every router omni-arb decodes.
ROUTER_DECODERS: Mapping[str, RouterDecoder] = {
    d.kind: d for d in (*DEX_ROUTERS.values(), *SHARED_ROUTERS.values())
}


def dex_router(pool_kind: str) -> RouterDecoder | None:
    """The decoder of the router DEXes of `pool_kind` name; None for a kind with none."""
    return DEX_ROUTERS.get(pool_kind)


def dex_router_encoder(pool_kind: str) -> RouterEncoder | None:
    """The exact-input encoder of the router DEXes of `pool_kind` name; None for a kind whose
    router omni-arb does not send to."""
    return DEX_ROUTER_ENCODERS.get(pool_kind)


def shared_router(router_kind: str, address: str = _NO_ADDRESS) -> RouterDecoder | None:
    """The decoder of the router of `router_kind` over several DEXes at `address`; None for an
    unknown kind."""
    known = _SHARED_KINDS.get(router_kind)
    if known is None:
        return None
    selectors, decode = known
    return RouterDecoder(kind=router_kind, selectors=selectors, decode=_AtRouter(decode, address))
