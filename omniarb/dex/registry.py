"""The kinds of pool omni-arb trades, by name: adding a kind is one package and one line here."""

from __future__ import annotations

from collections.abc import Mapping

from omniarb.dex.algebra.adapter import ADAPTER as ALGEBRA_INTEGRAL
from omniarb.dex.balancer.adapter import STABLE as BALANCER_STABLE
from omniarb.dex.balancer.adapter import WEIGHTED as BALANCER_WEIGHTED
from omniarb.dex.base import DexAdapter
from omniarb.dex.pancakeswap_v3.adapter import ADAPTER as PANCAKESWAP_V3
from omniarb.dex.uniswap_v2.adapter import ADAPTER as UNISWAP_V2
from omniarb.dex.uniswap_v3.adapter import ADAPTER as UNISWAP_V3
from omniarb.dex.uniswap_v4.adapter import ADAPTER as UNISWAP_V4
from omniarb.errors import NotFoundError

__all__ = ["ADAPTERS", "adapter", "is_traded"]

ADAPTERS: Mapping[str, DexAdapter] = {
    a.kind: a
    for a in (
        UNISWAP_V2,
        UNISWAP_V3,
        PANCAKESWAP_V3,
        ALGEBRA_INTEGRAL,
        UNISWAP_V4,
        BALANCER_WEIGHTED,
        BALANCER_STABLE,
    )
}


def adapter(kind: str) -> DexAdapter:
    """The adapter of pool kind `kind`."""
    found = ADAPTERS.get(kind)
    if found is None:
        raise NotFoundError(f"no adapter for pool kind {kind!r} (known: {', '.join(ADAPTERS)})")
    return found


def is_traded(kind: str) -> bool:
    """Whether the bot trades pools of `kind`."""
    return kind in ADAPTERS
